"""The course outline and a quiz attempt run a fixed number of SQL statements, any module count."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from api.app import create_app
from api.core.config import Settings
from course.models import Course
from tests.conftest import Databases
from tests.factories import login, make_user


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _course_with(course: Course, count: int) -> Course:
    modules = []
    for index in range(count):
        template = course.modules[index % len(course.modules)]
        slug = f"{template.slug}-{index}"
        modules.append(replace(template, slug=slug, order=index + 1))
    return replace(course, modules=tuple(modules))


def _statements_for_outline(
    databases: Databases, course: Course, tmp_path: Path, count: int
) -> int:
    engine = databases.new_engine(_course_with(course, count))
    user = make_user(engine)
    app = create_app(Settings(data_dir=tmp_path, secret_key="y" * 40), engine=engine)
    with TestClient(app) as client:
        headers = login(client, user.email)
        client.post(f"/api/v1/modules/{course.modules[0].slug}-0/read", headers=headers)
        assert client.get("/api/v1/course", headers=headers).status_code == 200  # warm cache
        with count_statements(engine) as statements:
            response = client.get("/api/v1/course", headers=headers)
        assert response.status_code == 200
        assert len(response.json()["modules"]) == count
        assert response.json()["modules"][0]["status"] == "in_progress"
    return len(statements)


def test_course_outline_query_count_does_not_grow_with_modules(
    databases: Databases, shipped_course: Course, tmp_path: Path
) -> None:
    few = _statements_for_outline(databases, shipped_course, tmp_path, 3)
    many = _statements_for_outline(databases, shipped_course, tmp_path, 24)
    assert few == many
    assert many <= 6


def _statements_for_attempt(
    databases: Databases, course: Course, tmp_path: Path, count: int
) -> list[str]:
    """Every statement SQLite runs for one quiz attempt (hot path: plain DBAPI, no events)."""
    engine = databases.new_engine(_course_with(course, count))
    user = make_user(engine)
    engine.dispose()
    statements: list[str] = []
    recording = False

    def trace(connection: Any, _record: Any) -> None:
        connection.set_trace_callback(lambda sql: statements.append(sql) if recording else None)

    event.listen(engine, "connect", trace)
    app = create_app(Settings(data_dir=tmp_path, secret_key="y" * 40), engine=engine)
    module = course.modules[0]
    assert module.quiz is not None
    url = f"/api/v1/modules/{module.slug}-0/attempts"
    answers = {q.id: sorted(q.correct_option_ids) for q in module.quiz.questions}
    with TestClient(app) as client:
        headers = login(client, user.email)
        assert client.post(url, headers=headers, json={"answers": answers}).status_code == 201
        recording = True
        response = client.post(url, headers=headers, json={"answers": answers})
        recording = False
    assert response.status_code == 201
    assert response.json()["score"] == 1.0
    return statements


@pytest.mark.sqlite_only  # counted with SQLite's trace callback
def test_attempt_statement_count_does_not_grow_with_modules(
    databases: Databases, shipped_course: Course, tmp_path: Path
) -> None:
    few = _statements_for_attempt(databases, shipped_course, tmp_path, 3)
    many = _statements_for_attempt(databases, shipped_course, tmp_path, 24)
    assert len(few) == len(many)
    # Token; BEGIN IMMEDIATE between two busy_timeout pragmas; module; progress row; attempt;
    # progress update; COMMIT.
    assert len(many) <= 9, many
