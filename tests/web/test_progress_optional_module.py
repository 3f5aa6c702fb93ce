"""Defect 8 on the learner's pages: see tests/api/test_progress_optional_module.py."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from course.models import Course
from tests.api.test_progress_optional_module import finished_learner_then_optional_module
from tests.web.test_web_security import log_in


def test_the_learners_pages_agree_with_the_completion(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    learner = finished_learner_then_optional_module(engine, shipped_course)
    log_in(client, learner.email)
    for path in ("/", "/profil"):
        html = client.get(path).text
        assert "8 av 8 obligatoriske moduler fullført (100&nbsp;%), 0 av 1 valgfri" in html, path
        assert "88" not in html.split('class="progress-text"')[1][:200], path
        assert 'value="100"' in html, path
