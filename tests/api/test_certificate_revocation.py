"""A revoked certificate as its holder sees it, and an administrator's new one after it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.app import create_app
from api.core.config import Settings
from api.core.db import make_engine, transaction
from api.data.models import AuditEvent, Certificate, Role, User, utcnow
from api.services import audit
from tests.certificates.helpers import page_text
from tests.conftest import LiveServer
from tests.factories import PASSWORD, complete_course, login, make_user, user_headers

REASON = "Feil navn på beviset"  # internal
MESSAGE = "Navnet ditt var stavet feil. Du får et nytt kursbevis med riktig navn."


@pytest.fixture
def graduate(engine: Engine) -> User:
    user = make_user(engine, full_name="Kari Nordman")
    complete_course(engine, user)
    return user


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:
    return user_headers(client, engine, Role.ADMIN)


def _issue_and_revoke(
    client: TestClient, graduate: User, admin: dict[str, str], message: str | None = MESSAGE
) -> str:
    code = client.post("/api/v1/certificate", headers=login(client, graduate.email)).json()["code"]
    body = {"reason": REASON, **({"message_to_holder": message} if message else {})}
    revoked = client.post(f"/api/v1/certificates/{code}/revoke", json=body, headers=admin)
    assert revoked.status_code == 200, revoked.text
    return str(code)


def test_the_holder_of_a_revoked_certificate_is_told_so_and_gets_no_pdf(
    client: TestClient, graduate: User, admin: dict[str, str]
) -> None:
    code = _issue_and_revoke(client, graduate, admin)
    headers = login(client, graduate.email)

    again = client.post("/api/v1/certificate", headers=headers)
    assert again.status_code == 409
    assert again.json()["code"] == "certificate_revoked"
    detail = again.json()["detail"]
    assert f"{code} ble trukket tilbake" in detail
    assert "ikke lenger gyldig" in detail
    assert MESSAGE in detail
    assert REASON not in detail  # the reason stays internal

    pdf = client.get("/api/v1/certificate.pdf", headers=headers)
    assert pdf.status_code == 409
    assert pdf.headers["content-type"].startswith("application/json")
    assert pdf.json()["code"] == "certificate_revoked"


def test_without_a_message_the_holder_gets_the_fixed_explanation(
    client: TestClient, graduate: User, admin: dict[str, str]
) -> None:
    _issue_and_revoke(client, graduate, admin, message=None)
    detail = client.post("/api/v1/certificate", headers=login(client, graduate.email)).json()
    assert "Bare en administrator kan utstede et nytt kursbevis" in detail["detail"]
    assert "Melding fra administratoren" not in detail["detail"]


def test_an_admin_issues_a_new_certificate_and_the_old_one_stays_revoked(
    client: TestClient, engine: Engine, graduate: User, admin: dict[str, str]
) -> None:
    old = _issue_and_revoke(client, graduate, admin)
    # The name was the reason: correct it first, then reissue.
    fixed = client.patch(
        f"/api/v1/users/{graduate.id}", json={"full_name": "Kari Nordmann"}, headers=admin
    )
    assert fixed.status_code == 200, fixed.text

    reissued = client.post(f"/api/v1/certificates/{old}/reissue", headers=admin)
    assert reissued.status_code == 201, reissued.text
    new = reissued.json()["code"]
    assert new != old
    assert reissued.json()["replaces"] == old
    assert reissued.json()["holder_name"] == "Kari Nordmann"
    assert reissued.json()["verify_url"] == f"https://kurs.example.no/verify/{new}"

    assert client.get(f"/api/v1/certificates/{old}").json()["revoked"] is True
    assert client.get(f"/api/v1/certificates/{new}").json()["valid"] is True
    headers = login(client, graduate.email)
    mine = client.post("/api/v1/certificate", headers=headers)
    assert (mine.status_code, mine.json()["code"]) == (200, new)
    pdf = client.get("/api/v1/certificate.pdf", headers=headers)
    assert pdf.status_code == 200
    assert new in pdf.headers["content-disposition"]
    text = page_text(pdf.content)
    assert new in text and "Kari Nordmann" in text and old not in text

    # Asking again returns the new one; the new one is valid, so it cannot be "reissued".
    twice = client.post(f"/api/v1/certificates/{old}/reissue", headers=admin)
    assert (twice.status_code, twice.json()["code"]) == (200, new)
    valid = client.post(f"/api/v1/certificates/{new}/reissue", headers=admin)
    assert (valid.status_code, valid.json()["code"]) == (409, "certificate_not_revoked")

    with Session(engine) as session:
        rows = session.exec(
            select(Certificate.code, Certificate.revoked_at)
            .where(Certificate.user_id == graduate.id)
            .order_by(col(Certificate.id))
        ).all()
    assert [(code, revoked is not None) for code, revoked in rows] == [(old, True), (new, False)]


def test_issue_revoke_and_reissue_are_audited_by_the_service(
    client: TestClient, engine: Engine, graduate: User, admin: dict[str, str]
) -> None:
    old = _issue_and_revoke(client, graduate, admin)
    new = client.post(f"/api/v1/certificates/{old}/reissue", headers=admin).json()["code"]
    client.post(f"/api/v1/certificates/{new}/reissue", headers=admin)  # refused: still valid
    with Session(engine) as session:
        events = session.exec(
            select(AuditEvent).where(col(AuditEvent.action).startswith("certificate."))
        ).all()
    rows = [(e.action, e.target, e.outcome, e.actor_id == graduate.id) for e in events]
    assert rows == [
        ("certificate.issue", f"certificate:{old}", "ok", True),
        ("certificate.revoke", f"certificate:{old}", "ok", False),
        ("certificate.reissue", f"certificate:{new}", "ok", False),
        ("certificate.reissue", f"certificate:{new}", "denied", False),
    ]
    assert audit.details_of(events[2]) == {"replaces": old, "holder": graduate.id}
    assert REASON not in str([e.details for e in events])


def test_a_new_certificate_is_refused_for_an_erased_holder(
    client: TestClient, graduate: User, admin: dict[str, str]
) -> None:
    old = _issue_and_revoke(client, graduate, admin)
    assert client.post(f"/api/v1/users/{graduate.id}/erase", headers=admin).status_code == 200
    refused = client.post(f"/api/v1/certificates/{old}/reissue", headers=admin)
    assert (refused.status_code, refused.json()["code"]) == (409, "user_erased")


def test_the_database_holds_one_unrevoked_certificate_per_learner_and_version(
    engine: Engine, graduate: User
) -> None:
    def certificate(code: str, *, revoked: bool, version: str = "1") -> Certificate:
        now = utcnow()
        assert graduate.id is not None
        return Certificate(
            code=code, user_id=graduate.id, course_slug="kurs", course_version=version,
            course_title="Kurs", holder_name="Kari", municipality="Asker",
            completed_at=now, issued_at=now, revoked_at=now if revoked else None,
        )  # fmt: skip

    with transaction(engine, write=True) as session:
        session.add(certificate("AAAA-AAAA-AA1", revoked=True))
        session.add(certificate("AAAA-AAAA-AA2", revoked=True))
        session.add(certificate("AAAA-AAAA-AA3", revoked=False))
    with pytest.raises(IntegrityError), transaction(engine, write=True) as session:
        session.add(certificate("AAAA-AAAA-AA4", revoked=False))
    with transaction(engine, write=True) as session:  # another version: another certificate
        session.add(certificate("AAAA-AAAA-AA5", revoked=False, version="2"))


def test_simultaneous_reissues_on_two_servers_produce_one_new_certificate(
    app: FastAPI, engine: Engine, graduate: User, settings: Settings
) -> None:
    admin_user = make_user(engine, role=Role.ADMIN)
    # A second app with its own engine and pool stands for a second server process.
    other_engine = make_engine(engine.url.render_as_string(hide_password=False))
    other = create_app(settings, engine=other_engine)
    with LiveServer(app) as one, LiveServer(other) as two, httpx.Client(timeout=60) as http:

        def bearer(email: str) -> dict[str, str]:
            form = {"username": email, "password": PASSWORD}
            token = http.post(f"{one.url}/api/v1/auth/token", data=form).json()["access_token"]
            return {"Authorization": f"Bearer {token}"}

        admin, learner = bearer(admin_user.email), bearer(graduate.email)
        old = http.post(f"{one.url}/api/v1/certificate", headers=learner).json()["code"]
        revoked = http.post(
            f"{two.url}/api/v1/certificates/{old}/revoke", json={"reason": REASON}, headers=admin
        )
        assert revoked.status_code == 200
        urls = [f"{(one, two)[i % 2].url}/api/v1/certificates/{old}/reissue" for i in range(24)]
        with ThreadPoolExecutor(max_workers=12) as pool:
            responses = list(pool.map(lambda url: http.post(url, headers=admin), urls))
    other_engine.dispose()
    assert sorted(r.status_code for r in responses) == [200] * 23 + [201]
    assert len({r.json()["code"] for r in responses}) == 1
    with Session(engine) as session:
        valid = session.exec(
            select(Certificate.code).where(
                Certificate.user_id == graduate.id, col(Certificate.revoked_at).is_(None)
            )
        ).all()
    assert valid == [responses[0].json()["code"]]


def test_the_roster_shows_a_reissued_learner_once_with_the_new_certificate(
    client: TestClient, graduate: User, admin: dict[str, str]
) -> None:
    old = _issue_and_revoke(client, graduate, admin)
    rows = client.get("/api/v1/reports/roster", headers=admin, params={"format": "json"}).json()
    mine = [row for row in rows if row["email"] == graduate.email]
    assert [(r["certificate_code"], r["certificate_status"]) for r in mine] == [(old, "revoked")]

    new = client.post(f"/api/v1/certificates/{old}/reissue", headers=admin).json()["code"]
    rows = client.get("/api/v1/reports/roster", headers=admin, params={"format": "json"}).json()
    mine = [row for row in rows if row["email"] == graduate.email]
    assert [(r["certificate_code"], r["certificate_status"]) for r in mine] == [(new, "valid")]
