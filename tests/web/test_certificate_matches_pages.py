"""What the learner downloads agrees with what the pages told them: the same time per module,
a total that is their sum, and a signature from the configured signer or the course's issuer."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.data.models import User
from certificates.durations import format_duration
from course.models import Course
from tests.certificates.helpers import page_text
from tests.factories import complete_course, make_user
from tests.web.conftest import web_settings
from tests.web.test_web_security import csrf_from, log_in

_DASHBOARD_ITEM = re.compile(
    r'class="module-title" href="/moduler/([^"]+)">([^<]+)</a>\s*<p class="muted">Ca\. ([^<·]+?)'
    r"(?: ·|</p>)"
)
_DURATION = re.compile(r"^(?:(\d+) t)?(?: ?(\d+) min)?$")


def _minutes(shown: str) -> int:
    """Read "1 t 30 min" back, independently of ``format_duration``."""
    match = _DURATION.match(shown)
    assert match is not None and shown, shown
    hours, minutes = match.groups()
    return int(hours or 0) * 60 + int(minutes or 0)


@pytest.fixture
def graduate(web_engine: Engine) -> User:
    user = make_user(web_engine, full_name="Máret Ánne Sara")
    complete_course(web_engine, user)
    return user


def _certificate_text(client: TestClient) -> str:
    token = csrf_from(client, "/kursbevis")
    issued = client.post("/kursbevis", data={"csrf_token": token}, follow_redirects=False)
    assert issued.status_code == 303, issued.text
    pdf = client.get("/kursbevis.pdf")
    assert pdf.status_code == 200
    return page_text(pdf.content)


def _client(tmp_path: Path, engine: Engine, **settings: Any) -> TestClient:
    app_settings = web_settings(tmp_path).model_copy(update=settings)
    return TestClient(create_app(app_settings, engine=engine), raise_server_exceptions=False)


def test_the_certificate_lists_the_times_the_pages_showed_and_their_sum(
    tmp_path: Path, web_engine: Engine, graduate: User, shipped_course: Course
) -> None:
    with _client(tmp_path, web_engine) as client:
        log_in(client, graduate.email)
        shown = [
            (slug, html.unescape(title), duration)
            for slug, title, duration in _DASHBOARD_ITEM.findall(client.get("/").text)
        ]
        assert [slug for slug, _, _ in shown] == [m.slug for m in shipped_course.modules]
        for module, (slug, _, duration) in zip(shipped_course.modules, shown, strict=True):
            assert duration == format_duration(module.estimated_minutes)
            assert f"Ca. {duration}" in client.get(f"/moduler/{slug}").text
        text = _certificate_text(client)

    for _, title, duration in shown:
        assert f"{title} {duration}" in text
    total = sum(_minutes(duration) for _, _, duration in shown)
    assert total == sum(m.estimated_minutes for m in shipped_course.modules)
    assert f"Totalt {format_duration(total)}" in text
    assert not re.search(r"\b\d+,\d\d\b", text)  # no decimal hours such as 0,92


def test_by_default_the_course_issuer_signs_as_organiser_not_a_placeholder_person(
    tmp_path: Path, web_engine: Engine, graduate: User, shipped_course: Course
) -> None:
    with _client(tmp_path, web_engine) as client:
        log_in(client, graduate.email)
        text = _certificate_text(client)
    assert f"{shipped_course.info.issuer} Kursarrangør" in text
    assert "Kursansvarlig" not in text


def test_a_configured_signer_signs_for_the_configured_issuer(
    tmp_path: Path, web_engine: Engine, graduate: User
) -> None:
    settings = {
        "certificate_issuer": "Asker kommune",
        "certificate_signer_name": "Ingrid Solberg-Haugen",
        "certificate_signer_title": "Kompetanseleder",
    }
    with _client(tmp_path, web_engine, **settings) as client:
        log_in(client, graduate.email)
        text = _certificate_text(client)
    assert "Ingrid Solberg-Haugen Kompetanseleder Asker kommune" in text
    assert "Kursarrangør" not in text
