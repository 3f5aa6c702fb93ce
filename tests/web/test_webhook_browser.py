"""The webhook page in a real browser, checked with axe: empty, with a new endpoint and its
secret, a refused form, and the delivery log after a test message reached a receiver."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from api.data.models import Role
from api.services.worker import Worker
from tests.factories import make_user
from tests.web.conftest import WebSite, check_page, check_page_at_both_widths
from tests.web.helpers import log_in
from tests.webhooks.receiver import running_receiver, verify_with_npm

pytestmark = pytest.mark.browser


def test_an_admin_adds_an_endpoint_and_sends_it_a_test_message(
    page: Page, own_site: WebSite, axe_source: str
) -> None:
    admin = make_user(own_site.engine, role=Role.ADMIN)
    log_in(page, own_site.url, admin.email)
    page.goto(own_site.url + "/admin/webhooks")
    expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
    check_page_at_both_widths(page, axe_source, "admin-webhooks-tom")

    page.get_by_label("Adresse").fill("http://hr.example.no/h")
    page.get_by_role("button", name="Legg til").click()
    expect(page.get_by_text("Adressen må bruke https://")).to_be_visible()
    check_page(page, axe_source, "admin-webhooks-feil")

    with running_receiver() as receiver:
        page.get_by_label("Adresse").fill(receiver.url)
        page.get_by_label("Kursbevis trukket tilbake").uncheck()
        page.get_by_label("Beskrivelse (valgfritt)").fill("HR-systemet")
        page.get_by_role("button", name="Legg til").click()
        secret = page.locator("code.secret").inner_text()
        assert secret.startswith("whsec_")
        check_page_at_both_widths(page, axe_source, "admin-webhooks-ny")

        page.get_by_role("button", name="Send testmelding").click()
        expect(page.get_by_text("Testmeldingen er lagt i kø")).to_be_visible()
        settings = own_site.app.state.settings
        Worker(own_site.engine, settings, schedules=()).drain()
        page.reload()

    (result,) = verify_with_npm(secret, receiver.requests)
    assert result["ok"], result
    expect(
        page.get_by_role("cell", name=receiver.requests[0].headers["webhook-id"])
    ).to_be_visible()
    expect(page.locator("code.secret")).to_have_count(0)
    check_page_at_both_widths(page, axe_source, "admin-webhooks-leveringer")
