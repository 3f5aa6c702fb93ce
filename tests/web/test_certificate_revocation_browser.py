"""Revoking and reissuing a certificate in a real browser, as the admin and the holder see it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from api.core.db import transaction
from api.data.models import Role
from api.services import certificates as certificate_service
from course.models import Course
from tests.factories import complete_course, make_user
from tests.web.conftest import DESKTOP, WebSite, check_page_at_both_widths
from tests.web.helpers import log_in

pytestmark = pytest.mark.browser
MESSAGE = "Navnet ditt var stavet feil. Du får et nytt kursbevis."


def test_admin_revokes_with_a_message_the_holder_reads_it_and_gets_a_new_certificate(
    page: Page, browser: Browser, site: WebSite, axe_source: str, shipped_course: Course
) -> None:
    admin = make_user(site.engine, role=Role.ADMIN, email="bevis-admin@web.no")
    holder = make_user(site.engine, full_name="Ole Olsen", email="ole-bevis@web.no")
    complete_course(site.engine, holder)
    with transaction(site.engine, write=True) as session:
        old = certificate_service.issue(session=session, user=holder, info=shipped_course.info)
        code = old.certificate.code

    log_in(page, site.url, admin.email)
    page.goto(site.url + "/admin/kursbevis")
    page.get_by_label("Koden på kursbeviset").fill(code)
    page.get_by_label("Begrunnelse (intern)").fill("Feil navn")
    page.get_by_label("Melding til innehaveren (valgfritt)").fill(MESSAGE)
    page.get_by_role("button", name="Trekk tilbake kursbeviset").click()
    expect(page.get_by_role("status")).to_contain_text(f"Melding til innehaveren: {MESSAGE}")
    expect(page.get_by_label("Koden til det tilbaketrukne kursbeviset")).to_have_value(code)
    check_page_at_both_widths(page, axe_source, "admin-kursbevis-trukket-med-melding")

    holder_context = browser.new_context(viewport=DESKTOP, locale="nb-NO")
    holder_page = holder_context.new_page()
    log_in(holder_page, site.url, holder.email)
    holder_page.goto(site.url + "/kursbevis")
    revoked = holder_page.get_by_role("heading", name="Kursbeviset ditt er trukket tilbake")
    expect(revoked).to_be_visible()
    expect(holder_page.locator("main")).to_contain_text(MESSAGE)
    expect(holder_page.get_by_role("link", name="Last ned kursbevis (PDF)")).to_have_count(0)
    check_page_at_both_widths(holder_page, axe_source, "kursbevis-trukket-tilbake")

    page.get_by_role("button", name="Utsted nytt kursbevis").click()
    expect(page.get_by_role("status")).to_contain_text("Nytt kursbevis er utstedt til Ole Olsen")
    expect(page.get_by_role("status")).to_contain_text(f"Det erstatter {code}")
    check_page_at_both_widths(page, axe_source, "admin-kursbevis-nytt")

    holder_page.reload()
    expect(holder_page.get_by_role("heading", name="Kursbeviset ditt er klart")).to_be_visible()
    with holder_page.expect_download() as download:
        holder_page.get_by_role("link", name="Last ned kursbevis (PDF)").click()
    assert code not in download.value.suggested_filename
    holder_context.close()
