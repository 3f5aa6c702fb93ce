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
    required = sum(m.required for m in shipped_course.modules)
    log_in(client, learner.email)
    for path in ("/", "/profil"):
        html = client.get(path).text
        done = f"{required} av {required} obligatoriske moduler fullført (100&nbsp;%)"
        assert f"{done}, 0 av 1 valgfri" in html, path
        lowered = str(100 * required // (required + 1))  # the percent had the optional counted
        assert lowered not in html.split('class="progress-text"')[1][:200], path
        assert 'value="100"' in html, path
