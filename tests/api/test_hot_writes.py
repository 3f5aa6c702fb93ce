"""Quiz attempts and read marks through the hot write path (``api.http.deps.WriteUnit``).

On SQLite the write runs on the event loop when it cannot block, and falls back
to a worker thread when another writer holds the database or a module must be
rendered first; on PostgreSQL it always runs in a worker thread.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, func, select

from api.core.db import transaction
from api.data.models import AuthToken, ModuleProgress, QuizAttempt, Role
from api.http.deps import WriteUnit
from api.services import content, learning
from course.models import Course
from tests.api.helpers import correct_answers
from tests.factories import login, make_user, user_headers

NO_QUIZ = "---\ntitle: Uten quiz\nestimated_minutes: 5\n---\nBare tekst her.\n"


class WriteCalls:
    """Each hot write transaction begun: "inline" on the event loop, or in a "thread"."""

    def __init__(self) -> None:
        self.where: list[str] = []
        self.in_thread = threading.Event()


@pytest.fixture
def write_calls(monkeypatch: pytest.MonkeyPatch) -> WriteCalls:
    calls = WriteCalls()
    original = WriteUnit._call

    def spy(self: WriteUnit, *args: Any, wait: bool) -> Any:
        calls.where.append("thread" if wait else "inline")
        if wait:
            calls.in_thread.set()
        return original(self, *args, wait=wait)

    monkeypatch.setattr(WriteUnit, "_call", spy)
    return calls


def _count(engine: Engine, table: type) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def _attempt(client: TestClient, headers: dict[str, str], slug: str, body: object) -> Any:
    return client.post(f"/api/v1/modules/{slug}/attempts", headers=headers, json=body)


def test_missing_revoked_and_expired_tokens_cannot_write(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    module = shipped_course.modules[0]
    user = make_user(engine)
    revoked, expiring = login(client, user.email), login(client, user.email)

    def assert_refused(headers: dict[str, str]) -> None:
        for response in (
            _attempt(client, headers, module.slug, {"answers": correct_answers(module)}),
            client.post(f"/api/v1/modules/{module.slug}/read", headers=headers),
        ):
            assert response.status_code == 401
            assert response.headers["WWW-Authenticate"] == "Bearer"

    assert_refused({})
    assert client.post("/api/v1/auth/logout", headers=revoked).status_code == 204
    assert_refused(revoked)
    with Session(engine) as session:
        past = datetime.now(UTC) - timedelta(seconds=1)
        session.exec(update(AuthToken).values(expires_at=past))  # type: ignore[call-overload]
        session.commit()
    assert_refused(expiring)
    assert _count(engine, QuizAttempt) == 0
    assert _count(engine, ModuleProgress) == 0


def test_archived_module_takes_no_attempts_or_read_marks(
    fresh_client: TestClient, fresh_engine: Engine, shipped_course: Course
) -> None:
    module = shipped_course.modules[-1]
    instructor = login(fresh_client, make_user(fresh_engine, role=Role.INSTRUCTOR).email)
    learner = user_headers(fresh_client, fresh_engine)
    body = {"answers": correct_answers(module)}
    assert _attempt(fresh_client, learner, module.slug, body).status_code == 201
    url = f"/api/v1/modules/{module.slug}"
    assert fresh_client.delete(url, headers=instructor).status_code == 204

    for response in (
        _attempt(fresh_client, learner, module.slug, body),
        fresh_client.post(f"{url}/read", headers=learner),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "module_not_found"
    assert _count(fresh_engine, QuizAttempt) == 1


def test_stale_revision_stores_nothing(
    fresh_client: TestClient, fresh_engine: Engine, shipped_course: Course
) -> None:
    module = shipped_course.modules[0]
    instructor = login(fresh_client, make_user(fresh_engine, role=Role.INSTRUCTOR).email)
    learner = user_headers(fresh_client, fresh_engine)
    edited = {"markdown": module.source + "\nEn ny setning.\n", "base_revision": 1}
    url = f"/api/v1/modules/{module.slug}"
    assert fresh_client.put(f"{url}/source", headers=instructor, json=edited).status_code == 200

    stale = _attempt(
        fresh_client, learner, module.slug, {"answers": correct_answers(module), "revision": 1}
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_revision"
    assert _count(fresh_engine, QuizAttempt) == 0
    assert _count(fresh_engine, ModuleProgress) == 0
    current = _attempt(
        fresh_client, learner, module.slug, {"answers": correct_answers(module), "revision": 2}
    )
    assert current.status_code == 201
    assert current.json()["revision"] == 2


def test_module_without_quiz_refuses_attempts_and_completes_when_read(
    fresh_client: TestClient, fresh_engine: Engine
) -> None:
    instructor = login(fresh_client, make_user(fresh_engine, role=Role.INSTRUCTOR).email)
    learner = user_headers(fresh_client, fresh_engine)
    created = fresh_client.post(
        "/api/v1/modules", headers=instructor, json={"slug": "uten-quiz", "markdown": NO_QUIZ}
    )
    assert created.status_code == 201

    refused = _attempt(fresh_client, learner, "uten-quiz", {"answers": {}})
    assert refused.status_code == 404
    assert refused.json()["code"] == "quiz_not_found"
    assert _count(fresh_engine, ModuleProgress) == 0

    read = fresh_client.post("/api/v1/modules/uten-quiz/read", headers=learner)
    assert read.status_code == 200
    assert read.json()["status"] == "completed"
    again = fresh_client.post("/api/v1/modules/uten-quiz/read", headers=learner)
    assert again.json() == read.json()


def test_first_write_after_start_renders_in_a_thread(
    fresh_client: TestClient,
    fresh_engine: Engine,
    shipped_course: Course,
    db_kind: str,
    write_calls: WriteCalls,
) -> None:
    module = shipped_course.modules[1]
    learner = user_headers(fresh_client, fresh_engine)
    body = {"answers": correct_answers(module)}
    first = _attempt(fresh_client, learner, module.slug, body)  # nothing rendered yet
    second = _attempt(fresh_client, learner, module.slug, body)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["id"] > first.json()["id"]
    # The first finds nothing rendered, renders in a thread, and tries again there.
    if db_kind == "sqlite":
        assert write_calls.where == ["inline", "thread", "thread", "inline"]
    else:
        assert write_calls.where == ["thread", "thread", "thread"]


def test_completion_needing_unrendered_modules_is_rolled_back_and_retried_once(
    fresh_client: TestClient,
    fresh_engine: Engine,
    shipped_course: Course,
    db_kind: str,
    write_calls: WriteCalls,
) -> None:
    module = shipped_course.modules[0]
    user = make_user(fresh_engine)
    learner = login(fresh_client, user.email)
    with transaction(fresh_engine, write=True) as session:  # read, outside the app's cache
        modules = content.live_modules(
            session=session, info=shipped_course.info, cache=content.RenderCache()
        )
        user_id = user.id or 0
        learning.mark_read(session=session, user_id=user_id, module=modules[0], modules=modules)
    assert fresh_client.get(f"/api/v1/modules/{module.slug}", headers=learner).status_code == 200

    # Passing completes the module; checking the course needs every module, not rendered yet.
    result = _attempt(fresh_client, learner, module.slug, {"answers": correct_answers(module)})
    assert result.status_code == 201
    assert (result.json()["module_completed"], result.json()["course_completed"]) == (True, False)
    if db_kind == "sqlite":
        assert write_calls.where == ["inline", "thread", "thread"]
    else:
        assert write_calls.where == ["thread", "thread"]
    assert _count(fresh_engine, QuizAttempt) == 1
    with Session(fresh_engine) as session:
        row = session.exec(select(ModuleProgress).where(ModuleProgress.user_id == user.id)).one()
    assert (row.attempt_count, row.best_score) == (1, 1.0)
    assert row.passed_at is not None and row.completed_at is not None


@contextmanager
def _other_request_writing(engine: Engine) -> Iterator[None]:
    with transaction(engine, write=True) as session:
        session.connection()  # BEGIN IMMEDIATE now, not at the first statement
        yield


@contextmanager
def _other_process_writing(path: str) -> Iterator[None]:
    """SQLite's write lock, held by a connection outside the engine as another process would."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        connection.execute("COMMIT")
        connection.close()


@pytest.mark.sqlite_only  # the inline write path exists on SQLite only
@pytest.mark.parametrize("writer", ["request", "process"])
def test_attempt_waits_in_a_thread_while_another_writer_holds_the_database(
    app: FastAPI,
    engine: Engine,
    shipped_course: Course,
    write_calls: WriteCalls,
    writer: str,
) -> None:
    module = shipped_course.modules[0]
    body = {"answers": correct_answers(module)}
    assert engine.url.database is not None
    other_writer = (
        _other_request_writing(engine)
        if writer == "request"
        else _other_process_writing(engine.url.database)
    )
    with TestClient(app) as client, ThreadPoolExecutor(max_workers=1) as pool:
        headers = user_headers(client, engine)
        assert _attempt(client, headers, module.slug, body).status_code == 201  # renders
        write_calls.where.clear()
        write_calls.in_thread.clear()
        with other_writer:
            pending = pool.submit(_attempt, client, headers, module.slug, body)
            assert write_calls.in_thread.wait(timeout=30)  # gave up inline, waits in a thread
        response = pending.result(timeout=60)
    assert response.status_code == 201
    assert write_calls.where == ["inline", "thread"]
    assert _count(engine, QuizAttempt) == 2
