"""An administrator's work in a real browser: import, roster downloads, accounts, certificates."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from playwright.sync_api import FilePayload, Page, expect
from sqlmodel import Session, col, select

from api.core.db import transaction
from api.data.models import Certificate, Role, User
from api.services import certificates as certificate_service
from certificates.codes import new_code
from course.models import Course
from tests.factories import complete_course, make_unit, make_user
from tests.web.conftest import WebSite, check_page_at_both_widths, screenshot
from tests.web.helpers import log_in

pytestmark = pytest.mark.browser

HEADER = "e-post;navn;kommune;kommunenummer;avdeling;rolle\n"
BAD_FILE = HEADER + (
    "ola@vadso.kommune.no;Ola Nordmann;Vadsø;5607;Skole;deltaker\n"
    "ikke-en-epost;Per Feil;Vadsø;;;deltaker\n"
    "kari@vadso.kommune.no;;Vadsø;;;\n"
    "nils@vadso.kommune.no;Nils Nilsen;Vadsø;56;;\n"
    "siri@vadso.kommune.no;Siri Sjef;Vadsø;;;sjef\n"
)
BAD_ROWS = [
    ("3", "e-post", "Ugyldig e-postadresse «ikke-en-epost»"),
    ("4", "navn", "Navnet mangler"),
    ("5", "kommunenummer", "fire sifre, ikke «56»"),
    ("6", "rolle", "Ukjent rolle «sjef»"),
]
GOOD_EMAILS = ["ase@vadso.kommune.no", "mattis@vadso.kommune.no", "inga@vadso.kommune.no"]
GOOD_FILE = HEADER + (
    "ase@vadso.kommune.no;Åse Ødegård;Vadsø;5607;Helse og omsorg;deltaker\n"
    "mattis@vadso.kommune.no;Mattis Áigin Čuđe;Vadsø;5607;Skole;deltaker\n"
    "inga@vadso.kommune.no;Inga Instruktør;Vadsø;5607;;instruktør\n"
)


def _csv_file(text: str, name: str = "ansatte.csv") -> FilePayload:
    return {"name": name, "mimeType": "text/csv", "buffer": ("\ufeff" + text).encode()}


def _users(site: WebSite, emails: list[str]) -> list[User]:
    with Session(site.engine) as session:
        query = select(User).where(col(User.email).in_(emails)).order_by(col(User.email))
        return list(session.exec(query).all())


def test_admin_checks_a_csv_with_a_dry_run_imports_it_and_a_reimport_updates(
    page: Page, site: WebSite, axe_source: str
) -> None:
    admin = make_user(site.engine, role=Role.ADMIN, email="import-admin@web.no")
    units = {
        name: make_unit(site.engine, name, municipality_number="5607")
        for name in ("Helse og omsorg", "Skole", "Barnehage")
    }
    log_in(page, site.url, admin.email)
    page.get_by_role("navigation", name="Hovedmeny").get_by_role(
        "link", name="Administrasjon"
    ).click()
    page.get_by_role("navigation", name="Administrasjon").get_by_role(
        "link", name="Importer brukere"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer brukere fra CSV")
    form = page.locator("form[enctype='multipart/form-data']")
    expect(form).to_have_attribute("data-busy", "Leser filen…")  # app.js shows it while sending
    check_page_at_both_widths(page, axe_source, "admin-import")

    page.get_by_label("CSV-fil med ansatte").set_input_files(_csv_file(BAD_FILE))
    page.get_by_role("button", name="Prøvekjør").click()
    expect(page.get_by_role("alert")).to_contain_text("Prøvekjøringen fant 4 feil")
    rows = page.get_by_role("table", name="Feil i ansatte.csv").locator("tbody tr")
    expect(rows).to_have_count(len(BAD_ROWS))
    for row, (line, column, message) in zip(rows.all(), BAD_ROWS, strict=True):
        expect(row.locator("th")).to_have_text(line)
        expect(row.locator("td").nth(0)).to_have_text(column)
        expect(row.locator("td").nth(1)).to_contain_text(message)
    assert _users(site, ["ola@vadso.kommune.no"]) == []
    check_page_at_both_widths(page, axe_source, "admin-import-feil")

    # Importing the bad file for real imports nothing either.
    page.get_by_label("CSV-fil med ansatte").set_input_files(_csv_file(BAD_FILE))
    page.get_by_role("button", name="Importer", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Filen har 4 feil")
    assert _users(site, ["ola@vadso.kommune.no"]) == []

    page.get_by_label("CSV-fil med ansatte").set_input_files(_csv_file(GOOD_FILE))
    page.get_by_role("button", name="Importer", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("3 brukere opprettet, 0 oppdatert")
    codes = page.get_by_role("table", name="Passordkoder").locator("tbody tr")
    expect(codes).to_have_count(3)
    for row in codes.all():
        code = row.locator("code").inner_text()
        assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    created = _users(site, GOOD_EMAILS)
    assert [u.full_name for u in created] == ["Åse Ødegård", "Inga Instruktør", "Mattis Áigin Čuđe"]
    assert created[1].role == Role.INSTRUCTOR
    check_page_at_both_widths(page, axe_source, "admin-import-ferdig")
    link = codes.first.locator("td.url").inner_text()

    changed = GOOD_FILE.replace("Helse og omsorg", "Barnehage")
    page.get_by_label("CSV-fil med ansatte").set_input_files(_csv_file(changed))
    page.get_by_role("button", name="Importer", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        "0 brukere opprettet, 1 oppdatert og 2 uendret"
    )
    again = _users(site, GOOD_EMAILS)
    assert [u.id for u in again] == [u.id for u in created]
    assert again[0].unit_id == units["Barnehage"].id

    # The new employee opens the link and chooses a password.
    page.goto(link)
    check_page_at_both_widths(page, axe_source, "passord")
    page.get_by_label("Nytt passord").fill("et-langt-nytt-passord")
    page.get_by_label("Gjenta passordet").fill("et-annet-passord")
    page.get_by_role("button", name="Lagre passord").click()
    expect(page.get_by_label("Gjenta passordet")).to_have_attribute("aria-invalid", "true")
    check_page_at_both_widths(page, axe_source, "passord-feil")
    page.get_by_label("Nytt passord").fill("et-langt-nytt-passord")
    page.get_by_label("Gjenta passordet").fill("et-langt-nytt-passord")
    page.get_by_role("button", name="Lagre passord").click()
    expect(page.get_by_role("status")).to_contain_text("Passordet er lagret")


def _oslo_today() -> date:
    return datetime.now(ZoneInfo("Europe/Oslo")).date()


def test_admin_filters_the_roster_and_downloads_it_as_csv_and_xlsx(
    page: Page, site: WebSite, axe_source: str
) -> None:
    admin = make_user(site.engine, role=Role.ADMIN, email="roster-admin@web.no")
    done = make_user(site.engine, full_name="Berit Ferdig", municipality="Vardø")
    make_user(site.engine, full_name="Anders Ustartet", municipality="Vardø")
    make_user(site.engine, full_name="Elsewhere Person", municipality="Båtsfjord")
    # The roster gives dates in Norwegian time; the day may turn while the test runs.
    days = {_oslo_today()}
    complete_course(site.engine, done)
    days.add(_oslo_today())
    log_in(page, site.url, admin.email)
    page.goto(site.url + "/admin/kursliste")
    page.get_by_label("Kommune").fill("Vardø")
    page.get_by_role("button", name="Vis").click()
    table = page.get_by_role("region", name="Deltakere")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(page.get_by_role("status").filter(has_text="deltakere")).to_have_text("2 deltakere")
    check_page_at_both_widths(page, axe_source, "admin-kursliste")

    # download.js fetches the file and says so in a live region beside the links.
    progress = page.locator(".download-status").get_by_role("status")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Last ned CSV").click()
    assert re.fullmatch(r"deltakere-\d{4}-\d{2}-\d{2}\.csv", csv_download.value.suggested_filename)
    finished = rf"^Ferdig: {re.escape(csv_download.value.suggested_filename)} \(\d+\xa0kB\)$"
    expect(progress).to_have_text(re.compile(finished))
    data = csv_download.value.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for æ, ø, å
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, records = rows[0], {row[0]: row for row in rows[1:]}
    assert header[:3] == ["Navn", "E-post", "Kommune"]
    assert set(records) == {"Anders Ustartet", "Berit Ferdig"}
    assert records["Berit Ferdig"][header.index("Status")] == "Fullført"
    assert records["Berit Ferdig"][header.index("Fullført")] in {day.isoformat() for day in days}
    assert records["Anders Ustartet"][header.index("Status")] == "Ikke startet"

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Last ned Excel (XLSX)").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    expect(progress).to_have_text(
        re.compile(rf"^Ferdig: {re.escape(xlsx_download.value.suggested_filename)} \(\d+\xa0kB\)$")
    )
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_download.value.path().read_bytes()))
    sheet_rows = list(workbook["Deltakere"].iter_rows(values_only=True))
    names = list(sheet_rows[0])
    by_name = {row[0]: row for row in sheet_rows[1:]}
    assert set(by_name) == {"Anders Ustartet", "Berit Ferdig"}
    assert by_name["Berit Ferdig"][names.index("Status")] == "Fullført"
    completed = by_name["Berit Ferdig"][names.index("Fullført")]
    assert completed is not None and completed.date() in days  # a real date cell

    page.get_by_label("Status").select_option(label="Fullført")
    page.get_by_role("button", name="Vis").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Berit Ferdig")

    page.get_by_role("navigation", name="Administrasjon").get_by_role(
        "link", name="Kommuner"
    ).click()
    vardo = page.get_by_role("row", name=re.compile(r"^Vardø"))
    expect(vardo.locator("td")).to_have_text(["Finnmark", "2", "1", "1", "50 %"])
    check_page_at_both_widths(page, axe_source, "admin-kommuner")


def test_admin_deactivates_and_reactivates_a_user_and_revokes_a_certificate(
    page: Page, site: WebSite, axe_source: str, shipped_course: Course
) -> None:
    admin = make_user(site.engine, role=Role.ADMIN, email="users-admin@web.no")
    learner = make_user(site.engine, full_name="Tora Tilgang", email="tora@web.no")
    complete_course(site.engine, learner)
    with transaction(site.engine, write=True) as session:
        issued = certificate_service.issue(session=session, user=learner, info=shipped_course.info)
        code = issued.certificate.code
    log_in(page, site.url, admin.email)

    page.goto(site.url + "/admin/brukere")
    page.get_by_label("Navn eller e-post").fill("Tora")
    page.get_by_role("button", name="Søk").click()
    page.get_by_role("link", name="Tora Tilgang").click()
    page.get_by_role("button", name="Deaktiver kontoen").click()
    expect(page.get_by_role("status")).to_contain_text("Kontoen er deaktivert")
    assert _users(site, [learner.email])[0].is_active is False
    screenshot(page, "admin-bruker-deaktivert")
    page.get_by_role("button", name="Aktiver kontoen").click()
    expect(page.get_by_role("status")).to_contain_text("Kontoen er aktivert igjen")
    assert _users(site, [learner.email])[0].is_active is True
    check_page_at_both_widths(page, axe_source, "admin-bruker")

    page.get_by_role("navigation", name="Administrasjon").get_by_role(
        "link", name="Kursbevis"
    ).click()
    code_field = page.get_by_label("Koden på kursbeviset")
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    code_field.fill(typo)
    page.get_by_label("Begrunnelse").fill("Utstedt ved en feil")
    page.get_by_role("button", name="Trekk tilbake kursbeviset").click()
    expect(code_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#kode-feil")).to_contain_text("kontrolltegnet stemmer ikke")
    check_page_at_both_widths(page, axe_source, "admin-kursbevis-feil")

    code_field.fill(new_code())
    page.get_by_role("button", name="Trekk tilbake kursbeviset").click()
    expect(page.locator("#kode-feil")).to_contain_text("Fant ikke noe kursbevis med denne koden")

    code_field.fill(code.replace("-", "").lower())
    page.get_by_role("button", name="Trekk tilbake kursbeviset").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Kursbeviset {code} (Tora Tilgang) er trukket"
    )
    with Session(site.engine) as session:
        certificate = session.exec(select(Certificate).where(Certificate.code == code)).one()
    assert certificate.revoked_at is not None
    assert certificate.revoked_reason == "Utstedt ved en feil"
    check_page_at_both_widths(page, axe_source, "admin-kursbevis-trukket")
    page.get_by_role("link", name="Se kontrollsiden").click()
    expect(page.locator("main")).to_contain_text("trukket tilbake")

    page.goto(site.url + "/admin/logg")
    page.get_by_label("Utført av (e-post)").fill(admin.email)
    page.get_by_label("Handling").select_option(label="Kursbevis trukket tilbake")
    page.get_by_role("button", name="Vis").click()
    outcomes = page.get_by_role("region", name="Hendelser i loggen").locator("tbody tr")
    expect(outcomes).to_have_count(3)  # two refusals (failed) and the revocation
    expect(outcomes.first).to_contain_text("Utført")
    expect(outcomes.nth(1)).to_contain_text("Mislyktes")
