"""An instructor manages the course's modules in a real browser: create, move, archive, bring back;
with the keyboard, and without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, col, select

from api.data.models import CourseModule, Role
from course.models import Course
from tests.factories import make_user
from tests.web.conftest import DESKTOP, WebSite, check_page_at_both_widths, screenshot
from tests.web.helpers import log_in

pytestmark = pytest.mark.browser
TITLE = "Digitale tjenester i kommunen"
SLUG = "digitale-tjenester"
TAKEN = "Samskaping"  # its address, samskaping, is a shipped module's


def _order(site: WebSite) -> list[str]:
    with Session(site.engine) as session:
        rows = session.exec(
            select(CourseModule.slug)
            .where(col(CourseModule.archived_at).is_(None))
            .order_by(col(CourseModule.position))
        )
        return list(rows)


def _headings(page: Page) -> list[str]:
    return page.locator("ol.module-admin > li h3").all_inner_texts()


def test_instructor_creates_moves_archives_and_brings_back_a_module(
    page: Page, own_site: WebSite, shipped_course: Course, axe_source: str
) -> None:
    count = len(shipped_course.modules)
    last = shipped_course.modules[-1]
    instructor = make_user(own_site.engine, role=Role.INSTRUCTOR, full_name="Ingrid Instruktør")
    log_in(page, own_site.url, instructor.email)
    page.get_by_role("link", name="Instruktør").click()

    # A title whose address is taken: the error is at the field, and focus on the summary.
    page.get_by_label("Tittel", exact=True).fill(TAKEN)
    page.get_by_role("button", name="Opprett modul").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Modulen ble ikke opprettet")
    expect(summary).to_be_focused()
    address = page.get_by_label("Adresse (valgfritt)")
    expect(address).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#adresse-feil")).to_contain_text("Det finnes allerede en modul")
    check_page_at_both_widths(page, axe_source, "instruktor-ny-modul-feil")

    page.get_by_label("Tittel", exact=True).fill(TITLE)
    address.fill(SLUG)
    page.get_by_role("button", name="Opprett modul").click()
    expect(page).to_have_url(re.compile(rf"/instruktor/moduler/{SLUG}\?opprettet=1#status$"))
    expect(page.get_by_role("status")).to_contain_text("Modulen er opprettet")
    expect(page.get_by_label("Markdown for modulen")).to_have_value(re.compile(rf"title: {TITLE}"))
    check_page_at_both_widths(page, axe_source, "instruktor-ny-modul-opprettet")

    page.get_by_role("navigation", name="Brødsmulesti").get_by_role("link", name="Moduler").click()
    assert _headings(page)[-1] == f"{count + 1}. {TITLE}"

    # Move it up with the keyboard: focus comes back to the module, the next Tab to its links.
    page.get_by_role("button", name=f"Flytt opp {TITLE}").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(f"«{TITLE}» er nå modul nummer {count}.")
    expect(page.locator(f"#modul-{SLUG}")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name=f"Rediger {TITLE}")).to_be_focused()
    assert _headings(page)[-2:] == [f"{count}. {TITLE}", f"{count + 1}. {last.title}"]
    assert _order(own_site)[-2:] == [SLUG, last.slug]
    check_page_at_both_widths(page, axe_source, "instruktor-modul-flyttet")

    page.get_by_role("link", name=f"Arkiver {TITLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Arkivere «{TITLE}»?")
    check_page_at_both_widths(page, axe_source, "instruktor-arkiver-bekreft")
    page.get_by_role("button", name="Arkiver modulen").click()
    expect(page.get_by_role("status")).to_contain_text(f"«{TITLE}» er arkivert")
    archived = page.locator("ul.module-admin")
    expect(archived).to_contain_text(TITLE)
    assert TITLE not in " ".join(_headings(page))
    assert SLUG not in _order(own_site)
    check_page_at_both_widths(page, axe_source, "instruktor-moduler-arkivert")

    page.get_by_role("button", name=f"Hent tilbake til kurset {TITLE}").click()
    expect(page.get_by_role("status")).to_contain_text(f"«{TITLE}» er tilbake i kurset")
    assert _headings(page)[-1] == f"{count + 1}. {TITLE}"
    expect(page.get_by_text("Ingen moduler er arkivert.")).to_be_visible()
    screenshot(page, "instruktor-modul-hentet-tilbake")


def test_the_module_forms_work_without_javascript(
    browser: Browser, own_site: WebSite, shipped_course: Course
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="nb-NO", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        instructor = make_user(own_site.engine, role=Role.INSTRUCTOR)
        log_in(page, own_site.url, instructor.email)
        page.goto(f"{own_site.url}/instruktor")
        # Without the script that focuses it, the error summary is still where the browser goes.
        page.get_by_label("Tittel", exact=True).fill(TAKEN)
        page.get_by_role("button", name="Opprett modul").click()
        expect(page.get_by_role("alert")).to_contain_text("Modulen ble ikke opprettet")
        expect(page.get_by_role("alert")).to_be_focused()
        page.get_by_label("Tittel", exact=True).fill(TITLE)
        page.get_by_role("button", name="Opprett modul").click()
        expect(page.get_by_role("status")).to_contain_text("Modulen er opprettet")
        page.goto(f"{own_site.url}/instruktor")
        page.get_by_role("button", name=f"Flytt opp {TITLE}").click()
        expect(page.get_by_role("status")).to_contain_text(f"«{TITLE}» er nå modul nummer")
        slug = "digitale-tjenester-i-kommunen"
        assert _order(own_site)[-2:] == [slug, shipped_course.modules[-1].slug]
        page.get_by_role("link", name=f"Arkiver {TITLE}").click()
        page.get_by_role("button", name="Arkiver modulen").click()
        expect(page.get_by_role("status")).to_contain_text(f"«{TITLE}» er arkivert")
        assert slug not in _order(own_site)
    finally:
        context.close()
