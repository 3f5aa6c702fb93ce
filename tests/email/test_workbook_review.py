"""The learner hears once, at the real SMTP server, that their plan has been reviewed."""

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
    learner = make_user(engine, email="ina@asker.kommune.no", unit_id=unit.id)
    leader = make_user(engine, email="lise@asker.kommune.no")
    grant_role(engine, leader, Role.LEADER, unit=unit)
    me, boss = login(client, learner.email), login(client, leader.email)
    values = {"hvordan-kan-vi": "Hvordan kan vi gi trygghet om natten?"}
    saved = client.put(STEP, json={"values": values, "base_revision": 0}, headers=me)
    assert saved.status_code == 200, saved.text
    sent = client.post("/api/v1/me/project/submissions", json={"to": "leader"}, headers=me)
    assert sent.status_code == 201, sent.text
    drain(engine, settings)
    assert inbox.received == []  # nothing is said on submission

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
