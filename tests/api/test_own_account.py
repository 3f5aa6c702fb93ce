"""The learner's own account over the API: password change, sessions, logging out the others.

Also: a password-setup code handed out before a deactivation is dead after reactivation.
"""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.data.models import AuditEvent, Role
from tests.factories import PASSWORD, login, make_user

NEW = "et-helt-nytt-passord"


def _events(engine: Engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
        return list(session.exec(query).all())


def test_a_setup_code_from_before_a_deactivation_fails_after_reactivation(
    client: TestClient, engine: Engine
) -> None:
    admin = login(client, make_user(engine, role=Role.ADMIN).email)
    user = make_user(engine)
    code = client.post(f"/api/v1/users/{user.id}/password-reset", headers=admin).json()["code"]
    assert client.post(f"/api/v1/users/{user.id}/deactivate", headers=admin).status_code == 200
    assert client.post(f"/api/v1/users/{user.id}/reactivate", headers=admin).status_code == 200
    refused = client.post("/api/v1/auth/password-setup", json={"token": code, "password": NEW})
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_setup_code"
    assert login(client, user.email)  # the old password still works, the code does not
    # A code issued after the reactivation works.
    fresh = client.post(f"/api/v1/users/{user.id}/password-reset", headers=admin).json()["code"]
    body = {"token": fresh, "password": NEW}
    assert client.post("/api/v1/auth/password-setup", json=body).status_code == 204


def test_the_sessions_list_marks_the_current_one_and_shows_no_secrets(
    client: TestClient, engine: Engine
) -> None:
    user = make_user(engine)
    first = login(client, user.email)
    current = login(client, user.email)
    response = client.get("/api/v1/me/sessions", headers=current)
    assert response.status_code == 200
    sessions = response.json()
    assert len(sessions) == 2
    assert [s["current"] for s in sessions] == [True, False]  # newest first
    assert set(sessions[0]) == {"id", "created_at", "expires_at", "current"}
    assert first["Authorization"].split()[1] not in response.text
    other = make_user(engine)
    assert len(client.get("/api/v1/me/sessions", headers=login(client, other.email)).json()) == 1


def test_wrong_current_password_is_a_norwegian_422_and_changes_nothing(
    client: TestClient, engine: Engine
) -> None:
    user = make_user(engine)
    headers = login(client, user.email)
    body = {"current_password": "feil-passord", "new_password": NEW}
    response = client.post("/api/v1/me/password", json=body, headers=headers)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", "current_password"]
    assert detail[0]["msg"] == "Det nåværende passordet er feil."
    short = {"current_password": PASSWORD, "new_password": "kort"}
    assert client.post("/api/v1/me/password", json=short, headers=headers).status_code == 422
    same = {"current_password": PASSWORD, "new_password": PASSWORD}
    reused = client.post("/api/v1/me/password", json=same, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["detail"][0]["loc"] == ["body", "new_password"]
    assert login(client, user.email)
    assert _events(engine, "user.password_change") == []


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(
    client: TestClient, engine: Engine
) -> None:
    user = make_user(engine)
    other_device = login(client, user.email)
    headers = login(client, user.email)
    body = {"current_password": PASSWORD, "new_password": NEW}
    response = client.post("/api/v1/me/password", json=body, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"ended_sessions": 1}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=other_device).status_code == 401
    old = client.post("/api/v1/auth/token", data={"username": user.email, "password": PASSWORD})
    assert old.status_code == 401
    assert login(client, user.email, NEW)
    (event,) = _events(engine, "user.password_change")
    assert event.actor_id == user.id
    assert NEW not in str(event.details) and PASSWORD not in str(event.details)


def test_logging_out_the_others_and_one_session_by_id(client: TestClient, engine: Engine) -> None:
    user = make_user(engine)
    phone = login(client, user.email)
    laptop = login(client, user.email)
    headers = login(client, user.email)
    sessions = client.get("/api/v1/me/sessions", headers=headers).json()
    laptop_id = sessions[1]["id"]
    assert client.delete(f"/api/v1/me/sessions/{laptop_id}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=laptop).status_code == 401
    assert client.get("/api/v1/me", headers=phone).status_code == 200
    again = client.delete(f"/api/v1/me/sessions/{laptop_id}", headers=headers)
    assert again.status_code == 404
    assert "innlogging" in again.json()["detail"]

    ended = client.post("/api/v1/me/sessions/logout-others", headers=headers)
    assert ended.json() == {"ended_sessions": 1}
    assert client.get("/api/v1/me", headers=phone).status_code == 401
    assert [s["current"] for s in client.get("/api/v1/me/sessions", headers=headers).json()] == [
        True
    ]
    # Someone else's session is not found, not ended.
    stranger = login(client, make_user(engine).email)
    mine = client.get("/api/v1/me/sessions", headers=headers).json()[0]["id"]
    assert client.delete(f"/api/v1/me/sessions/{mine}", headers=stranger).status_code == 404
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    ends = _events(engine, "user.sessions_end")
    assert [json.loads(e.details or "{}") for e in ends] == [
        {"session_ids": [laptop_id]},
        {"session_ids": [sessions[2]["id"]]},
    ]


def test_guessing_the_current_password_is_throttled_like_a_login(
    client: TestClient, engine: Engine
) -> None:
    user = make_user(engine)
    headers = login(client, user.email)
    body = {"current_password": "feil-passord", "new_password": NEW}
    statuses = [
        client.post("/api/v1/me/password", json=body, headers=headers).status_code for _ in range(5)
    ]
    assert statuses[:3] == [422, 422, 422]
    assert statuses[3] == 429
    blocked = client.post("/api/v1/me/password", json=body, headers=headers)
    assert "Retry-After" in blocked.headers
    assert "For mange" in blocked.json()["detail"]
