from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from api.data.models import AuthToken, User
from tests.factories import PASSWORD, login, make_user


def _token(client: TestClient, email: str, password: str = PASSWORD) -> object:
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def test_login_returns_a_bearer_token_and_email_is_case_insensitive(
    client: TestClient, engine: Engine
) -> None:
    user = make_user(engine, email="Kari.Nordmann@Asker.Kommune.no")
    assert user.email == "kari.nordmann@asker.kommune.no"
    response = client.post(
        "/api/v1/auth/token",
        data={"username": "KARI.NORDMANN@asker.kommune.no", "password": PASSWORD},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 8 * 3600
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["email"] == "kari.nordmann@asker.kommune.no"


def test_password_is_stored_as_an_argon2_hash(engine: Engine) -> None:
    user = make_user(engine)
    with Session(engine) as session:
        stored = session.exec(select(User.password_hash).where(User.id == user.id)).one()
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_wrong_password_and_unknown_user_get_the_same_401(
    client: TestClient, engine: Engine
) -> None:
    user = make_user(engine)
    wrong = client.post(
        "/api/v1/auth/token", data={"username": user.email, "password": "feil-passord"}
    )
    unknown = client.post(
        "/api/v1/auth/token",
        data={"username": "ingen@asker.kommune.no", "password": "feil-passord"},
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials"


def test_login_is_throttled_per_account_with_retry_after(
    app: FastAPI, client: TestClient, engine: Engine
) -> None:
    # The account's limit alone (growing delays per client: tests/api/test_login_throttle.py).
    app.state.settings.login_free_failures_per_pair = 100
    user = make_user(engine)
    for _ in range(5):
        assert _token(client, user.email, "feil-passord").status_code == 401  # type: ignore[attr-defined]
    blocked = _token(client, user.email, PASSWORD)
    assert blocked.status_code == 429  # type: ignore[attr-defined]
    retry_after = int(blocked.headers["Retry-After"])  # type: ignore[attr-defined]
    assert 0 < retry_after <= 15 * 60
    assert "For mange" in blocked.json()["detail"]  # type: ignore[attr-defined]
    # Another account from the same address is not locked out by this one.
    other = make_user(engine)
    assert _token(client, other.email).status_code == 200  # type: ignore[attr-defined]


def test_login_is_throttled_per_client_address(
    app: FastAPI, client: TestClient, engine: Engine
) -> None:
    app.state.settings.login_max_failures_per_client = 3
    for index in range(3):
        response = _token(client, f"ukjent{index}@asker.kommune.no", "feil-passord")
        assert response.status_code == 401  # type: ignore[attr-defined]
    user = make_user(engine)
    assert _token(client, user.email).status_code == 429  # type: ignore[attr-defined]


def test_successful_login_clears_the_failures_of_its_client(
    client: TestClient, engine: Engine
) -> None:
    user = make_user(engine)
    for _ in range(2):
        _token(client, user.email, "feil-passord")
    assert _token(client, user.email).status_code == 200  # type: ignore[attr-defined]
    for _ in range(2):
        _token(client, user.email, "feil-passord")
    assert _token(client, user.email).status_code == 200  # type: ignore[attr-defined]


# The ORM dependency (/me) and the hot path (module reads) must agree on every token.
PROTECTED = ["/api/v1/me", "/api/v1/modules/hvorfor-innovasjon"]


@pytest.mark.parametrize("path", PROTECTED)
def test_logout_revokes_the_token(client: TestClient, engine: Engine, path: str) -> None:
    user = make_user(engine)
    headers = login(client, user.email)
    other_session = login(client, user.email)
    assert client.get(path, headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get(path, headers=headers).status_code == 401
    assert client.get(path, headers=other_session).status_code == 200


@pytest.mark.parametrize("path", PROTECTED)
def test_expired_token_is_rejected(client: TestClient, engine: Engine, path: str) -> None:
    user = make_user(engine)
    headers = login(client, user.email)
    assert client.get(path, headers=headers).status_code == 200
    with Session(engine) as session:
        past = datetime.now(UTC) - timedelta(seconds=1)
        session.exec(update(AuthToken).values(expires_at=past))  # type: ignore[call-overload]
        session.commit()
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("path", PROTECTED)
def test_deactivated_user_cannot_log_in_or_use_a_token(
    client: TestClient, engine: Engine, path: str
) -> None:
    user = make_user(engine)
    headers = login(client, user.email)
    with Session(engine) as session:
        session.exec(update(User).where(User.id == user.id).values(is_active=False))  # type: ignore[call-overload]
        session.commit()
    assert client.get(path, headers=headers).status_code == 401
    assert _token(client, user.email).status_code == 401  # type: ignore[attr-defined]


def test_missing_and_malformed_tokens_get_401(client: TestClient) -> None:
    assert client.get("/api/v1/course").status_code == 401
    assert client.get("/api/v1/course", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert (
        client.get("/api/v1/course", headers={"Authorization": "Basic eHg6eXk="}).status_code == 401
    )


def test_login_form_errors_are_422_not_500(client: TestClient) -> None:
    assert client.post("/api/v1/auth/token", data={"username": "x"}).status_code == 422
    assert (
        client.post("/api/v1/auth/token", json={"username": "x", "password": "y"}).status_code
        == 422
    )


@pytest.mark.parametrize("username", ["\x00", "kari\x00@asker.kommune.no", "a\x1fb", "x" * 5000])
def test_control_characters_and_huge_usernames_are_plain_401s(
    client: TestClient, engine: Engine, username: str
) -> None:
    # PostgreSQL refuses NUL in text; a login attempt must never reach it raw.
    make_user(engine, email="kari@asker.kommune.no")
    response = client.post("/api/v1/auth/token", data={"username": username, "password": "x"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    # The real account was not locked by the odd attempt and still logs in.
    ok = client.post(
        "/api/v1/auth/token", data={"username": "kari@asker.kommune.no", "password": PASSWORD}
    )
    assert ok.status_code == 200
