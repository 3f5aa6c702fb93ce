"""Administration through the pages and the API: the same services, the same audit rows.

Defect 12: administrators could not correct a user's details on the pages.
Defect 9: refused or failed actions on the pages were missing from the audit log.
"""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.data.models import AuditEvent, Role, User
from tests.factories import login, make_user
from tests.web.test_web_security import csrf_from, log_in

Row = tuple[str, str, str, dict[str, object], int | None, str | None]


def _rows(engine: Engine, after: int = 0, until: int = 2**31) -> list[Row]:
    with Session(engine) as session:
        events = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.id) > after, col(AuditEvent.id) <= until)
            .order_by(col(AuditEvent.id))
        ).all()
        return [
            (e.action, e.target, e.outcome, json.loads(e.details), e.actor_id, e.actor_role)
            for e in events
        ]


def _last_id(engine: Engine) -> int:
    with Session(engine) as session:
        ids = session.exec(select(AuditEvent.id).order_by(col(AuditEvent.id).desc())).first()
        return ids or 0


def _user(engine: Engine, user_id: int | None) -> User:
    with Session(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def _admin(client: TestClient, engine: Engine) -> tuple[User, str]:
    admin = make_user(engine, role=Role.ADMIN, full_name="Ada Admin")
    log_in(client, admin.email)
    return admin, csrf_from(client, "/admin")


FORM = {
    "epost": "kari.retta@asker.kommune.no",
    "navn": "Kari Retta",
    "kommune": "Bærum",
    "enhet": "",
}


def test_an_administrator_corrects_a_users_details_on_the_page(
    client: TestClient, engine: Engine
) -> None:
    admin, token = _admin(client, engine)
    learner = make_user(engine, full_name="Kari Feilstavet")
    page = client.get(f"/admin/brukere/{learner.id}").text
    assert f'action="/admin/brukere/{learner.id}/endre"' in page
    assert 'value="Kari Feilstavet"' in page
    before = _last_id(engine)
    response = client.post(
        f"/admin/brukere/{learner.id}/endre",
        data={"csrf_token": token, **FORM},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "melding=endret" in response.headers["location"]
    changed = _user(engine, learner.id)
    assert (changed.email, changed.full_name) == ("kari.retta@asker.kommune.no", "Kari Retta")
    assert (changed.municipality_number, changed.unit_id) == ("3201", None)
    fields = ["email", "full_name", "municipality_number"]
    assert _rows(engine, before) == [
        ("user.update", f"user:{learner.id}", "ok", {"fields": fields}, admin.id, "admin")
    ]
    assert "Opplysningene er lagret." in client.get(response.headers["location"]).text


def _error_at(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-feil">(?:<span[^>]*>Feil: </span>)?([^<]*)<', html)
    assert match is not None, html
    return match.group(1)


def test_the_edit_form_shows_norwegian_errors_at_its_fields_and_audits_the_failure(
    client: TestClient, engine: Engine
) -> None:
    admin, token = _admin(client, engine)
    learner = make_user(engine, full_name="Ola Uendret")
    taken = make_user(engine, email="opptatt@asker.kommune.no")
    assert taken.id is not None
    before = _last_id(engine)
    bad = {**FORM, "navn": "", "kommune": ""}
    response = client.post(f"/admin/brukere/{learner.id}/endre", data={"csrf_token": token, **bad})
    assert response.status_code == 422
    assert _error_at(response.text, "navn") == "Skriv fullt navn (høyst 200 tegn)."
    assert _error_at(response.text, "kommune").startswith("Skriv kommunenavnet eller")
    assert 'value="kari.retta@asker.kommune.no"' in response.text  # what was typed stays
    response = client.post(
        f"/admin/brukere/{learner.id}/endre",
        data={"csrf_token": token, **FORM, "epost": "opptatt@asker.kommune.no"},
    )
    assert response.status_code == 409
    assert "e-postadresse" in _error_at(response.text, "epost").lower()
    assert _user(engine, learner.id).full_name == "Ola Uendret"
    target = f"user:{learner.id}"
    assert _rows(engine, before) == [
        (
            "user.update",
            target,
            "failed",
            {"code": "validation_error", "status": 422},
            admin.id,
            "admin",
        ),
        (
            "user.update",
            target,
            "denied",
            {"code": "email_taken", "status": 409},
            admin.id,
            "admin",
        ),
    ]


def test_the_edit_form_needs_the_csrf_token_and_an_administrator(
    client: TestClient, engine: Engine
) -> None:
    learner = make_user(engine, full_name="Per Uendret")
    log_in(client, make_user(engine, role=Role.INSTRUCTOR).email)
    token = csrf_from(client, "/")
    path = f"/admin/brukere/{learner.id}/endre"
    assert client.post(path, data={"csrf_token": token, **FORM}).status_code == 403
    _admin(client, engine)
    assert client.post(path, data=FORM).status_code == 403  # no CSRF token
    assert _user(engine, learner.id).full_name == "Per Uendret"


def test_the_same_actions_through_the_api_and_the_pages_write_the_same_audit_rows(
    client: TestClient, engine: Engine
) -> None:
    admin, token = _admin(client, engine)
    headers = login(client, admin.email)
    learner = make_user(engine, full_name="Lise Lik")
    uid = learner.id

    def api_then_page(api: object, page: object) -> tuple[list[Row], list[Row]]:
        start = _last_id(engine)
        api()  # type: ignore[operator]
        middle = _last_id(engine)
        page()  # type: ignore[operator]
        return _rows(engine, start, middle), _rows(engine, middle)

    cases = [
        # a change that succeeds
        (
            lambda: client.patch(
                f"/api/v1/users/{uid}", json={"full_name": "Lise Ny"}, headers=headers
            ),
            lambda: client.post(
                f"/admin/brukere/{uid}/endre",
                data={
                    "csrf_token": token,
                    **FORM,
                    "navn": "Lise Nyest",
                    "epost": learner.email,
                    "kommune": "Asker",
                    "avdeling": "Helse og omsorg",
                },
            ),
        ),
        # a refusal that the service raises: your own role
        (
            lambda: client.put(
                f"/api/v1/users/{admin.id}/role", json={"role": "learner"}, headers=headers
            ),
            lambda: client.post(
                f"/admin/brukere/{admin.id}/rolle", data={"csrf_token": token, "rolle": "learner"}
            ),
        ),
        # input that does not validate
        (
            lambda: client.patch(
                f"/api/v1/users/{uid}", json={"municipality_number": "12"}, headers=headers
            ),
            lambda: client.post(
                f"/admin/brukere/{uid}/endre",
                data={"csrf_token": token, **FORM, "kommune": ""},
            ),
        ),
        # a new account
        (
            lambda: client.post(
                "/api/v1/users",
                json={
                    "email": "ny1@asker.kommune.no",
                    "full_name": "Ny En",
                    "municipality": "Asker",
                },
                headers=headers,
            ),
            lambda: client.post(
                "/admin/brukere/ny",
                data={
                    "csrf_token": token,
                    "epost": "ny2@asker.kommune.no",
                    "navn": "Ny To",
                    "kommune": "Asker",
                    "rolle": "learner",
                },
            ),
        ),
        # an address already taken
        (
            lambda: client.post(
                "/api/v1/users",
                json={"email": learner.email, "full_name": "Ny En", "municipality": "Asker"},
                headers=headers,
            ),
            lambda: client.post(
                "/admin/brukere/ny",
                data={
                    "csrf_token": token,
                    "epost": learner.email,
                    "navn": "Ny To",
                    "kommune": "Asker",
                    "rolle": "learner",
                },
            ),
        ),
    ]
    for api, page in cases:
        through_api, through_page = api_then_page(api, page)
        assert len(through_api) == 1, through_api
        if through_api[0][0] == "user.create" and through_api[0][2] == "ok":
            # different new accounts: the same row but for the new account's id
            (a,), (p,) = through_api, through_page
            assert (a[0], a[2], a[3], a[4], a[5]) == (p[0], p[2], p[3], p[4], p[5])
            assert a[1].startswith("user:") and p[1].startswith("user:")
        else:
            assert through_api == through_page


def test_the_audit_log_page_shows_norwegian_words_not_keys(
    client: TestClient, engine: Engine
) -> None:
    _, token = _admin(client, engine)
    learner = make_user(engine, full_name="Tore Tekst")
    client.post(f"/admin/brukere/{learner.id}/deaktiver", data={"csrf_token": token})
    client.post(
        "/admin/brukere/import",
        data={"csrf_token": token, "handling": "sjekk"},
        files={"fil": ("a.csv", b"e-post,navn,kommune\nx@y.no,X Y,Asker\n", "text/csv")},
    )
    client.get("/admin/kursliste.csv?kommune=Asker")
    html = client.get("/admin/logg").text
    table = html[html.index("<table") : html.index("</table>")]
    for key in (
        "was_active",
        "dry_run",
        "created",
        "user.import",
        "user.deactivate",
        ">roster<",
        "filters",
        "municipality",
    ):
        assert key not in table, key
    for words in (
        "Bruker deaktivert",
        "var aktiv: ja",
        "Brukerimport",
        "bare kontroll: ja",
        "Kursliste lastet ned",
        "filtre: kommune = Asker",
        "Kursliste",
    ):
        assert words in table, words


# (API path, page path, roles allowed): one guard family serves both doors.
GUARDED = [
    ("/api/v1/me", "/profil", {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    ("/api/v1/modules", "/instruktor", {Role.INSTRUCTOR, Role.ADMIN}),
    ("/api/v1/users", "/admin/brukere", {Role.ADMIN}),
    ("/api/v1/audit", "/admin/logg", {Role.ADMIN}),
    ("/api/v1/jobs", "/admin/jobber", {Role.ADMIN}),
]


@pytest.mark.parametrize("role", [None, Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN])
def test_each_role_gets_the_same_answer_through_the_api_and_the_pages(
    client: TestClient, engine: Engine, role: Role | None
) -> None:
    headers: dict[str, str] = {}
    if role is not None:
        user = make_user(engine, role=role)
        headers = login(client, user.email)
        client.cookies.clear()
        log_in(client, user.email)
    for api_path, page_path, allowed in GUARDED:
        api_status = client.get(api_path, headers=headers).status_code
        page = client.get(page_path, follow_redirects=False)
        if role is None:
            assert (api_status, page.status_code) == (401, 303), api_path
            assert page.headers["location"].startswith("/logg-inn")
        elif role in allowed:
            assert (api_status, page.status_code) == (200, 200), api_path
        else:
            assert (api_status, page.status_code) == (403, 403), api_path


def test_the_api_takes_no_session_cookie_and_the_pages_no_bearer_token(
    client: TestClient, engine: Engine
) -> None:
    admin = make_user(engine, role=Role.ADMIN)
    headers = login(client, admin.email)
    # a bearer token does not log a page in
    response = client.get("/admin/brukere", headers=headers, follow_redirects=False)
    assert response.status_code == 303
    # a logged-in browser's cookie does not authenticate the JSON API (no CSRF there)
    log_in(client, admin.email)
    assert client.get("/admin/brukere").status_code == 200
    assert client.get("/api/v1/users").status_code == 401
