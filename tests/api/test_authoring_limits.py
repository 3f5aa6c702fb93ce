"""Saving, creating and previewing a module apply the same size and shape bounds as validate."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from api.data.models import CourseModule, ModuleRevision, Role
from course.limits import MAX_SOURCE_CHARS
from tests.factories import login, make_user

SLUG = "hvorfor-innovasjon"
HEAD = "---\ntitle: Stor modul\n---\n\n# Stor modul\n\n"
TOO_LONG = (
    "modulen er for lang: 100 001 tegn, men en modul kan ha høyst 100 000 tegn: "
    "del den i flere moduler"
)
WIDE = "tabellen har 60 kolonner, men en tabell kan ha høyst 50: del den opp i flere tabeller"


def _too_long() -> str:
    return HEAD + "[" * (MAX_SOURCE_CHARS + 1 - len(HEAD))


def _wide_table() -> str:
    return HEAD + "Tekst.\n\n|" + "a|" * 60 + "\n|" + "-|" * 60 + "\n"


@pytest.fixture
def instructor(fresh_client: TestClient, fresh_engine: Engine) -> dict[str, str]:
    user = make_user(fresh_engine, role=Role.INSTRUCTOR)
    return login(fresh_client, user.email)


def _revisions(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(ModuleRevision)).one()


@pytest.mark.parametrize(
    ("markdown", "error"),
    [
        (_too_long(), {"line": 1, "message": TOO_LONG}),
        (_wide_table(), {"line": 9, "message": WIDE}),
    ],
    ids=["too-long", "too-wide"],
)
def test_an_edit_over_a_bound_is_422_and_saves_nothing(
    fresh_client: TestClient,
    fresh_engine: Engine,
    instructor: dict[str, str],
    markdown: str,
    error: dict[str, object],
) -> None:
    before = _revisions(fresh_engine)
    response = fresh_client.put(
        f"/api/v1/modules/{SLUG}/source",
        headers=instructor,
        json={"markdown": markdown, "base_revision": 1},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{**error, "severity": "error"}]
    assert _revisions(fresh_engine) == before


def test_a_new_module_over_the_size_limit_is_not_created(
    fresh_client: TestClient, fresh_engine: Engine, instructor: dict[str, str]
) -> None:
    response = fresh_client.post(
        "/api/v1/modules", headers=instructor, json={"slug": "stor", "markdown": _too_long()}
    )
    assert response.status_code == 422
    assert [e["message"] for e in response.json()["errors"]] == [TOO_LONG]
    with Session(fresh_engine) as session:
        assert session.exec(select(CourseModule).where(CourseModule.slug == "stor")).first() is None


def test_the_preview_reports_the_bound_and_renders_nothing(
    fresh_client: TestClient, instructor: dict[str, str]
) -> None:
    body = fresh_client.post(
        "/api/v1/preview", headers=instructor, json={"markdown": _too_long(), "slug": SLUG}
    ).json()
    assert body["html"] is None
    assert body["errors"] == [{"line": 1, "message": TOO_LONG, "severity": "error"}]
