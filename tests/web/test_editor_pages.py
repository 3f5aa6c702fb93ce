"""The editor's server side over plain HTTP: conflicts, line endings, preview access."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.data.models import CourseModule, Role
from course.models import Course
from tests.factories import make_user
from tests.web.test_web_security import csrf_from, log_in


def current_revision(engine: Engine, slug: str) -> int:
    with Session(engine) as session:
        row = session.exec(select(CourseModule).where(CourseModule.slug == slug)).one()
        return row.current_revision


def test_a_stale_save_shows_the_conflict_keeps_the_text_and_a_second_save_wins(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    module = shipped_course.modules[0]
    log_in(client, make_user(engine, role=Role.INSTRUCTOR).email)
    url = f"/instruktor/moduler/{module.slug}"
    token = csrf_from(client, url)
    theirs = module.source.replace("Velkommen", "Hjertelig velkommen", 1)
    mine = module.source.replace("Velkommen", "Velkommen igjen", 1)
    saved = client.post(url, data={"csrf_token": token, "markdown": theirs, "base_revision": "1"})
    assert saved.status_code == 200
    assert "Lagret som revisjon 2" in saved.text

    stale = client.post(url, data={"csrf_token": token, "markdown": mine, "base_revision": "1"})
    assert stale.status_code == 409
    assert "Noen andre har lagret modulen" in stale.text
    assert "Velkommen igjen" in stale.text  # the text is kept in the field
    assert 'name="base_revision" value="2"' in stale.text
    assert re.search(r'class="diff-added">.*Velkommen igjen', stale.text)
    assert current_revision(engine, module.slug) == 2

    again = client.post(url, data={"csrf_token": token, "markdown": mine, "base_revision": "2"})
    assert "Lagret som revisjon 3" in again.text


def test_saving_unchanged_text_with_browser_line_endings_makes_no_new_revision(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    module = shipped_course.modules[0]
    log_in(client, make_user(engine, role=Role.INSTRUCTOR).email)
    url = f"/instruktor/moduler/{module.slug}"
    token = csrf_from(client, url)
    crlf = module.source.replace("\n", "\r\n")
    response = client.post(url, data={"csrf_token": token, "markdown": crlf, "base_revision": "1"})
    assert response.status_code == 200
    assert current_revision(engine, module.slug) == 1


def test_the_preview_is_for_staff_only_and_escapes_hostile_markdown(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    module = shipped_course.modules[0]
    hostile = module.source + "\n<script>alert(1)</script> [x](javascript:alert(1))\n"
    log_in(client, make_user(engine, role=Role.LEARNER).email)
    token = csrf_from(client, "/")
    data = {"csrf_token": token, "markdown": hostile, "slug": module.slug}
    assert client.post("/instruktor/forhandsvis", data=data).status_code == 403
    client.post("/logg-ut", data={"csrf_token": token})

    log_in(client, make_user(engine, role=Role.INSTRUCTOR).email)
    data["csrf_token"] = csrf_from(client, "/instruktor")
    fragment = client.post("/instruktor/forhandsvis", data=data)
    assert fragment.status_code == 200
    assert 'id="problemer"' in fragment.text
    assert 'id="forhandsvisning-innhold"' in fragment.text
    assert "<script>" not in fragment.text
    assert "&lt;script&gt;" in fragment.text
    assert 'href="javascript:' not in fragment.text
    assert "<html" not in fragment.text  # a fragment, not a page
