"""Notices: a leader who opted in hears when someone in their units completes; a holder
hears when their certificate is revoked and when a new one replaces it."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import select

from api.core.config import Settings
from api.core.db import transaction
from api.data.models import OutgoingEmail, Role, utcnow
from api.services import workbook_teams
from api.services.email_outbox import prune, queue
from tests.email.conftest import drain
from tests.email.smtp_server import Inbox
from tests.factories import complete_course, grant_role, login, make_unit, make_user


def test_a_leader_who_opted_in_hears_once_of_each_completion_in_their_units(
    client: TestClient, engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    health = make_unit(engine, "Helse og omsorg")
    home = make_unit(engine, "Hjemmetjenesten", parent=health)
    school = make_unit(engine, "Oppvekst")
    leader = make_user(engine, full_name="Lise Leder", email="lise@asker.kommune.no")
    grant_role(engine, leader, Role.LEADER, unit=health)
    quiet = make_user(engine, full_name="Stein Stille", email="stein@asker.kommune.no")
    grant_role(engine, quiet, Role.LEADER, unit=health)  # has not opted in
    headers = login(client, leader.email)
    learner_headers = login(client, make_user(engine, email="x@asker.kommune.no").email)
    refused = client.patch(
        "/api/v1/me/email-preferences",
        json={"unit_completion_notices": True},
        headers=learner_headers,
    )
    assert refused.status_code == 403  # only leaders
    turned_on = client.patch(
        "/api/v1/me/email-preferences", json={"unit_completion_notices": True}, headers=headers
    )
    assert turned_on.status_code == 200, turned_on.text
    assert turned_on.json() == {
        "reminders": True,
        "unit_completion_notices": True,
        "is_leader": True,
    }

    inside = make_user(engine, full_name="Ina Berg", email="ina@asker.kommune.no", unit_id=home.id)
    outside = make_user(
        engine, full_name="Siri Lie", email="siri@asker.kommune.no", unit_id=school.id
    )
    complete_course(engine, inside)
    complete_course(engine, outside)
    complete_course(engine, inside)  # nothing new: completed already
    drain(engine, settings)

    (notice,) = inbox.received
    assert notice.recipients == [leader.email]
    assert notice.subject == "Ina Berg har fullført innovasjonsstudiet"
    assert "Ina Berg i Hjemmetjenesten har fullført" in notice.text
    assert "Ina Berg i Hjemmetjenesten har fullført" in notice.html
    assert client.get(notice.link("/mine-enheter"), headers=headers).status_code == 200


def test_the_holder_hears_of_a_revoked_and_of_a_reissued_certificate(
    client: TestClient, engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    admin = login(client, make_user(engine, role=Role.ADMIN, email="admin@asker.kommune.no").email)
    holder = make_user(engine, full_name="Åse <b>Ødegård</b>", email="ase@asker.kommune.no")
    complete_course(engine, holder)
    code = client.post("/api/v1/certificate", headers=login(client, holder.email)).json()["code"]
    body = {"reason": "Feil navn", "message_to_holder": "Navnet var feil & må rettes."}
    assert (
        client.post(f"/api/v1/certificates/{code}/revoke", json=body, headers=admin).status_code
        == 200
    )
    assert (
        client.post(f"/api/v1/certificates/{code}/revoke", json=body, headers=admin).status_code
        == 200
    )
    reissued = client.post(f"/api/v1/certificates/{code}/reissue", headers=admin)
    assert reissued.status_code == 201, reissued.text
    new_code = reissued.json()["code"]
    drain(engine, settings)

    revoked, replaced = inbox.received  # once each, in order
    assert revoked.recipients == replaced.recipients == [holder.email]
    assert revoked.subject == "Kursbeviset ditt er trukket tilbake"
    assert code in revoked.text and "Navnet var feil & må rettes." in revoked.text
    assert "Navnet var feil &amp; må rettes." in revoked.html  # autoescaped
    assert "Åse &lt;b&gt;Ødegård&lt;/b&gt;" in revoked.html and "<b>" not in revoked.html
    assert replaced.subject == "Du har fått et nytt kursbevis"
    assert new_code in replaced.text and code in replaced.text
    verify = replaced.link(f"/verify/{new_code}")
    assert client.get(verify).status_code == 200


def test_the_nightly_clean_up_keeps_reminder_rows_while_they_can_matter(engine: Engine) -> None:
    user = make_user(engine, email="gammel@asker.kommune.no")
    assert user.id is not None
    with transaction(engine, write=True) as session:
        for kind, key in (("certificate_revoked", "certificate_revoked:X"), ("reminder", "r:1")):
            queue(session=session, kind=kind, user_id=user.id, key=key)
        session.exec(update(OutgoingEmail).values(created_at=utcnow() - timedelta(days=40)))
    with transaction(engine, write=True) as session:
        assert prune(session=session, keep=timedelta(days=30)) == 1
        assert session.exec(select(OutgoingEmail.kind)).all() == ["reminder"]
        session.exec(update(OutgoingEmail).values(created_at=utcnow() - timedelta(days=400)))
        assert prune(session=session, keep=timedelta(days=30)) == 1


def test_a_colleague_invited_into_a_project_hears_of_it_once(
    client: TestClient, engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    kari = make_user(engine, full_name="Kari <i>Nordmann</i>", email="kari@asker.kommune.no")
    ola = make_user(engine, full_name="Ola Nordmann", email="ola@asker.kommune.no")
    for _ in range(2):  # the second invitation of the same person makes no second message
        with transaction(engine, write=True) as session:
            workbook_teams.invite(session=session, user=kari, email="OLA@asker.kommune.no")
    drain(engine, settings)

    (message,) = inbox.received
    assert message.recipients == [ola.email]
    assert message.subject == "Du er invitert inn i et prosjekt i innovasjonsstudiet"
    assert "Kari <i>Nordmann</i> har invitert deg" in message.text
    assert "Kari &lt;i&gt;Nordmann&lt;/i&gt; har invitert deg" in message.html
    assert message.link("/mitt-prosjekt") == "/mitt-prosjekt"  # where the answer is given
