"""The workbook in the browser: drafts saved while typing, a conflict between two tabs,
the form without JavaScript, and "Mitt prosjekt"; axe on the pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from api.app import create_app
from api.data.models import Role
from course.loader import load_course
from course.models import Course
from tests.conftest import LiveServer
from tests.factories import make_user
from tests.web.conftest import (
    DESKTOP,
    WebSite,
    check_page,
    check_page_at_both_widths,
    new_web_engine,
    web_settings,
)
from tests.web.helpers import log_in
from tests.web.test_web_security import csrf_from
from tests.web.test_web_security import log_in as log_in_over_http

WORKBOOK_COURSE = Path(__file__).parents[1] / "course" / "fixtures" / "workbook_course"
STEP = "#oppgave-m01-prosjekt"


@pytest.fixture
def wb_site(tmp_path: Path) -> Iterator[WebSite]:
    course = load_course(WORKBOOK_COURSE).course
    assert course is not None
    engine = new_web_engine(tmp_path, course)
    app = create_app(web_settings(tmp_path), engine=engine)
    with LiveServer(app) as server:
        yield WebSite(app, engine, server)
    engine.dispose()


def _saved(page: Page) -> None:
    expect(page.locator(f"{STEP} [data-workbook-status]")).to_contain_text("Lagret kl.")


def test_drafts_are_saved_while_typing_and_a_stale_tab_sees_the_conflict(
    wb_site: WebSite, page: Page, browser: Browser, axe_source: str
) -> None:
    email = make_user(wb_site.engine).email
    log_in(page, wb_site.url, email)
    page.goto(f"{wb_site.url}/moduler/planlegge")
    check_page_at_both_widths(page, axe_source, "arbeidsbok-modul")
    steps = page.locator("#oppgave-m01-interessenter")
    steps.get_by_role("button", name="Legg til en rad i «Interessentkart»").click()
    expect(steps.get_by_label("Aktør, rad 4")).to_be_focused()
    page.get_by_label("Prosjektets navn").fill("Trygg hjemme")
    page.get_by_label("Utfordringen").fill("Mange faller hjemme om natten.")
    _saved(page)
    page.reload()
    expect(page.get_by_label("Prosjektets navn")).to_have_value("Trygg hjemme")
    expect(page.get_by_label("Utfordringen")).to_have_value("Mange faller hjemme om natten.")

    other = page.context.new_page()  # a second tab, opened at revision 1
    other.goto(f"{wb_site.url}/moduler/planlegge")
    page.get_by_label("Prosjektets navn").fill("Trygg hjemme hele natten")
    _saved(page)  # revision 2

    other.get_by_label("Prosjektets navn").fill("Navn fra den andre fanen")
    notice = other.get_by_role("alert")
    expect(notice).to_contain_text("Oppgaven er endret et annet sted")
    expect(notice).to_contain_text("Trygg hjemme hele natten")  # the version saved meanwhile
    check_page(other, axe_source, "arbeidsbok-konflikt")
    other.get_by_role("button", name="Behold min versjon").click()
    expect(other.get_by_label("Prosjektets navn")).to_have_value("Navn fra den andre fanen")

    page.goto(f"{wb_site.url}/mitt-prosjekt")
    expect(page.get_by_role("heading", name="Mitt prosjekt", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Navn fra den andre fanen")
    missing = "Mangler: «Hvem berøres?», «Hvilken fase er dere i?»"
    expect(page.locator("main")).to_contain_text(missing)
    check_page_at_both_widths(page, axe_source, "mitt-prosjekt")


def test_the_form_works_without_javascript(wb_site: WebSite, browser: Browser) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="nb-NO", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, wb_site.url, make_user(wb_site.engine).email)
        page.goto(f"{wb_site.url}/moduler/planlegge")  # (axe needs JavaScript: the first test)
        steps = page.locator("#oppgave-m01-interessenter")
        expect(
            steps.get_by_role("button", name="Legg til en rad i «Interessentkart»")
        ).to_be_hidden()
        steps.get_by_label("Aktør, rad 1").fill("Nav")
        steps.get_by_label("Sannsynlighet (1–5), rad 1").select_option("4")
        steps.get_by_label("Hva kan gå galt, rad 1").fill("Brukerne vil ikke")
        steps.get_by_role("button", name="Lagre oppgaven").click()
        expect(page).to_have_url(f"{wb_site.url}/moduler/planlegge?lagret=m01-interessenter"
                                 "#oppgave-m01-interessenter")  # fmt: skip
        expect(steps.get_by_label("Aktør, rad 1")).to_have_value("Nav")
        expect(steps.get_by_label("Sannsynlighet (1–5), rad 1")).to_have_value("4")

        page.locator(STEP).get_by_label("Prosjektets navn").fill("x" * 301)
        page.locator(STEP).get_by_role("button", name="Lagre oppgaven").click()
        expect(page.get_by_role("alert")).to_contain_text("kan ha høyst 300 tegn")
        expect(page.get_by_label("Prosjektets navn")).to_have_attribute("aria-invalid", "true")

    finally:
        context.close()


def test_the_editor_previews_steps_and_shows_their_errors_at_their_lines(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    module = shipped_course.modules[0]
    log_in_over_http(client, make_user(engine, role=Role.INSTRUCTOR).email)
    token = csrf_from(client, "/instruktor")
    step = (
        "\n::: oppgave Kartlegg interessentene {#m01-kart}\nHvem berøres?\n\n"
        "- tabell: Interessentkart {#kart}\n  - Aktør\n  - Innflytelse\n:::\n"
    )
    data = {"csrf_token": token, "markdown": module.source + step, "slug": module.slug}
    fragment = client.post("/instruktor/forhandsvis", data=data)
    assert fragment.status_code == 200
    assert "Oppgaver i arbeidsboken" in fragment.text
    assert "Kartlegg interessentene" in fragment.text
    assert "kolonnene Aktør, Innflytelse" in fragment.text

    broken = module.source + step.replace("- tabell:", "- tekst:")
    line = broken.splitlines().index("- tekst: Interessentkart {#kart}") + 1
    data["markdown"] = broken
    fragment = client.post("/instruktor/forhandsvis", data=data)
    assert f'data-line="{line}">Linje {line}</a>' in fragment.text
    assert "ukjent felttype «tekst»" in fragment.text
