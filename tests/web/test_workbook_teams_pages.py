"""A team project in the browser: Kari invites Ola, Ola joins and adds to the step Kari
wrote, and each sees who wrote what; axe on the pages touched."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from api.app import create_app
from course.loader import load_course
from tests.conftest import LiveServer
from tests.factories import make_user
from tests.web.conftest import DESKTOP, WebSite, check_page, new_web_engine, web_settings
from tests.web.helpers import log_in

WORKBOOK_COURSE = Path(__file__).parents[1] / "course" / "fixtures" / "workbook_course"
STEP = "#oppgave-m01-prosjekt"


@pytest.fixture
def team_site(tmp_path: Path) -> Iterator[WebSite]:
    course = load_course(WORKBOOK_COURSE).course
    assert course is not None
    engine = new_web_engine(tmp_path, course)
    app = create_app(web_settings(tmp_path), engine=engine)
    with LiveServer(app) as server:
        yield WebSite(app, engine, server)
    engine.dispose()


def _saved(page: Page) -> None:
    expect(page.locator(f"{STEP} [data-workbook-status]")).to_contain_text("Lagret kl.")


def test_two_members_write_in_one_step_and_see_who_wrote_what(
    team_site: WebSite, browser: Browser, axe_source: str
) -> None:
    kari = make_user(team_site.engine, full_name="Kari Nordmann")
    ola = make_user(team_site.engine, full_name="Ola Nordmann")
    first = browser.new_context(viewport=DESKTOP, locale="nb-NO")
    second = browser.new_context(viewport=DESKTOP, locale="nb-NO")
    try:
        k = first.new_page()
        log_in(k, team_site.url, kari.email)
        k.goto(f"{team_site.url}/moduler/planlegge")
        k.locator(STEP).get_by_label("Utfordringen").fill("Mange faller hjemme om natten.")
        _saved(k)
        k.goto(f"{team_site.url}/mitt-prosjekt")
        k.get_by_label("Prosjektets navn").fill("Trygg natt")
        k.get_by_role("button", name="Lagre navnet").click()
        expect(k.get_by_role("heading", level=1)).to_have_text("Mitt prosjekt: Trygg natt")
        k.get_by_label("E-postadressen til en kollega i kommunen din").fill(ola.email)
        k.get_by_role("button", name="Inviter").click()
        expect(k.get_by_role("status").last).to_contain_text("har hen fått en invitasjon")
        expect(k.locator("#prosjektteamet")).to_contain_text("Invitert, har ikke svart ennå")
        check_page(k, axe_source, "prosjektteam-invitert")

        o = second.new_page()
        log_in(o, team_site.url, ola.email)
        o.goto(f"{team_site.url}/mitt-prosjekt")
        expect(o.locator("main")).to_contain_text("Kari Nordmann har invitert deg")
        check_page(o, axe_source, "prosjektteam-invitasjon")
        o.get_by_role("button", name="Bli med i prosjektet").click()
        expect(o.get_by_role("heading", level=1)).to_have_text("Mitt prosjekt: Trygg natt")
        o.goto(f"{team_site.url}/moduler/planlegge")
        step = o.locator(STEP)
        expect(step.get_by_label("Utfordringen")).to_have_value("Mange faller hjemme om natten.")
        expect(step).to_contain_text("Skrevet av Kari Nordmann.")
        step.get_by_label("Hvem berøres?").fill("Eldre som bor alene\nPårørende")
        _saved(o)

        k.goto(f"{team_site.url}/moduler/planlegge")
        expect(k.locator(STEP).get_by_label("Hvem berøres?")).to_have_value(
            "Eldre som bor alene\nPårørende"
        )
        expect(k.locator(STEP)).to_contain_text("Skrevet av Kari Nordmann, Ola Nordmann.")
        expect(k.locator(STEP)).to_contain_text("Sist endret av Ola Nordmann")
        check_page(k, axe_source, "prosjektteam-modul")
        k.goto(f"{team_site.url}/mitt-prosjekt")
        expect(k.locator("main")).to_contain_text("Sist endret av Ola Nordmann")
        expect(k.get_by_role("button", name="Fjern Ola Nordmann fra prosjektet")).to_be_visible()
        check_page(k, axe_source, "prosjektteam-mitt-prosjekt")
    finally:
        first.close()
        second.close()
