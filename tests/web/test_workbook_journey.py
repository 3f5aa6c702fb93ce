"""The workbook's whole journey on the shipped course, in Chromium: a learner fills two
steps of module 1, a colleague joins and adds to one, a stale tab meets a conflict, the
plan goes to the leader, who comments and approves, and the learner sees it."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from api.data.models import Role
from tests.factories import grant_role, make_unit, make_user
from tests.web.conftest import DESKTOP, WebSite, check_page
from tests.web.helpers import log_in

MODULE = "/moduler/hvorfor-innovasjon"
CHALLENGE = "#oppgave-m01-utfordring"
WHO = "#oppgave-m01-hvem-og-hvorfor"
QUESTION = "Hvordan kan vi gi eldre som bor alene trygge netter?"


def _saved(page: Page, step: str) -> None:
    expect(page.locator(f"{step} [data-workbook-status]")).to_contain_text("Lagret kl.")


def test_a_plan_grows_in_a_team_meets_a_conflict_and_is_approved_by_the_leader(
    own_site: WebSite, browser: Browser, axe_source: str
) -> None:
    unit = make_unit(own_site.engine, "Helse og omsorg")
    kari = make_user(own_site.engine, full_name="Kari Nordmann", unit_id=unit.id)
    ola = make_user(own_site.engine, full_name="Ola Nordmann", unit_id=unit.id)
    lise = make_user(own_site.engine, full_name="Lise Leder")
    grant_role(own_site.engine, lise, Role.LEADER, unit=unit)
    contexts = [browser.new_context(viewport=DESKTOP, locale="nb-NO") for _ in range(3)]
    k, o, leader = (context.new_page() for context in contexts)
    try:
        # Two steps of module 1, saved as Kari types.
        log_in(k, own_site.url, kari.email)
        k.goto(f"{own_site.url}{MODULE}")
        k.locator(CHALLENGE).get_by_label("Utfordringen vår: Hvordan kan vi …?").fill(QUESTION)
        k.locator(CHALLENGE).get_by_label("Problemet i dag").fill("Mange ringer om natten.")
        _saved(k, CHALLENGE)
        k.locator(WHO).get_by_label("Hvorfor nå").fill("Flere eldre bor hjemme lenger.")
        _saved(k, WHO)

        # Ola joins Kari's project and adds the goal to the first step.
        k.goto(f"{own_site.url}/mitt-prosjekt")
        k.get_by_label("Prosjektets navn").fill("Trygge netter")
        k.get_by_role("button", name="Lagre navnet").click()
        k.get_by_label("E-postadressen til en kollega i kommunen din").fill(ola.email)
        k.get_by_role("button", name="Inviter").click()
        expect(k.locator("#prosjektteamet")).to_contain_text("Invitert, har ikke svart ennå")
        stale = k.context.new_page()  # a second tab of Kari's, at the current revision
        stale.goto(f"{own_site.url}{MODULE}")
        log_in(o, own_site.url, ola.email)
        o.goto(f"{own_site.url}/mitt-prosjekt")
        o.get_by_role("button", name="Bli med i prosjektet").click()
        o.goto(f"{own_site.url}{MODULE}")
        step = o.locator(CHALLENGE)
        expect(step.get_by_label("Utfordringen vår: Hvordan kan vi …?")).to_have_value(QUESTION)
        step.get_by_label("Målet").fill("Færre utrykninger om natten.")
        _saved(o, CHALLENGE)

        # Kari's stale tab saves the same step: a conflict, not an overwrite.
        stale.locator(CHALLENGE).get_by_label("Problemet i dag").fill("Mange ringer og er redde.")
        notice = stale.get_by_role("alert")
        expect(notice).to_contain_text("Oppgaven er endret et annet sted")
        expect(notice).to_contain_text("Ola Nordmann")
        stale.get_by_role("link", name="Bruk den lagrede versjonen").click()
        expect(stale.locator(CHALLENGE).get_by_label("Målet")).to_have_value(
            "Færre utrykninger om natten."
        )
        stale.close()

        # The plan goes to the leader, who comments on the challenge and approves.
        k.goto(f"{own_site.url}/mitt-prosjekt")
        expect(k.locator("main")).to_contain_text("Skrevet av Kari Nordmann, Ola Nordmann.")
        k.get_by_role("button", name="Send til vurdering").click()
        expect(k.get_by_role("status").first).to_contain_text("sendt til vurdering")
        log_in(leader, own_site.url, lise.email)
        leader.goto(f"{own_site.url}/vurderinger")
        leader.locator("main table a").first.click()
        expect(leader.locator("main")).to_contain_text("Trygge netter")
        leader.get_by_label("Kommentar til «Utfordringen vår»").fill("Tydelig og avgrenset.")
        leader.get_by_label("Godkjent").check()
        leader.get_by_role("button", name="Lagre vurderingen").click()
        expect(leader.get_by_role("status")).to_contain_text("Vurderingen er lagret")
        leader.goto(f"{own_site.url}/mine-enheter/prosjekter")
        expect(leader.locator("main tbody tr")).to_contain_text(QUESTION)

        # Both members see the approval and the comment.
        for member in (k, o):
            member.goto(f"{own_site.url}/mitt-prosjekt")
            expect(member.locator("[data-review-status]")).to_have_text("Godkjent")
            expect(member.locator("main")).to_contain_text("Kommentar: Tydelig og avgrenset.")
        check_page(k, axe_source, "arbeidsbok-reise-godkjent")
    finally:
        for context in contexts:
            context.close()
