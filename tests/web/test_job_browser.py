"""Background jobs in a real browser, with a worker beside the server: the roster made as a
file in the background, a job's page following its progress, cancel and retry, and the
same without JavaScript."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from api.data.models import Job, JobState, Role, User
from api.services import job_tasks
from tests.factories import complete_course, make_user
from tests.web import job_factories
from tests.web.conftest import DESKTOP, JobWorker, WebSite, check_page, check_page_at_both_widths
from tests.web.helpers import log_in

pytestmark = pytest.mark.browser
JOB_PAGE = re.compile(r"/admin/jobber/(\d+)\?melding=startet#status$")


def _admin_with_roster(page: Page, site: WebSite) -> User:
    """Log in as a new administrator, with two learners in Hasvik and one elsewhere."""
    admin = make_user(site.engine, role=Role.ADMIN)
    complete_course(
        site.engine, make_user(site.engine, full_name="Hilde Ferdig", municipality="Hasvik")
    )
    make_user(site.engine, full_name="Hans Venter", municipality="Hasvik")
    make_user(site.engine, full_name="Annen Kommune", municipality="Berlevåg")
    log_in(page, site.url, admin.email)
    return admin


def _state(site: WebSite, job_id: int) -> str:
    with Session(site.engine) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job.state


def _job_id(page: Page) -> int:
    match = JOB_PAGE.search(page.url)
    assert match is not None, page.url
    return int(match.group(1))


def test_an_admin_makes_the_roster_as_excel_in_the_background_and_downloads_it(
    page: Page, own_site: WebSite, job_worker: JobWorker, axe_source: str
) -> None:
    site = own_site
    _admin_with_roster(page, site)
    page.goto(f"{site.url}/admin/kursliste?kommune=Hasvik&status=completed")
    expect(page.get_by_role("region", name="Deltakere").locator("tbody tr")).to_have_count(1)

    page.get_by_role("button", name="Lag Excel-fil i bakgrunnen").click()
    expect(page).to_have_url(JOB_PAGE)
    job_id = _job_id(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kursliste som Excel-fil")
    expect(page.locator("#status").get_by_role("status")).to_contain_text("Jobben er bestilt")
    section = page.locator("#jobb")
    expect(section.locator("[data-job-state]")).to_have_text("I kø")
    expect(section.get_by_text("Siden viser hvor langt jobben har kommet")).to_be_visible()
    progress = page.get_by_label("Fremdrift")
    expect(progress).not_to_have_attribute("value", re.compile("."))  # not started yet
    expect(section.get_by_role("link", name=re.compile("^Last ned"))).to_have_count(0)
    check_page_at_both_widths(page, axe_source, "admin-jobb-i-ko")

    job_worker.start()  # the page, already open, follows the job to its end
    expect(page.locator("#jobb-nytt")).to_have_text(
        "Jobben er ferdig. Filen er klar til nedlasting.", timeout=20_000
    )
    expect(page.locator("#jobb [data-job-state]")).to_have_text("Ferdig")
    expect(page.get_by_label("Fremdrift")).to_have_attribute("value", "100")
    link = page.locator("#jobb").get_by_role(
        "link", name=re.compile(r"^Last ned deltakere-.*\.xlsx$")
    )
    expect(link).to_be_visible()
    expect(page.locator("#jobb").get_by_role("button", name="Avbryt")).to_have_count(0)
    check_page(page, axe_source, "admin-jobb-ferdig")

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()))
    rows = list(workbook["Deltakere"].iter_rows(values_only=True))
    header, records = list(rows[0]), {row[0]: row for row in rows[1:]}
    assert set(records) == {"Hilde Ferdig"}  # both of the page's filters
    assert records["Hilde Ferdig"][header.index("Kommune")] == "Hasvik"
    assert records["Hilde Ferdig"][header.index("Status")] == "Fullført"

    page.get_by_role("link", name="Alle jobber").click()
    row = (
        page.get_by_role("region", name="Jobber")
        .locator("tbody tr")
        .filter(has_text=f"Nr. {job_id}")
    )
    expect(row.get_by_role("rowheader")).to_contain_text("Kursliste som Excel-fil")
    expect(row).to_contain_text("Ferdig")
    expect(row).to_contain_text("1 av")
    expect(row).to_contain_text("100\xa0%")
    expect(row.get_by_role("link", name=re.compile("^Last ned"))).to_have_attribute(
        "href", f"/admin/jobber/{job_id}/fil"
    )
    expect(page.locator("nav.subnav [aria-current=page]")).to_have_text("Jobber")
    check_page_at_both_widths(page, axe_source, "admin-jobber")


def test_the_job_page_shows_a_running_jobs_progress_and_stops_it_on_cancel(
    page: Page, own_site: WebSite, job_worker: JobWorker, axe_source: str
) -> None:
    site = own_site
    admin = make_user(site.engine, role=Role.ADMIN)
    log_in(page, site.url, admin.email)
    job_id = job_factories.enqueue(
        site.engine, payload={"seconds": 30, "steps": 60}, created_by=admin.id
    )
    page.goto(f"{site.url}/admin/jobber/{job_id}")
    job_worker.start()
    section = page.locator("#jobb")
    expect(section.locator("[data-job-state]")).to_have_text("Kjører", timeout=10_000)
    expect(page.locator("#jobb-nytt")).to_have_text("Status: Kjører")
    # The worker's progress, as the page's script reads it: between the first step and the end.
    expect(page.get_by_label("Fremdrift")).to_have_attribute("value", re.compile(r"^[1-9]\d?$"))
    expect(section.locator("[data-job-progress]")).to_have_text(re.compile(r"^\d+\xa0%: venter$"))
    check_page(page, axe_source, "admin-jobb-kjorer")

    page.get_by_role("button", name="Avbryt").click()
    expect(page.locator("#status").get_by_role("status")).to_have_text(
        "Jobben er bedt om å stoppe. Den stopper ved neste trinn."
    )
    expect(page.locator("#jobb [data-job-state]")).to_have_text("Avbrutt", timeout=10_000)
    expect(page.locator("#jobb-nytt")).to_have_text("Status: Avbrutt")
    expect(page.locator("#jobb").get_by_role("button", name="Prøv igjen")).to_be_visible()
    assert _state(site, job_id) == JobState.CANCELLED


def test_cancel_a_queued_job_and_retry_a_dead_one_from_the_list(
    page: Page, own_site: WebSite, job_worker: JobWorker, axe_source: str
) -> None:
    site = own_site
    admin = make_user(site.engine, role=Role.ADMIN)
    waiting = job_factories.enqueue(site.engine, later=True, created_by=admin.id)
    failed = job_factories.dead(
        site.engine, "Traceback …\nRuntimeError: <disken> er full", payload={"seconds": 2}
    )
    job_worker.start()
    log_in(page, site.url, admin.email)
    page.goto(f"{site.url}/admin/jobber")
    table = page.get_by_role("region", name="Jobber")
    expect(table.locator("tbody tr").filter(has_text=f"Nr. {failed}")).to_contain_text("Mislyktes")
    expect(table).to_contain_text("RuntimeError: <disken> er full")  # shown as text
    check_page(page, axe_source, "admin-jobber-feil-og-ko")

    table.get_by_role("button", name=f"Avbryt jobb {waiting}").click()
    expect(page.get_by_role("status").first).to_have_text("Jobben er avbrutt og blir ikke kjørt.")
    expect(page.locator("#jobb [data-job-state]")).to_have_text("Avbrutt")
    assert _state(site, waiting) == JobState.CANCELLED

    page.get_by_role("link", name="Alle jobber").click()
    page.get_by_label("Status").select_option(label="Mislyktes")
    page.get_by_role("button", name="Vis").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    table.get_by_role("button", name=f"Prøv igjen jobb {failed}").click()
    expect(page.get_by_role("status").first).to_have_text(
        "Jobben er lagt i kø igjen, med alle forsøkene."
    )
    # The worker runs it again (for two seconds), and this time it works; the page follows.
    expect(page.locator("#jobb [data-job-state]")).to_have_text("Ferdig", timeout=15_000)
    expect(page.locator("#jobb-nytt")).to_have_text("Jobben er ferdig.")
    assert _state(site, failed) == JobState.SUCCEEDED


def test_the_certificates_button_starts_the_zip_and_the_job_page_follows_it(
    page: Page, own_site: WebSite, job_worker: JobWorker
) -> None:
    site = own_site
    admin = make_user(site.engine, role=Role.ADMIN)
    log_in(page, site.url, admin.email)
    page.goto(f"{site.url}/admin/kursbevis")
    page.get_by_role("button", name="Lag alle kursbevis som ZIP").click()
    expect(page).to_have_url(JOB_PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Alle kursbevis som ZIP")
    with Session(site.engine) as session:
        job = session.get(Job, _job_id(page))
        assert job is not None and job.kind == job_tasks.CERTIFICATES_RENDER_ALL
    job_worker.start()
    expect(page.locator("#jobb [data-job-state]")).to_have_text("Ferdig", timeout=30_000)
    expect(
        page.locator("#jobb").get_by_role("link", name=re.compile(r"kursbevis-.*\.zip$"))
    ).to_be_visible()


@pytest.fixture
def page_without_javascript(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport=DESKTOP, locale="nb-NO", accept_downloads=True, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_without_javascript_the_job_page_is_reloaded_by_a_link_until_the_file_is_ready(
    page_without_javascript: Page, own_site: WebSite, job_worker: JobWorker
) -> None:
    page, site = page_without_javascript, own_site
    _admin_with_roster(page, site)
    page.goto(f"{site.url}/admin/kursliste?kommune=Hasvik")
    page.get_by_role("button", name="Lag CSV-fil i bakgrunnen").click()
    expect(page).to_have_url(JOB_PAGE)
    refresh = page.get_by_role("link", name="Oppdater siden")
    expect(refresh).to_be_visible()
    expect(page.locator("#jobb [data-job-state]")).to_have_text("I kø")

    job_worker.start()
    link = page.locator("#jobb").get_by_role(
        "link", name=re.compile(r"^Last ned deltakere-.*\.csv$")
    )
    for _ in range(40):
        if link.count():
            break
        page.wait_for_timeout(250)
        refresh.click()
    expect(link).to_be_visible()
    expect(page.locator("#jobb [data-job-state]")).to_have_text("Ferdig")
    expect(refresh).to_have_count(0)
    with page.expect_download() as download_info:
        link.click()
    text = download_info.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert sorted(row[0] for row in rows[1:]) == ["Hans Venter", "Hilde Ferdig"]


def test_a_learner_gets_no_admin_job_page_and_no_one_elses_job(
    page: Page, own_site: WebSite, job_worker: JobWorker
) -> None:
    site = own_site
    admin = make_user(site.engine, role=Role.ADMIN)
    export = job_factories.enqueue(
        site.engine,
        kind=job_tasks.ROSTER_EXPORT,
        payload={"filters": {}, "format": "csv", "delimiter": "semicolon"},
        created_by=admin.id,
    )
    job_worker.start()
    learner = make_user(site.engine, full_name="Lars Deltaker")
    log_in(page, site.url, learner.email)
    for path in ("/admin/jobber", f"/admin/jobber/{export}", f"/admin/jobber/{export}/status"):
        response = page.goto(site.url + path)
        assert response is not None and response.status == 403, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Ingen tilgang")
    for _ in range(40):
        if _state(site, export) == JobState.SUCCEEDED:
            break
        page.wait_for_timeout(250)
    assert _state(site, export) == JobState.SUCCEEDED
    file = page.request.get(f"{site.url}/admin/jobber/{export}/fil")
    assert file.status == 403 and "Ingen tilgang" in file.text()
    # The JSON API does not take the page's cookie either (and answers 404 to strangers).
    assert page.request.get(f"{site.url}/api/v1/jobs/{export}/file").status == 401
