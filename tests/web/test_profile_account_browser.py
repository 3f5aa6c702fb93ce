"""The profile's password form in a real browser: an error at its field, then a change; axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_user
from tests.web.conftest import WebSite, check_page_at_both_widths
from tests.web.helpers import log_in

pytestmark = pytest.mark.browser

NEW = "et-helt-nytt-passord"


def test_changing_the_password_on_the_profile_page(
    page: Page, site: WebSite, axe_source: str
) -> None:
    user = make_user(site.engine, email="profil-nettleser@web.no")
    log_in(page, site.url, user.email)
    page.goto(site.url + "/profil")
    expect(page.get_by_role("cell", name="Denne nettleseren")).to_be_visible()
    page.get_by_label("Passordet du bruker i dag").fill("feil-passord")
    page.get_by_label("Nytt passord").fill(NEW)
    page.get_by_label("Gjenta det nye passordet").fill(NEW)
    page.get_by_role("button", name="Bytt passord").click()
    expect(page.get_by_role("alert")).to_contain_text("Det nåværende passordet er feil.")
    expect(page.get_by_label("Passordet du bruker i dag")).to_have_attribute("aria-invalid", "true")
    check_page_at_both_widths(page, axe_source, "profil-passord-feil")
    page.get_by_label("Passordet du bruker i dag").fill(PASSWORD)
    page.get_by_label("Nytt passord").fill(NEW)
    page.get_by_label("Gjenta det nye passordet").fill(NEW)
    page.get_by_role("button", name="Bytt passord").click()
    expect(page.get_by_role("status")).to_contain_text("Passordet er endret")
    check_page_at_both_widths(page, axe_source, "profil-passord-endret")
