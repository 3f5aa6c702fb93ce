"""Invitations and "Glemt passord" arrive once at a real SMTP server, and their links set
a password through the app (once, and only until they expire)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from api.core.config import Settings
from api.data.models import (
    AuditEvent,
    Job,
    JobState,
    OutgoingEmail,
    PasswordSetupToken,
    Role,
    utcnow,
)
from tests.email.conftest import drain
from tests.email.smtp_server import Inbox
from tests.factories import grant_role, login, make_user
from tests.web.test_web_security import csrf_from

NEW_PASSWORD = "et-helt-nytt-passord"


def _create(client: TestClient, admin: dict[str, str], email: str) -> int:
    body = {"email": email, "full_name": "Åse Ødegård", "municipality": "Asker"}
    created = client.post("/api/v1/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _set_password(client: TestClient, path: str) -> int:
    """Open the link's page as the person would, then send its form."""
    page = client.get(path)
    assert page.status_code == 200
    code = path.split("kode=")[1]
    assert f'value="{code}"' in page.text  # the page has the code from the link already
    body = {"token": code, "password": NEW_PASSWORD}
    return client.post("/api/v1/auth/password-setup", json=body).status_code


def test_an_invitation_arrives_once_and_its_link_sets_a_password_for_logging_in(
    client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    user_id = _create(client, admin, "ase@asker.kommune.no")
    sent = client.post(f"/api/v1/users/{user_id}/invitation", headers=admin)
    assert sent.status_code == 202, sent.text
    with Session(engine) as session:
        (message,) = session.exec(select(OutgoingEmail)).all()
        assert "ase@" not in message.params and "Ødegård" not in message.params  # ids only
    drain(engine, settings)
    drain(engine, settings)  # nothing more to send

    (received,) = inbox.received
    assert received.recipients == ["ase@asker.kommune.no"]
    assert received.subject == "Du er invitert til innovasjonsstudiet"
    assert "Åse Ødegård" in str(received.message["To"])
    assert "Hei, Åse Ødegård!" in received.text and "Hei, Åse Ødegård!" in received.html
    link = received.link("/passord?kode=")
    assert received.links()[0].startswith("http://kurs.example.no/passord?kode=")

    assert _set_password(client, link) == 204
    assert login(client, "ase@asker.kommune.no", NEW_PASSWORD)
    assert _set_password(client, link) == 400  # the link works once

    with Session(engine) as session:
        actions = session.exec(
            select(AuditEvent.action, AuditEvent.target, AuditEvent.details).where(
                col(AuditEvent.action).in_(["user.invite", "user.password_setup"])
            )
        ).all()
    assert [(a, t) for a, t, _ in actions] == [
        ("user.invite", f"user:{user_id}"),
        ("user.password_setup", f"user:{user_id}"),
    ]
    assert all("ase" not in details for _, _, details in actions)


def test_a_delivery_refused_at_first_is_tried_again_and_arrives_exactly_once(
    client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    inbox.fail_first = 1  # 451 to the first delivery
    user_id = _create(client, admin, "ola@asker.kommune.no")
    assert client.post(f"/api/v1/users/{user_id}/invitation", headers=admin).status_code == 202
    drain(engine, settings)
    assert inbox.tries == 2
    (received,) = inbox.received
    assert received.recipients == ["ola@asker.kommune.no"]
    with Session(engine) as session:
        (job,) = session.exec(select(Job).where(col(Job.kind) == "email.send")).all()
        assert (job.state, job.attempt) == (JobState.SUCCEEDED, 2)
        assert "451" in (job.last_error or "")
    # The job run again (a worker that lost its lease, say) finds the message sent.
    with Session(engine) as session:
        session.exec(update(Job).values(state=JobState.QUEUED, attempt=0))
        session.commit()
    drain(engine, settings)
    assert len(inbox.received) == 1


def test_invitations_need_smtp_and_stay_in_the_scope(client: TestClient, engine: Engine) -> None:
    other = make_user(engine, email="utenfor@oslo.kommune.no", municipality="Oslo")
    asker_admin = make_user(engine, email="ka@asker.kommune.no")
    grant_role(engine, asker_admin, Role.MUNICIPAL_ADMIN, municipality="3203")
    headers = login(client, asker_admin.email)
    refused = client.post(f"/api/v1/users/{other.id}/invitation", headers=headers)
    assert refused.status_code == 404  # outside the scope: not found
    learner = login(client, other.email)
    assert client.post(f"/api/v1/users/{other.id}/invitation", headers=learner).status_code == 403


def test_forgot_password_answers_alike_sends_once_works_once_and_is_rate_limited(
    client: TestClient, engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    make_user(engine, email="kari@asker.kommune.no", full_name="Kari Nordmann")
    token = csrf_from(client, "/glemt-passord")

    def ask(address: str) -> tuple[int, str]:
        answer = client.post("/glemt-passord", data={"epost": address, "csrf_token": token})
        return answer.status_code, answer.text

    known, unknown = ask("Kari@Asker.kommune.no"), ask("ingen@asker.kommune.no")
    assert known[0] == unknown[0] == 200
    assert known[1] == unknown[1]  # the same page, word for word
    assert "Hvis adressen" in known[1]
    drain(engine, settings)
    (received,) = inbox.received
    assert received.recipients == ["kari@asker.kommune.no"]
    assert received.subject == "Sett nytt passord til innovasjonsstudiet"
    link = received.link("/passord?kode=")
    assert _set_password(client, link) == 204
    assert login(client, "kari@asker.kommune.no", NEW_PASSWORD)
    assert _set_password(client, link) == 400  # once

    # Per address (known or not alike): the limit is three in the window.
    assert [ask("kari@asker.kommune.no")[0] for _ in range(3)] == [200, 200, 429]
    assert [ask("ingen@asker.kommune.no")[0] for _ in range(3)] == [200, 200, 429]
    drain(engine, settings)
    assert len(inbox.to("kari@asker.kommune.no")) == 3  # the refused one sent nothing
    with Session(engine) as session:
        resets = session.exec(
            select(AuditEvent.target).where(AuditEvent.action == "user.password_reset_request")
        ).all()
    assert len(resets) == 3 and set(resets) == {resets[0]}


def test_forgot_password_is_limited_per_client_across_addresses(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    limited = settings.model_copy(update={"password_reset_max_per_client": 2})
    client.app.state.settings = limited  # type: ignore[attr-defined]
    body = {"email": "a@asker.kommune.no"}
    statuses = [
        client.post("/api/v1/auth/password-reset-request", json={**body, "email": f"{n}@x.no"})
        for n in range(3)
    ]
    assert [s.status_code for s in statuses] == [202, 202, 429]
    assert statuses[2].json()["code"] == "too_many_reset_requests"
    assert int(statuses[2].headers["Retry-After"]) > 0


def test_an_expired_link_no_longer_sets_a_password(
    client: TestClient, engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    make_user(engine, email="per@asker.kommune.no")
    assert (
        client.post(
            "/api/v1/auth/password-reset-request", json={"email": "per@asker.kommune.no"}
        ).status_code
        == 202
    )
    drain(engine, settings)
    link = inbox.received[0].link("/passord?kode=")
    with Session(engine) as session:
        session.exec(update(PasswordSetupToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    assert _set_password(client, link) == 400


def test_an_invitation_replaced_before_it_was_sent_is_not_sent(
    client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    user_id = _create(client, admin, "to@asker.kommune.no")
    for _ in range(2):
        assert client.post(f"/api/v1/users/{user_id}/invitation", headers=admin).status_code == 202
    drain(engine, settings)
    (received,) = inbox.received  # the second: the first one's code no longer works
    assert _set_password(client, received.link("/passord?kode=")) == 204
    with Session(engine) as session:
        results = session.exec(
            select(Job.result).where(col(Job.kind) == "email.send").order_by(col(Job.id))
        ).all()
    assert '"link_no_longer_works"' in (results[0] or "") and '"sent": true' in (results[1] or "")
