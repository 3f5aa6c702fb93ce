"""Feedback in the browser: a learner submits the plan, the leader approves it with a
comment, the learner sees it; axe on the review and portfolio pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from api.app import create_app
from api.data.models import Role
from course.loader import load_course
from tests.conftest import LiveServer
from tests.factories import grant_role, make_unit, make_user
from tests.web.conftest import DESKTOP, WebSite, check_page, new_web_engine, web_settings
from tests.web.helpers import log_in

REVIEW_COURSE = Path(__file__).parents[1] / "api" / "fixtures" / "review_course"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[WebSite]:
    course = load_course(REVIEW_COURSE).course
    assert course is not None
    engine = new_web_engine(tmp_path, course)
    settings = web_settings(tmp_path).model_copy(update={"content_dir": REVIEW_COURSE})
    app = create_app(settings, engine=engine)
    with LiveServer(app) as server:
        yield WebSite(app, engine, server)
    engine.dispose()


def test_a_learner_submits_the_leader_approves_with_a_comment_and_the_learner_sees_it(
    site: WebSite, browser: Browser, axe_source: str
) -> None:
    unit = make_unit(site.engine, "Helse og omsorg")
    learner = make_user(site.engine, unit_id=unit.id)
    leader = make_user(site.engine, full_name="Lise Leder")
    grant_role(site.engine, leader, Role.LEADER, unit=unit)
    learner_page = browser.new_context(viewport=DESKTOP, locale="nb-NO").new_page()
    leader_page = browser.new_context(viewport=DESKTOP, locale="nb-NO").new_page()
    try:
        log_in(learner_page, site.url, learner.email)
        learner_page.goto(f"{site.url}/moduler/planlegge")
        learner_page.get_by_label("Prosjektets navn").fill("Trygg hjemme")
        learner_page.get_by_label("Utfordringen").fill("Hvordan kan vi gi trygghet om natten?")
        learner_page.locator("#oppgave-m01-prosjekt").get_by_role(
            "button", name="Lagre oppgaven"
        ).click()
        expect(learner_page).to_have_url(f"{site.url}/moduler/planlegge?lagret=m01-prosjekt"
                                         "#oppgave-m01-prosjekt")  # fmt: skip
        learner_page.goto(f"{site.url}/mitt-prosjekt")
        learner_page.get_by_role("button", name="Send til vurdering").click()
        expect(learner_page.get_by_role("status")).to_contain_text("sendt til vurdering")

        log_in(leader_page, site.url, leader.email)
        leader_page.goto(f"{site.url}/vurderinger")
        check_page(leader_page, axe_source, "vurderinger")
        leader_page.locator("main table a").first.click()
        expect(leader_page.locator("main")).to_contain_text("Trygg hjemme")
        check_page(leader_page, axe_source, "vurdering")
        leader_page.get_by_label("Kommentar til «Beskriv prosjektet»").fill("Godt formulert.")
        leader_page.get_by_label("Godkjent").check()
        leader_page.get_by_role("button", name="Lagre vurderingen").click()
        expect(leader_page.get_by_role("status")).to_contain_text("Vurderingen er lagret")
        leader_page.goto(f"{site.url}/mine-enheter/prosjekter")
        row = leader_page.locator("main tbody tr")
        expect(row).to_contain_text("gi trygghet om natten")
        expect(row).to_contain_text("Godkjent")
        check_page(leader_page, axe_source, "prosjekter")

        learner_page.reload()
        expect(learner_page.locator("[data-review-status]")).to_have_text("Godkjent")
        expect(learner_page.locator("main")).to_contain_text("Kommentar: Godt formulert.")
        learner_page.goto(f"{site.url}/moduler/planlegge")  # and on the step itself
        step = learner_page.locator("#oppgave-m01-prosjekt")
        expect(step).to_contain_text("Vurdering av planen: Godkjent")
        expect(step).to_contain_text("Kommentar: Godt formulert.")
    finally:
        learner_page.context.close()
        leader_page.context.close()
