"""Defect 8: an optional module added after a learner finished must not lower their progress.

The percent is over the modules that count for completion on every door: the
API's /course and /progress, the learner's pages, and the roster (JSON and CSV).
"""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.core.db import transaction
from api.data.models import Role, User
from api.services import authoring
from api.web.instructor_modules import starter_markdown
from course.models import Course
from tests.factories import complete_course, login, make_user

_numbers = itertools.count(1)


@pytest.fixture
def engine(fresh_engine: Engine) -> Engine:
    """These tests add a module: a database of their own keeps the shared one's course."""
    return fresh_engine


def finished_learner_then_optional_module(engine: Engine, course: Course) -> User:
    number = next(_numbers)
    learner = make_user(engine, full_name=f"Áigin Ferdig {number}")
    complete_course(engine, learner)
    instructor = make_user(engine, role=Role.INSTRUCTOR)
    with transaction(engine, write=True) as session:
        authoring.create_module(
            session=session,
            slug=f"valgfri-ekstra-{number}",
            markdown=starter_markdown("Valgfri ekstra"),
            position=None,
            author=instructor,
            info=course.info,
        )
    return learner


def test_api_course_and_progress_show_100_percent_and_the_optional_module_apart(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    learner = finished_learner_then_optional_module(engine, shipped_course)
    required = sum(m.required for m in shipped_course.modules)
    headers = login(client, learner.email)
    for path in ("/api/v1/course", "/api/v1/progress"):
        progress = client.get(path, headers=headers).json()
        progress = progress.get("progress", progress)
        assert progress["completed_at"] is not None, path
        counts = (progress["completed_modules"], progress["total_modules"])
        assert counts == (required, required), path
        assert progress["percent"] == 100, path
        assert progress["optional_completed"] == progress["optional_total"] - 1, path


def test_the_roster_counts_the_required_modules_and_the_optional_apart(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    learner = finished_learner_then_optional_module(engine, shipped_course)
    required = sum(m.required for m in shipped_course.modules)
    admin = login(client, make_user(engine, role=Role.ADMIN).email)
    rows = client.get("/api/v1/reports/roster?format=json", headers=admin).json()
    (row,) = [r for r in rows if r["email"] == learner.email]
    assert row["status"] == "completed"
    counts = (row["modules_completed"], row["modules_total"], row["percent"])
    assert counts == (required, required, 100)
    # The engine is shared: modules added by earlier tests may have been completed too.
    assert row["optional_completed"] == row["optional_total"] - 1
    text = client.get("/api/v1/reports/roster?format=csv", headers=admin).text.lstrip("\ufeff")
    rows_csv = csv.DictReader(io.StringIO(text), delimiter=";")
    (line,) = [r for r in rows_csv if r["Navn"] == learner.full_name]
    assert line["Prosent"] == "100"
    assert int(line["Fullførte valgfrie moduler"]) == int(line["Valgfrie moduler"]) - 1
