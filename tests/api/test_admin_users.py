"""Administrators change, deactivate, reactivate and re-role accounts, and reset passwords."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.data.models import AuditEvent, AuthToken, Role, User
from tests.factories import PASSWORD, login, make_unit, make_user


@pytest.fixture
def admin_user(engine: Engine) -> User:
    return make_user(engine, role=Role.ADMIN, full_name="Ada Administrator")


@pytest.fixture
def admin(client: TestClient, admin_user: User) -> dict[str, str]:
    return login(client, admin_user.email)


def _events(engine: Engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_admin_updates_name_unit_and_email(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    unit = make_unit(engine, "Helse og omsorg")
    user = make_user(engine, full_name="Kari Nordmann", unit_id=unit.id)
    response = client.patch(
        f"/api/v1/users/{user.id}",
        headers=admin,
        json={
            "full_name": "Kari Ødegård",
            "email": "Kari.Odegard@Asker.kommune.no",
            "unit_id": None,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["full_name"] == "Kari Ødegård"
    assert body["email"] == "kari.odegard@asker.kommune.no"
    assert body["unit_id"] is None
    assert body["municipality"] == "Asker"  # not sent, so unchanged
    [event] = _events(engine, "user.update")
    assert event.target == f"user:{user.id}"
    assert "Ødegård" not in event.details  # field names only, no personal data
    assert '"unit_id"' in event.details and '"email"' in event.details


def test_update_to_an_address_in_use_is_409_and_audited_as_denied(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    taken = make_user(engine, email="opptatt@asker.kommune.no")
    user = make_user(engine)
    response = client.patch(
        f"/api/v1/users/{user.id}", headers=admin, json={"email": "OPPTATT@asker.kommune.no"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    [event] = _events(engine, "user.update")
    assert (event.outcome, event.target) == ("denied", f"user:{user.id}")
    with Session(engine) as session:
        assert session.get(User, user.id).email == user.email  # type: ignore[union-attr]
        assert session.get(User, taken.id) is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"full_name": None}, "full_name"),
        ({"email": None}, "email"),
        ({"municipality_number": "12"}, "municipality_number"),
        ({"full_name": "Ola\x00"}, "full_name"),
        ({"role": "admin"}, "role"),
        ({"is_active": False}, "is_active"),
    ],
)
def test_invalid_updates_get_field_level_422(
    client: TestClient, engine: Engine, admin: dict[str, str], body: object, field: str
) -> None:
    user = make_user(engine)
    response = client.patch(f"/api/v1/users/{user.id}", headers=admin, json=body)
    assert response.status_code == 422
    assert ["body", field] in [e["loc"] for e in response.json()["detail"]]


def test_deactivation_ends_sessions_and_login_but_keeps_history(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    user = make_user(engine)
    learner = login(client, user.email)
    assert (
        client.post("/api/v1/modules/hvorfor-innovasjon/read", headers=learner).status_code == 200
    )

    response = client.post(f"/api/v1/users/{user.id}/deactivate", headers=admin)
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    # Both authentication paths refuse the old token: the ORM one and the hot path.
    assert client.get("/api/v1/me", headers=learner).status_code == 401
    assert client.get("/api/v1/modules/hvorfor-innovasjon", headers=learner).status_code == 401
    refused = client.post("/api/v1/auth/token", data={"username": user.email, "password": PASSWORD})
    assert refused.status_code == 401
    with Session(engine) as session:
        tokens = session.exec(select(AuthToken).where(AuthToken.user_id == user.id)).all()
        assert tokens and all(t.revoked_at is not None for t in tokens)

    assert client.post(f"/api/v1/users/{user.id}/reactivate", headers=admin).status_code == 200
    again = login(client, user.email)
    progress = client.get("/api/v1/progress", headers=again).json()
    assert progress["modules"][0]["read_at"] is not None  # history kept
    assert client.get("/api/v1/me", headers=learner).status_code == 401  # old token stays dead
    assert [e.outcome for e in _events(engine, "user.deactivate")] == ["ok"]
    assert [e.outcome for e in _events(engine, "user.reactivate")] == ["ok"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "deactivate", None),
        ("POST", "erase", None),
        ("PUT", "role", {"role": "learner"}),
    ],
)
def test_admin_cannot_deactivate_erase_or_demote_themselves(
    client: TestClient,
    engine: Engine,
    admin_user: User,
    admin: dict[str, str],
    method: str,
    path: str,
    body: object,
) -> None:
    response = client.request(
        method, f"/api/v1/users/{admin_user.id}/{path}", headers=admin, json=body
    )
    assert response.status_code == 409
    assert response.json()["code"] == "own_account"
    assert client.get("/api/v1/me", headers=admin).json()["role"] == "admin"
    with Session(engine) as session:
        events = session.exec(select(AuditEvent)).all()
    assert [(e.outcome, e.actor_id, e.target) for e in events] == [
        ("denied", admin_user.id, f"user:{admin_user.id}")
    ]


def test_role_change_takes_effect_on_the_next_request(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    user = make_user(engine)
    headers = login(client, user.email)
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    response = client.put(f"/api/v1/users/{user.id}/role", headers=admin, json={"role": "admin"})
    assert response.status_code == 200
    assert client.get("/api/v1/users", headers=headers).status_code == 200
    [event] = _events(engine, "user.role_change")
    assert event.details == '{"from": "learner", "to": "admin"}'


def test_unknown_user_is_404_and_audited_as_failed(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    response = client.post("/api/v1/users/424242/deactivate", headers=admin)
    assert response.status_code == 404
    assert response.json()["code"] == "user_not_found"
    [event] = _events(engine, "user.deactivate")
    assert (event.outcome, event.target) == ("failed", "user:424242")


def test_password_reset_gives_a_single_use_code_that_sets_the_password(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    user = make_user(engine)
    old_session = login(client, user.email)
    first = client.post(f"/api/v1/users/{user.id}/password-reset", headers=admin).json()
    reset = client.post(f"/api/v1/users/{user.id}/password-reset", headers=admin)
    assert reset.status_code == 200
    code = reset.json()["code"]
    assert reset.json()["url"] == f"https://kurs.example.no/passord?kode={code}"
    assert login(client, user.email)  # the old password works until the code is used

    stale = {"token": first["code"], "password": "et-helt-nytt-passord"}
    assert client.post("/api/v1/auth/password-setup", json=stale).status_code == 400
    typed = code.lower().replace("-", " ")  # typed by hand: case and separators forgiven
    body = {"token": typed, "password": "et-helt-nytt-passord"}
    assert client.post("/api/v1/auth/password-setup", json=body).status_code == 204
    again = client.post("/api/v1/auth/password-setup", json=body)
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_setup_code"

    assert client.get("/api/v1/me", headers=old_session).status_code == 401
    assert login(client, user.email, "et-helt-nytt-passord")
    old = client.post("/api/v1/auth/token", data={"username": user.email, "password": PASSWORD})
    assert old.status_code == 401
    with Session(engine) as session:
        stored = session.exec(select(AuditEvent.action, AuditEvent.actor_id)).all()
    assert ("user.password_setup", user.id) in stored


def test_password_reset_for_a_deactivated_account_is_409(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    user = make_user(engine)
    code = client.post(f"/api/v1/users/{user.id}/password-reset", headers=admin).json()["code"]
    client.post(f"/api/v1/users/{user.id}/deactivate", headers=admin)
    response = client.post(f"/api/v1/users/{user.id}/password-reset", headers=admin)
    assert response.status_code == 409
    assert response.json()["code"] == "user_inactive"
    body = {"token": code, "password": "et-helt-nytt-passord"}
    assert client.post("/api/v1/auth/password-setup", json=body).status_code == 400


def test_password_setup_page_sets_the_password_from_the_link(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    user = make_user(engine)
    reset = client.post(f"/api/v1/users/{user.id}/password-reset", headers=admin).json()
    page = client.get(reset["url"].removeprefix("https://kurs.example.no"))
    assert page.status_code == 200
    assert f'value="{reset["code"]}"' in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    form = {
        "csrf_token": csrf.group(1),
        "kode": reset["code"],
        "passord": "et-nytt-passord",
        "passord_igjen": "et-annet-et",
    }
    # The site's address is https, so the CSRF cookie is Secure: post over https.
    url = "https://testserver/passord"
    assert client.post(url, data={**form, "csrf_token": ""}).status_code == 403
    mismatch = client.post(url, data=form)
    assert mismatch.status_code == 422
    assert "ikke like" in mismatch.text
    done = client.post(url, data={**form, "passord_igjen": "et-nytt-passord"})
    assert done.status_code == 200
    assert "Passordet er lagret" in done.text
    assert login(client, user.email, "et-nytt-passord")
    used = client.post(url, data={**form, "passord_igjen": "et-nytt-passord"})
    assert used.status_code == 400
    assert "allerede brukt" in used.text


def test_user_list_searches_filters_and_pages(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    make_user(engine, full_name="Áigin Čuđe", municipality="Karasjok")
    make_user(engine, full_name="Kari Nordmann", email="kari_n@asker.kommune.no")
    make_user(engine, full_name="Karl 100% Berg", email="karl@asker.kommune.no")

    def names(**params: object) -> list[str]:
        response = client.get("/api/v1/users", headers=admin, params=params)
        assert response.status_code == 200, response.text
        return [u["full_name"] for u in response.json()]

    assert names(q="kar") == ["Kari Nordmann", "Karl 100% Berg"]
    assert names(q="100%") == ["Karl 100% Berg"]  # % is literal, not a wildcard
    assert names(q="i_n") == ["Kari Nordmann"]  # so is _
    assert names(municipality="Karasjok") == ["Áigin Čuđe"]
    assert names(q="kar", role="learner", limit=1, offset=1) == ["Karl 100% Berg"]
    assert len(names()) == 4  # the administrator too
