"""The whole learner journey in a real browser: login to certificate download and logout."""

from __future__ import annotations

import json
import re

import pypdf
import pytest
from playwright.sync_api import Page, expect

from certificates.badges import baking
from course.models import Course
from tests.api.helpers import correct_answers, wrong_answers
from tests.factories import PASSWORD, make_user
from tests.web.conftest import WebSite, check_page_at_both_widths, screenshot
from tests.web.helpers import answer_quiz

pytestmark = pytest.mark.browser
NAME = "Åse Ødegård Sæther"


def test_learner_reads_passes_every_quiz_and_downloads_the_certificate(
    page: Page, site: WebSite, shipped_course: Course, axe_source: str
) -> None:
    learner = make_user(site.engine, full_name=NAME, email="reise@web.no")
    page.goto(site.url + "/")
    expect(page).to_have_url(re.compile(r"/logg-inn\?neste=/$"))
    page.get_by_label("E-postadresse").fill(learner.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(shipped_course.info.title)
    expect(page.locator("progress")).to_have_attribute("value", "0")
    screenshot(page, "reise-01-oversikt")

    for index, module in enumerate(shipped_course.modules):
        page.get_by_role("link", name=module.title).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(module.title)
        expect(page.get_by_role("navigation", name="Innhold", exact=True)).to_be_visible()
        page.get_by_role("button", name="Marker som lest").click()
        expect(page.locator("#status")).to_contain_text("Du har markert teksten som lest")
        page.get_by_role("link", name="Ta quizen").click()
        if index == 0:
            screenshot(page, "reise-02-quiz")
            answer_quiz(page, wrong_answers(module))
            page.get_by_role("button", name="Lever svarene").click()
            expect(page).to_have_url(re.compile(r"/forsok/\d+$"))
            expect(page.get_by_role("heading", name="Ikke bestått denne gangen")).to_be_visible()
            expect(page.locator(".question-result.is-wrong")).to_have_count(
                len(module.quiz.questions) if module.quiz else 0
            )
            expect(page.locator(".explanation").first).to_contain_text("Forklaring")
            screenshot(page, "reise-03-ikke-bestatt")
            page.get_by_role("link", name="Prøv igjen").click()
            expect(page.get_by_role("button", name="Lever svarene")).to_be_visible()
        answer_quiz(page, correct_answers(module))
        page.get_by_role("button", name="Lever svarene").click()
        expect(page.get_by_role("heading", name="Bestått!")).to_be_visible()
        expect(page.locator(".result-summary")).to_contain_text("Modulen er fullført")
        if index == 0:
            check_page_at_both_widths(page, axe_source, "reise-04-bestatt")
        page.get_by_role("navigation", name="Hovedmeny").get_by_role(
            "link", name="Oversikt"
        ).click()

    expect(page.locator("progress")).to_have_attribute("value", "100")
    count = len(shipped_course.modules)
    done = f"{count} av {count} moduler fullført (100"
    expect(page.locator(".progress-text")).to_contain_text(done)
    screenshot(page, "reise-05-fullfort")

    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Kursbevis").click()
    page.get_by_role("button", name="Hent kursbevis").click()
    expect(page.get_by_role("heading", name="Kursbeviset ditt er klart")).to_be_visible()
    screenshot(page, "reise-06-kursbevis")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Last ned kursbevis (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("kursbevis-")
    finished = rf"^Ferdig: {re.escape(download.suggested_filename)} \(\d+\xa0kB\)$"
    expect(page.locator(".download-status").get_by_role("status")).to_have_text(
        re.compile(finished)
    )
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    text = " ".join(pypdf.PdfReader(download.path()).pages[0].extract_text().split())
    assert NAME in text
    with page.expect_download() as badge_info:  # beside it: the Open Badge, credential baked in
        page.get_by_role("link", name="Last ned Open Badge").click()
    badge = badge_info.value
    assert badge.suggested_filename.startswith("open-badge-")
    assert badge.suggested_filename.endswith(".png")
    baked = baking.unbake_png(badge.path().read_bytes())
    assert baked is not None
    assert json.loads(baked)["credentialSubject"]["identifier"][0]["identityHash"] == NAME

    page.get_by_role("button", name="Logg ut").click()
    expect(page.get_by_role("status")).to_contain_text("Du er logget ut")
    check_page_at_both_widths(page, axe_source, "reise-07-logget-ut")
    page.goto(site.url + "/kursbevis")
    expect(page).to_have_url(re.compile(r"/logg-inn\?neste=/kursbevis$"))
