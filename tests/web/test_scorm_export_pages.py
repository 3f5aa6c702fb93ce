"""The instructor's SCORM page: the form with the answer-key warning, the download, access."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from api.data.models import Role
from course.models import Course
from course.scorm import ScormVersion
from tests.factories import make_user
from tests.scorm_support import files, package
from tests.web.conftest import WebSite, check_page_at_both_widths
from tests.web.helpers import log_in as browser_log_in
from tests.web.test_web_security import log_in

PAGE = "/instruktor/scorm"
DOWNLOAD = "/instruktor/scorm/pakke"


def test_the_page_warns_that_the_package_holds_the_answer_key(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    log_in(client, make_user(engine, role=Role.INSTRUCTOR).email)
    assert 'href="/instruktor/scorm"' in client.get("/instruktor").text  # the button
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Pakken inneholder fasiten" in page.text
    assert "Uten quiz" in page.text
    for module in shipped_course.modules:
        assert f'<option value="{module.slug}">' in page.text


def test_the_form_downloads_what_the_builder_builds(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    log_in(client, make_user(engine, role=Role.INSTRUCTOR).email)
    started = time.perf_counter()
    whole = client.get(DOWNLOAD, params={"versjon": "1.2", "modul": "", "quiz": "med"})
    took = time.perf_counter() - started
    assert whole.status_code == 200
    assert whole.headers["content-disposition"].endswith(
        '"innovasjon-i-kommunal-sektor-scorm12.zip"'
    )
    assert whole.content == package(shipped_course, ScormVersion.V1_2)
    assert took < 5  # built in the request: a few hundred milliseconds for nine modules
    one = client.get(DOWNLOAD, params={"versjon": "2004", "modul": "samskaping", "quiz": "uten"})
    assert one.status_code == 200
    assert "samskaping/index.html" in files(one.content)
    assert one.content == package(
        shipped_course, ScormVersion.V2004, slug="samskaping", include_quiz=False
    )


def test_bad_choices_show_the_form_again_with_the_errors(
    client: TestClient, engine: Engine
) -> None:
    log_in(client, make_user(engine, role=Role.ADMIN).email)
    response = client.get(DOWNLOAD, params={"versjon": "3", "modul": "finnes-ikke", "quiz": "x"})
    assert response.status_code == 422
    assert "Pakken ble ikke laget" in response.text
    for message in ("Velg SCORM 1.2 eller SCORM 2004.", "Velg hele kurset eller en av modulene",
                    "Velg med eller uten quiz."):  # fmt: skip
        assert message in response.text


@pytest.mark.parametrize("path", [PAGE, f"{DOWNLOAD}?versjon=1.2"])
def test_a_learner_gets_403(client: TestClient, engine: Engine, path: str) -> None:
    log_in(client, make_user(engine).email)
    response = client.get(path)
    assert response.status_code == 403
    assert "application/zip" not in response.headers["content-type"]


@pytest.mark.browser
def test_an_instructor_downloads_a_module_package_in_the_browser(
    page: Page, site: WebSite, axe_source: str
) -> None:
    browser_log_in(page, site.url, make_user(site.engine, role=Role.INSTRUCTOR).email)
    page.goto(f"{site.url}/instruktor")
    page.get_by_role("link", name="SCORM-pakke til LMS").click()
    expect(page.get_by_role("heading", name="Pakken inneholder fasiten")).to_be_visible()
    check_page_at_both_widths(page, axe_source, "instruktor-scorm")
    page.get_by_label("Innhold").select_option("samskaping")
    page.get_by_label("Quiz").select_option("uten")
    with page.expect_download() as download:
        page.get_by_role("button", name="Last ned SCORM-pakken").click()
    assert download.value.suggested_filename == (
        "innovasjon-i-kommunal-sektor-samskaping-scorm12-uten-quiz.zip"
    )
