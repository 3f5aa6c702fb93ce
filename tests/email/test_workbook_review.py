"""At the real SMTP server: the leader hears once that a plan waits for review, and the
learner once that it has been reviewed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.core.config import Settings
from api.data.models import Role
from tests.email.conftest import drain
from tests.email.smtp_server import Inbox
from tests.factories import grant_role, login, make_unit, make_user

STEP = "/api/v1/modules/hvorfor-innovasjon/workbook/m01-utfordring"


def test_the_learner_is_told_once_that_the_plan_was_reviewed(
    client: TestClient, engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    unit = make_unit(engine, "Helse og omsorg")
    learner = make_user(engine, full_name="Ina Berg", email="ina@asker.kommune.no", unit_id=unit.id)
    leader = make_user(engine, email="lise@asker.kommune.no")
    grant_role(engine, leader, Role.LEADER, unit=unit)
    me, boss = login(client, learner.email), login(client, leader.email)
    values = {"hvordan-kan-vi": "Hvordan kan vi gi trygghet om natten?"}
    saved = client.put(STEP, json={"values": values, "base_revision": 0}, headers=me)
    assert saved.status_code == 200, saved.text
    sent = client.post("/api/v1/me/project/submissions", json={"to": "leader"}, headers=me)
    assert sent.status_code == 201, sent.text
    drain(engine, settings)
    # The leader hears that a plan waits, with a link to it and no name of the learner.
    (waiting,) = inbox.received
    assert waiting.recipients == [leader.email]
    assert waiting.subject == "En prosjektplan venter på vurderingen din"
    assert f"http://kurs.example.no/vurderinger/{sent.json()['id']}" in waiting.text
    assert learner.full_name not in waiting.text and learner.email not in waiting.html
    assert "Se planen og gi tilbakemelding" in waiting.html
    inbox.received.clear()

    decision = {"status": "needs_work", "comments": {"m01-utfordring": "Snevre inn."}}
    decided = client.post(
        f"/api/v1/reviews/{sent.json()['id']}/decision", json=decision, headers=boss
    )
    assert decided.status_code == 200, decided.text
    drain(engine, settings)
    drain(engine, settings)

    (message,) = inbox.received
    assert message.recipients == [learner.email]
    assert message.subject == "Prosjektplanen din er vurdert: Trenger mer arbeid"
    assert "http://kurs.example.no/mitt-prosjekt" in message.text
    assert "Snevre inn." not in message.text  # the comment stays on the site
    assert "<strong>Trenger mer arbeid</strong>" in message.html


def test_a_leader_cannot_send_their_own_plan_to_themselves(
    client: TestClient, engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    unit = make_unit(engine, "Helse og omsorg")
    leader = make_user(engine, full_name="Lise Leder", unit_id=unit.id)
    grant_role(engine, leader, Role.LEADER, unit=unit)
    boss = login(client, leader.email)
    values = {"hvordan-kan-vi": "Hvordan kan vi gi trygghet om natten?"}
    assert client.put(STEP, json={"values": values, "base_revision": 0}, headers=boss).is_success
    sent = client.post("/api/v1/me/project/submissions", json={"to": "leader"}, headers=boss)
    assert sent.status_code == 422 and sent.json()["code"] == "no_leader"
    drain(engine, settings)
    assert inbox.received == []
