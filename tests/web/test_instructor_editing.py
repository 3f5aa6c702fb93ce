"""An instructor's edit in a real browser: an error shown at its line, the fix, history, restore."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from api.data.models import Role
from course.models import Course
from tests.factories import make_user
from tests.web.conftest import WebSite, check_page_at_both_widths, screenshot
from tests.web.helpers import log_in

pytestmark = pytest.mark.browser
NEW_SENTENCE = "Denne innledningen er skrevet av instruktøren i nettleseren."


def test_instructor_fixes_a_validation_error_saves_and_restores_the_old_revision(
    page: Page, own_site: WebSite, shipped_course: Course, axe_source: str
) -> None:
    module = shipped_course.modules[2]
    instructor = make_user(own_site.engine, role=Role.INSTRUCTOR, full_name="Ingrid Instruktør")
    log_in(page, own_site.url, instructor.email)
    page.get_by_role("link", name="Instruktør").click()
    page.get_by_role("link", name=f"Rediger {module.title}").click()
    textarea = page.get_by_label("Markdown for modulen")
    original = textarea.input_value()
    assert original == module.source

    # Remove the quiz's closing fence: the live preview reports it at the opening line.
    quiz_line = module.source.splitlines().index("::: quiz") + 1
    broken = module.source[: module.source.rindex(":::")]
    textarea.fill(broken)
    problems = page.locator("#problemer")
    expect(problems).to_contain_text(f"Linje {quiz_line}")
    expect(problems).to_contain_text("quizblokken er ikke lukket med «:::»")
    expect(textarea).to_have_attribute("aria-invalid", "true")
    page.get_by_role("link", name=f"Linje {quiz_line}").click()
    selected = page.evaluate(
        "() => { const t = document.getElementById('markdown');"
        " return t.value.slice(t.selectionStart, t.selectionEnd); }"
    )
    assert selected == "::: quiz"
    expect(textarea).to_be_focused()

    page.get_by_role("button", name="Lagre ny revisjon").click()
    expect(page.get_by_role("alert")).to_contain_text("Modulen ble ikke lagret")
    expect(textarea).to_have_attribute("aria-invalid", "true")
    expect(textarea).to_have_attribute("aria-describedby", re.compile(r"\bproblemer\b"))
    assert textarea.input_value() == broken
    check_page_at_both_widths(page, axe_source, "instruktor-01-feil-ved-lagring")

    heading = f"# {module.title}\n"
    fixed = module.source.replace(heading, f"{heading}\n{NEW_SENTENCE}\n", 1)
    textarea.fill(fixed)
    expect(problems).to_contain_text("Ingen feil funnet")
    expect(page.locator("#forhandsvisning")).to_contain_text(NEW_SENTENCE)
    page.get_by_label("Hva har du endret? (valgfritt)").fill("Ny innledning")
    page.get_by_role("button", name="Lagre ny revisjon").click()
    expect(page.get_by_role("status")).to_contain_text("Lagret som revisjon 2")
    assert textarea.input_value() == fixed
    screenshot(page, "instruktor-02-lagret")

    page.get_by_role("link", name="Historikk").click()
    newest = page.locator("#revisjon-2")
    expect(newest).to_contain_text("Gjeldende")
    expect(newest).to_contain_text("Ny innledning")
    expect(newest).to_contain_text("Ingrid Instruktør")
    expect(newest.locator(".diff-added", has_text=NEW_SENTENCE)).to_have_count(1)
    screenshot(page, "instruktor-03-historikk")
    page.get_by_role("button", name="Gjenopprett revisjon 1").click()
    expect(page.get_by_role("status")).to_contain_text("Revisjon 1 er gjenopprettet som revisjon 3")
    expect(page.locator("#revisjon-3 .diff-removed", has_text=NEW_SENTENCE)).to_have_count(1)
    check_page_at_both_widths(page, axe_source, "instruktor-04-historikk-gjenopprettet")

    page.goto(f"{own_site.url}/moduler/{module.slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text(module.title)
    expect(page.locator("article")).not_to_contain_text(NEW_SENTENCE)
