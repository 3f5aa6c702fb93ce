"""In a real browser: a municipal administrator builds a small tree, imports employees into
it, makes a colleague leader of one unit, and the leader sees only that part."""

from __future__ import annotations

import pytest
from playwright.sync_api import FilePayload, Page, expect

from api.data.models import Role
from tests.factories import grant_role, make_user
from tests.web.conftest import WebSite, check_page_at_both_widths
from tests.web.helpers import log_in

pytestmark = pytest.mark.browser

EMPLOYEES = (
    "navn;e-post;kommune;enhet\n"
    "Per Pleier;per.pleier@flow.no;Asker;Helse og omsorg/Hjemmetjenesten\n"
    "Hege Helse;hege.helse@flow.no;Asker;Helse og omsorg\n"
    "Lars Lærer;lars.laerer@flow.no;Asker;Oppvekst\n"
)


def _csv(text: str) -> FilePayload:
    return {"name": "ansatte.csv", "mimeType": "text/csv", "buffer": text.encode()}


def test_a_municipal_admin_builds_a_tree_grants_a_leader_who_sees_only_their_part(
    page: Page, own_site: WebSite, axe_source: str
) -> None:
    site = own_site
    boss = make_user(site.engine, full_name="Kari Kommuneadmin", email="kari@flow.no")
    grant_role(site.engine, boss, Role.MUNICIPAL_ADMIN, municipality="3203")
    colleague = make_user(site.engine, full_name="Leif Leder", email="leif@flow.no")
    make_user(site.engine, full_name="Olga Oslo", email="olga@flow.no", municipality="Oslo")

    log_in(page, site.url, boss.email)
    nav = page.get_by_role("navigation", name="Hovedmeny")
    nav.get_by_role("link", name="Administrasjon").click()
    menu = page.locator("nav.subnav")
    expect(menu.get_by_role("link", name="Brukere", exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="Kursbevis")).to_have_count(0)  # the installation's

    page.goto(f"{site.url}/admin/kommuner/3203/enheter")
    new = page.get_by_role("region", name="Ny enhet")
    for name, parent in (("Helse og omsorg", None), ("Hjemmetjenesten", "Helse og omsorg")):
        new.get_by_label("Navn").fill(name)
        if parent:
            new.get_by_label("Plassering").select_option(label=parent)
        new.get_by_role("button", name="Opprett enheten").click()
        expect(page.get_by_role("status").first).to_have_text("Enheten er opprettet.")
    new.get_by_label("Navn").fill("Oppvekst")
    new.get_by_label("Plassering").select_option(index=0)
    new.get_by_role("button", name="Opprett enheten").click()
    page.goto(f"{site.url}/admin/kommuner/0301/enheter")  # another municipality's tree
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("Oslo")

    page.goto(f"{site.url}/admin/brukere/import")
    page.get_by_label("CSV-fil med ansatte").set_input_files(
        _csv(EMPLOYEES + "Ola Oslo;ola@flow.no;Oslo;\n")
    )
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_role("alert")).to_contain_text("1 feil")
    expect(page.locator("#resultat")).to_contain_text("kommuner du administrerer")
    page.get_by_label("CSV-fil med ansatte").set_input_files(_csv(EMPLOYEES))
    page.get_by_role("button", name="Importer").click()
    expect(page.locator("#resultat").get_by_role("status")).to_contain_text("Importen er ferdig")

    page.goto(f"{site.url}/admin/brukere/{colleague.id}")
    roles = page.get_by_role("region", name="Leder- og administratorroller")
    expect(roles).to_contain_text("ingen leder- eller administratorroller")
    expect(page.get_by_role("region", name="Rolle i hele installasjonen")).to_have_count(0)
    roles.get_by_label("Ny rolle").select_option(label="Leder")
    roles.get_by_label("Gjelder for").select_option(label="Enheten Helse og omsorg")
    roles.get_by_role("button", name="Gi rollen").click()
    expect(page.get_by_role("status").first).to_have_text("Rollen er gitt.")
    expect(roles).to_contain_text("Leder for enheten Helse og omsorg med alt under")
    check_page_at_both_widths(page, axe_source, "admin-bruker-roller")
    page.get_by_role("button", name="Logg ut").click()

    log_in(page, site.url, colleague.email)
    page.get_by_role("navigation", name="Hovedmeny").get_by_role(
        "link", name="Mine enheter"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine enheter")
    table = page.locator("table.data").first
    expect(table.locator("tbody tr")).to_have_count(2)  # the unit and the one below it
    expect(table).not_to_contain_text("Oppvekst")
    check_page_at_both_widths(page, axe_source, "mine-enheter")
    table.get_by_role("link", name="Helse og omsorg", exact=True).click()
    people = page.get_by_role("region", name="Personer i Helse og omsorg")
    expect(people.get_by_role("status").first).to_have_text("2 deltakere")
    expect(people).to_contain_text("Per Pleier")
    expect(people).to_contain_text("Hege Helse")
    expect(page.locator("body")).not_to_contain_text("Lars Lærer")
    expect(page.locator("body")).not_to_contain_text("Olga Oslo")
    check_page_at_both_widths(page, axe_source, "mine-enheter-personer")
    response = page.goto(f"{site.url}/admin/brukere")
    assert response is not None and response.status == 403  # a leader administers nobody
