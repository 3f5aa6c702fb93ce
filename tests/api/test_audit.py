"""The audit log: every admin action with its outcome, queryable by admins, append-only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, update
from sqlmodel import Session, select

from api.data.models import AuditEvent, Role, User
from api.services import audit
from api.services.audit import AuditLogIsAppendOnly
from tests.factories import complete_course, login, make_user


@pytest.fixture
def admin_user(engine: Engine) -> User:
    return make_user(engine, role=Role.ADMIN, full_name="Ada Admin")


@pytest.fixture
def admin(client: TestClient, admin_user: User) -> dict[str, str]:
    return login(client, admin_user.email)


def test_admin_actions_are_logged_with_actor_target_and_outcome(
    client: TestClient, engine: Engine, admin_user: User, admin: dict[str, str]
) -> None:
    created = client.post(
        "/api/v1/users",
        headers=admin,
        json={"email": "ny@asker.kommune.no", "full_name": "Ny Person", "municipality": "Asker"},
    ).json()
    uid = created["id"]
    client.post(f"/api/v1/users/{uid}/deactivate", headers=admin)
    client.post(f"/api/v1/users/{uid}/reactivate", headers=admin)
    client.put(f"/api/v1/users/{uid}/role", headers=admin, json={"role": "instructor"})
    client.post(f"/api/v1/users/{uid}/password-reset", headers=admin)
    client.post(
        "/api/v1/users",
        headers=admin,
        json={"email": "ny@asker.kommune.no", "full_name": "Igjen", "municipality": "Asker"},
    )
    client.post(f"/api/v1/users/{uid}/erase", headers=admin)

    events = client.get("/api/v1/audit", headers=admin).json()
    assert [(e["action"], e["target"], e["outcome"]) for e in reversed(events)] == [
        ("user.create", f"user:{uid}", "ok"),
        ("user.deactivate", f"user:{uid}", "ok"),
        ("user.reactivate", f"user:{uid}", "ok"),
        ("user.role_change", f"user:{uid}", "ok"),
        ("user.password_reset", f"user:{uid}", "ok"),
        ("user.create", "users", "denied"),  # the address was taken: 409
        ("user.erase", f"user:{uid}", "ok"),
    ]
    assert {(e["actor_id"], e["actor_email"], e["actor_role"]) for e in events} == {
        (admin_user.id, admin_user.email, "admin")
    }
    assert events[-1]["at"] <= events[0]["at"]
    assert events[1]["details"] == {"code": "email_taken", "status": 409}
    # No personal data in the log, so erasing the person left it intact.
    text = client.get("/api/v1/audit", headers=admin).text
    assert "ny@asker.kommune.no" not in text and "Ny Person" not in text


def test_certificate_revocation_is_logged(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    graduate = make_user(engine)
    complete_course(engine, graduate)
    code = client.post("/api/v1/certificate", headers=login(client, graduate.email)).json()["code"]
    client.post(f"/api/v1/certificates/{code}/revoke", headers=admin, json={"reason": "Feil navn"})
    client.post("/api/v1/certificates/ABCD-EFGH-JKM/revoke", headers=admin, json={"reason": "Feil"})
    events = client.get("/api/v1/audit", headers=admin, params={"action": "certificate.revoke"})
    assert [(e["target"], e["outcome"]) for e in events.json()] == [
        ("certificate:ABCD-EFGH-JKM", "failed"),
        (f"certificate:{code}", "ok"),
    ]


@pytest.mark.parametrize("role", [Role.LEARNER, Role.INSTRUCTOR])
def test_refused_attempts_by_non_admins_are_logged_as_denied(
    client: TestClient, engine: Engine, admin: dict[str, str], role: Role
) -> None:
    intruder = make_user(engine, role=role)
    headers = login(client, intruder.email)
    target = make_user(engine)
    assert client.post(f"/api/v1/users/{target.id}/erase", headers=headers).status_code == 403
    assert client.get("/api/v1/reports/roster", headers=headers).status_code == 403
    assert client.get("/api/v1/audit", headers=headers).status_code == 403
    events = client.get("/api/v1/audit", headers=admin, params={"actor_id": intruder.id}).json()
    assert [(e["action"], e["target"], e["outcome"], e["actor_role"]) for e in events] == [
        ("report.roster_export", "roster", "denied", role.value),
        ("user.erase", f"user:{target.id}", "denied", role.value),
    ]
    with Session(engine) as session:
        erased = session.get(User, target.id)
        assert erased is not None and erased.erased_at is None


def test_audit_log_filters_and_pages_backwards(
    client: TestClient, engine: Engine, admin_user: User, admin: dict[str, str]
) -> None:
    users = [make_user(engine) for _ in range(3)]
    for user in users:
        client.post(f"/api/v1/users/{user.id}/deactivate", headers=admin)
    client.post("/api/v1/users/999999/deactivate", headers=admin)

    def query(**params: object) -> list[dict[str, object]]:
        response = client.get("/api/v1/audit", headers=admin, params=params)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    assert [e["target"] for e in query(target=f"user:{users[1].id}")] == [f"user:{users[1].id}"]
    assert [e["target"] for e in query(outcome="failed")] == ["user:999999"]
    assert len(query(action="user.deactivate", actor_id=admin_user.id)) == 4
    first = query(limit=2)
    second = query(limit=2, before_id=first[-1]["id"])
    assert [e["target"] for e in first + second] == [
        "user:999999",
        *(f"user:{u.id}" for u in reversed(users)),
    ]
    assert len(query(since="2000-01-01", until="2999-12-31")) == 4
    assert query(until="2000-01-01") == []
    assert client.get("/api/v1/audit", headers=admin, params={"outcome": "x"}).status_code == 422


def test_the_application_cannot_change_or_delete_audit_events(engine: Engine) -> None:
    with Session(engine) as session:
        audit.record(session=session, actor=None, action="user.update", target="user:1")
        session.commit()
        event = session.exec(select(AuditEvent)).one()
        event.outcome = "denied"
        with pytest.raises(AuditLogIsAppendOnly):
            session.flush()
        session.rollback()
        session.delete(session.exec(select(AuditEvent)).one())
        with pytest.raises(AuditLogIsAppendOnly):
            session.flush()
        session.rollback()
        with pytest.raises(AuditLogIsAppendOnly):
            session.exec(update(AuditEvent).values(outcome="denied"))  # type: ignore[call-overload]
        with pytest.raises(AuditLogIsAppendOnly):
            session.exec(delete(AuditEvent))
        session.rollback()
        assert session.exec(select(AuditEvent.outcome)).all() == ["ok"]


def test_routes_offer_no_way_to_change_the_log(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/api/v1/audit"]) == {"get"}
