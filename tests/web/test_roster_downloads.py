"""The roster downloads in a real browser: progress while the file is made, errors, no JavaScript.

Responses are held or replaced with ``page.route``, so the waiting state is seen
without any timing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import openpyxl
import pytest
from playwright.sync_api import Browser, Download, Locator, Page, Route, expect

from api.data.models import Role
from tests.factories import complete_course, make_user
from tests.web.conftest import DESKTOP, WebSite, check_page
from tests.web.helpers import log_in

pytestmark = pytest.mark.browser

CSV_URL = re.compile(r"/admin/kursliste\.csv(\?|$)")
XLSX_URL = re.compile(r"/admin/kursliste\.xlsx(\?|$)")


def _roster_page(page: Page, site: WebSite, municipality: str, *, done: str, other: str) -> None:
    """Log in as a new administrator and show the roster of two learners in ``municipality``."""
    admin = make_user(site.engine, role=Role.ADMIN)
    complete_course(site.engine, make_user(site.engine, full_name=done, municipality=municipality))
    make_user(site.engine, full_name=other, municipality=municipality)
    make_user(site.engine, full_name="Annen Kommune", municipality="Berlevåg")
    log_in(page, site.url, admin.email)
    page.goto(f"{site.url}/admin/kursliste?kommune={municipality}")
    expect(page.get_by_role("region", name="Deltakere").locator("tbody tr")).to_have_count(2)


def _progress(page: Page) -> Locator:
    return page.locator(".download-status").get_by_role("status")


def _csv_names(download: Download) -> dict[str, list[str]]:
    text = download.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    return {row[0]: row for row in rows[1:]}


def _finished(download: Download) -> re.Pattern[str]:
    return re.compile(rf"^Ferdig: {re.escape(download.suggested_filename)} \(\d+\xa0kB\)$")


def test_a_held_xlsx_download_says_the_file_is_being_made_and_starts_only_once(
    page: Page, site: WebSite, axe_source: str
) -> None:
    _roster_page(page, site, "Hasvik", done="Hilde Ferdig", other="Hans Venter")
    page.get_by_label("Status").select_option(label="Fullført")
    page.get_by_role("button", name="Vis").click()
    expect(page.get_by_role("region", name="Deltakere").locator("tbody tr")).to_have_count(1)
    held: list[Route] = []
    # The request waits, unanswered, until the test releases it.
    page.route(XLSX_URL, lambda route: held.append(route))
    link = page.get_by_role("link", name="Last ned Excel (XLSX)")

    link.focus()
    page.keyboard.press("Enter")
    expect(_progress(page)).to_have_text("Lager filen …")
    expect(page.locator(".download-progress")).to_have_text(re.compile(r"^\(\d+\xa0s\)$"))
    expect(link).to_have_attribute("aria-disabled", "true")
    expect(page.get_by_role("link", name="Last ned CSV")).to_have_attribute("aria-disabled", "true")
    expect(link).to_be_focused()
    check_page(page, axe_source, "admin-kursliste-lager-filen")
    page.keyboard.press("Enter")  # a second press while the file is made starts nothing
    expect(_progress(page)).to_have_text("Lager filen …")
    assert len(held) == 1
    assert "status=completed" in held[0].request.url and "kommune=Hasvik" in held[0].request.url

    with page.expect_download() as download_info:
        held[0].fulfill(response=held[0].fetch())
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    expect(_progress(page)).to_have_text(_finished(download))
    expect(page.locator(".download-status")).to_have_attribute("data-state", "done")
    expect(link).not_to_have_attribute("aria-disabled", "true")
    expect(link).to_be_focused()
    assert len(held) == 1
    workbook = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()))
    rows = list(workbook["Deltakere"].iter_rows(values_only=True))
    header, records = list(rows[0]), {row[0]: row for row in rows[1:]}
    assert set(records) == {"Hilde Ferdig"}  # both filters applied: municipality and status
    assert records["Hilde Ferdig"][header.index("Kommune")] == "Hasvik"
    assert records["Hilde Ferdig"][header.index("Status")] == "Fullført"
    check_page(page, axe_source, "admin-kursliste-ferdig")


def test_a_refused_download_says_why_in_norwegian_and_the_link_works_again(
    page: Page, site: WebSite, axe_source: str
) -> None:
    _roster_page(page, site, "Loppa", done="Lise Ferdig", other="Lars Ustartet")
    csv_link = page.get_by_role("link", name="Last ned CSV")
    state = page.locator(".download-status")

    page.route(CSV_URL, lambda route: route.fulfill(status=422, body="<h1>Feil</h1>"))
    csv_link.click()
    expect(_progress(page)).to_have_text(re.compile(r"^Filteret kan ikke brukes"))
    expect(state).to_have_attribute("data-state", "error")
    expect(csv_link).not_to_have_attribute("aria-disabled", "true")
    check_page(page, axe_source, "admin-kursliste-nedlasting-feil")

    page.unroute(CSV_URL)
    page.route(CSV_URL, lambda route: route.fulfill(status=403, body="<h1>Ingen tilgang</h1>"))
    csv_link.click()
    expect(_progress(page)).to_have_text(re.compile(r"^Du har ikke tilgang til denne filen"))

    page.unroute(CSV_URL)
    page.route(CSV_URL, lambda route: route.abort("connectionreset"))
    csv_link.click()
    expect(_progress(page)).to_have_text(re.compile(r"^Nedlastingen ble avbrutt"))

    page.unroute(CSV_URL)
    with page.expect_download() as download_info:
        csv_link.click()
    download = download_info.value
    expect(_progress(page)).to_have_text(_finished(download))
    expect(state).to_have_attribute("data-state", "done")
    records = _csv_names(download)
    assert set(records) == {"Lise Ferdig", "Lars Ustartet"}  # the page's municipality filter


def test_a_download_after_the_session_ended_asks_to_log_in_again(page: Page, site: WebSite) -> None:
    _roster_page(page, site, "Måsøy", done="Mona Ferdig", other="Mats Ustartet")
    page.context.clear_cookies()  # the server now redirects the download to the login form
    page.get_by_role("link", name="Last ned Excel (XLSX)").click()
    expect(_progress(page)).to_have_text(re.compile(r"^Du er ikke lenger logget inn"))
    expect(page.get_by_role("link", name="Last ned Excel (XLSX)")).not_to_have_attribute(
        "aria-disabled", "true"
    )


@pytest.fixture
def page_without_javascript(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport=DESKTOP, locale="nb-NO", accept_downloads=True, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_without_javascript_the_roster_links_are_plain_downloads(
    page_without_javascript: Page, site: WebSite
) -> None:
    page = page_without_javascript
    _roster_page(page, site, "Gamvik", done="Gunn Ferdig", other="Geir Ustartet")
    expect(page.locator(".download-status")).to_have_count(0)
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Last ned CSV").click()
    records = _csv_names(csv_download.value)
    assert set(records) == {"Gunn Ferdig", "Geir Ustartet"}
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Last ned Excel (XLSX)").click()
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_download.value.path().read_bytes()))
    names = {row[0] for row in workbook["Deltakere"].iter_rows(min_row=2, values_only=True)}
    assert names == {"Gunn Ferdig", "Geir Ustartet"}
