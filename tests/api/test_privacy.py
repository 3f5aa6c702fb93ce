"""Personal data: a person's own export, and erasure by an administrator."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from api.data.models import (
    AuthToken,
    Certificate,
    CourseModule,
    Enrollment,
    LoginFailure,
    ModuleProgress,
    ModuleRevision,
    QuizAttempt,
    Role,
    User,
    utcnow,
)
from api.services.login_throttle import LoginPolicy, client_hash
from course.models import Course
from tests.factories import PASSWORD, complete_course, login, make_user


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:
    return login(client, make_user(engine, role=Role.ADMIN, full_name="Ada Admin").email)


@pytest.fixture
def graduate(engine: Engine) -> User:
    user = make_user(engine, full_name="Áigin Ŋuolla Čuđe", municipality="Karasjok")
    complete_course(engine, user)
    return user


def test_learner_downloads_everything_held_about_them(
    client: TestClient,
    engine: Engine,
    admin: dict[str, str],
    graduate: User,
    shipped_course: Course,
) -> None:
    headers = login(client, graduate.email)  # a successful login clears earlier failures
    client.post("/api/v1/auth/token", data={"username": graduate.email, "password": "feil-feil"})
    code = client.post("/api/v1/certificate", headers=headers).json()["code"]
    client.post(f"/api/v1/users/{graduate.id}/password-reset", headers=admin)

    response = client.get("/api/v1/me/export", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    data = response.json()
    assert data["account"]["email"] == graduate.email
    assert data["account"]["full_name"] == "Áigin Ŋuolla Čuđe"
    assert data["account"]["has_password"] is True
    assert data["enrolled_at"] and data["course_completed_at"]
    assert len(data["modules"]) == len(shipped_course.modules)
    assert all(m["completed_at"] for m in data["modules"])
    assert data["attempts"] and all(a["answers"] for a in data["attempts"])
    assert [c["code"] for c in data["certificates"]] == [code]
    assert len(data["sessions"]) == 1
    assert len(data["password_setup_codes"]) == 1
    # The address is kept only as a keyed hash (api.services.login_throttle).
    policy = LoginPolicy.from_settings(client.app.state.settings)  # type: ignore[attr-defined]
    assert [f["client"] for f in data["failed_logins"]] == [
        client_hash(policy=policy, client="testclient")
    ]
    assert [(e["action"], e["role"]) for e in data["audit_events"]] == [
        ("certificate.issue", "actor"),
        ("user.password_reset", "target"),
    ]
    with Session(engine) as session:
        secrets = [graduate.password_hash, *session.exec(select(AuthToken.token_hash)).all()]
    assert not any(secret and secret in response.text for secret in secrets)
    assert "hash" not in response.text


def test_instructors_export_lists_the_revisions_they_wrote(
    client: TestClient, engine: Engine
) -> None:
    instructor = make_user(engine, role=Role.INSTRUCTOR)
    with Session(engine) as session:
        module = session.exec(select(CourseModule).where(CourseModule.slug == "samskaping")).one()
        session.add(
            ModuleRevision(
                module_id=module.id or 0,
                number=99,
                source="# x",
                source_sha256="0" * 64,
                title="x",
                author_id=instructor.id,
                created_at=utcnow(),
            )
        )
        session.commit()
    data = client.get("/api/v1/me/export", headers=login(client, instructor.email)).json()
    assert data["authored_revisions"] == ["samskaping@99"]


def test_erasure_removes_identity_and_keeps_what_aggregates_count(
    client: TestClient,
    engine: Engine,
    admin: dict[str, str],
    graduate: User,
    shipped_course: Course,
) -> None:
    headers = login(client, graduate.email)
    client.post("/api/v1/certificate", headers=headers)
    client.post("/api/v1/auth/token", data={"username": graduate.email, "password": "feil-feil"})
    with Session(engine) as session:
        attempts_before = session.exec(select(func.count()).select_from(QuizAttempt)).one()
        assert session.exec(select(func.count()).select_from(LoginFailure)).one() == 1

    response = client.post(f"/api/v1/users/{graduate.id}/erase", headers=admin)
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == f"erased-{graduate.id}@invalid"
    assert (body["full_name"], body["department_unmatched"]) == ("Slettet bruker", None)
    assert (body["is_active"], body["has_password"]) == (False, False)
    assert body["erased_at"] is not None
    assert body["municipality"] == "Karasjok"  # kept for the per-municipality counts

    with Session(engine) as session:
        uid = graduate.id
        attempts = session.exec(select(QuizAttempt).where(QuizAttempt.user_id == uid)).all()
        assert len(attempts) == attempts_before
        assert {a.answers for a in attempts} == {"{}"}
        assert all(a.score == 1.0 and a.passed for a in attempts)
        progress = session.exec(select(ModuleProgress).where(ModuleProgress.user_id == uid)).all()
        assert len(progress) == len(shipped_course.modules)
        enrollment = session.exec(select(Enrollment).where(Enrollment.user_id == uid)).one()
        assert enrollment.completed_at is not None
        assert session.exec(select(AuthToken).where(AuthToken.user_id == uid)).all() == []
        assert session.exec(select(LoginFailure)).all() == []
        certificate = session.exec(select(Certificate).where(Certificate.user_id == uid)).one()
        assert certificate.holder_name == "Slettet bruker"

    assert client.get("/api/v1/me", headers=headers).status_code == 401
    login_again = client.post(
        "/api/v1/auth/token", data={"username": graduate.email, "password": PASSWORD}
    )
    assert login_again.status_code == 401

    summary = client.get("/api/v1/reports/municipalities", headers=admin).json()
    karasjok = next(row for row in summary if row["municipality"] == "Karasjok")
    assert (karasjok["enrolled"], karasjok["completed"]) == (1, 1)
    roster = client.get("/api/v1/reports/roster", headers=admin, params={"format": "json"})
    assert [row["user_id"] for row in roster.json()] == []
    listed = client.get("/api/v1/users", headers=admin).json()
    assert graduate.id not in [u["id"] for u in listed]
    text = json.dumps(client.get(f"/api/v1/users/{graduate.id}", headers=admin).json())
    assert "Áigin" not in text and graduate.email not in text


def test_verification_of_an_erased_holders_certificate_says_so(
    client: TestClient, admin: dict[str, str], graduate: User
) -> None:
    code = client.post("/api/v1/certificate", headers=login(client, graduate.email)).json()["code"]
    client.post(f"/api/v1/users/{graduate.id}/erase", headers=admin)

    result = client.get(f"/api/v1/certificates/{code}").json()
    assert (result["valid"], result["erased"], result["revoked"]) == (False, True, False)
    assert result["holder_name"] == "Slettet bruker"
    page = client.get(f"/verify/{code}")
    assert page.status_code == 200
    assert "personopplysningene til" in page.text and "er slettet" in page.text
    assert "Gyldig kursbevis" not in page.text
    assert "Áigin" not in page.text


def test_a_valid_certificate_still_verifies_as_valid(client: TestClient, graduate: User) -> None:
    code = client.post("/api/v1/certificate", headers=login(client, graduate.email)).json()["code"]
    result = client.get(f"/api/v1/certificates/{code}").json()
    assert (result["valid"], result["erased"]) == (True, False)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "erase", None),
        ("POST", "reactivate", None),
        ("POST", "deactivate", None),
        ("POST", "password-reset", None),
        ("PUT", "role", {"role": "instructor"}),
        ("PATCH", "", {"full_name": "Gjenoppstått"}),
    ],
)
def test_an_erased_account_cannot_be_changed_again(
    client: TestClient,
    engine: Engine,
    admin: dict[str, str],
    method: str,
    path: str,
    body: object,
) -> None:
    user = make_user(engine)
    assert client.post(f"/api/v1/users/{user.id}/erase", headers=admin).status_code == 200
    url = f"/api/v1/users/{user.id}/{path}".rstrip("/")
    response = client.request(method, url, headers=admin, json=body)
    assert response.status_code == 409
    assert response.json()["code"] == "user_erased"
    with Session(engine) as session:
        erased = session.get(User, user.id)
        assert erased is not None
        assert (erased.full_name, erased.role, erased.is_active) == (
            "Slettet bruker",
            "learner",
            False,
        )
