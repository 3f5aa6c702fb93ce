"""The units page over plain HTTP (forms, refusals, roles), a person's unit on the user page,
and in a real browser: an administrator builds a small tree and imports a CSV."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import FilePayload, Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.data.models import AuditEvent, OrgUnit, Role, User
from tests.factories import make_unit, make_user
from tests.web.conftest import WebSite, check_page_at_both_widths
from tests.web.helpers import log_in as browser_log_in
from tests.web.test_web_security import csrf_from, log_in

PAGE = "/admin/kommuner/3203/enheter"


def _admin(client: TestClient, engine: Engine) -> str:
    admin = make_user(engine, role=Role.ADMIN, full_name="Ada Admin")
    log_in(client, admin.email)
    return csrf_from(client, PAGE)


def _units(engine: Engine) -> dict[str, OrgUnit]:
    with Session(engine) as session:
        return {u.name: u for u in session.exec(select(OrgUnit))}


def test_the_forms_create_change_move_and_close_units(client: TestClient, engine: Engine) -> None:
    token = _admin(client, engine)

    def post(action: str, **data: str) -> tuple[int, str]:
        response = client.post(
            f"{PAGE}/{action}", data={"csrf_token": token, **data}, follow_redirects=True
        )
        return response.status_code, response.text

    assert post("ny", **{"ny-navn": "Helse og omsorg", "ny-over": ""})[0] == 200
    health = _units(engine)["Helse og omsorg"]
    status, page = post("ny", **{"ny-navn": "Hjemmetjenesten", "ny-over": str(health.id)})
    assert status == 200 and "Enheten er opprettet." in page
    home = _units(engine)["Hjemmetjenesten"]
    assert home.path == f"{health.path}{home.id}/"
    status, page = post("ny", **{"ny-navn": "HELSE og omsorg", "ny-over": ""})
    assert status == 409 and 'href="#ny-navn"' in page and "«Helse og omsorg»" in page
    status, page = post("ny", **{"ny-navn": "Rådhus", "ny-orgnr": "974760674"})
    assert status == 422 and 'href="#ny-orgnr"' in page and "kontrollsifferet" in page

    change = {"endre-enhet": str(home.id), "endre-navn": "Hjemmebaserte tjenester"}
    assert post("endre", **change)[0] == 200
    assert post("endre", **{"endre-enhet": str(home.id), "endre-orgnr": "974760673"})[0] == 200
    assert _units(engine)["Hjemmebaserte tjenester"].org_number == "974760673"
    status, page = post("flytt", **{"flytt-enhet": str(health.id), "flytt-over": str(home.id)})
    assert status == 409 and "under seg selv" in page
    assert post("flytt", **{"flytt-enhet": str(home.id), "flytt-over": ""})[0] == 200
    assert _units(engine)["Hjemmebaserte tjenester"].path == f"/{home.id}/"
    assert post("ny", **{"ny-navn": "Sone nord", "ny-over": str(home.id)})[0] == 200
    status, page = post("legg-ned", **{"ned-enhet": str(home.id)})
    assert status == 409 and "åpne underenheter" in page
    status, page = post("legg-ned", **{"ned-enhet": str(home.id), "ned-alt": "ja"})
    assert status == 200 and "Enheten er lagt ned." in page
    assert all(u.closed_at for n, u in _units(engine).items() if n != "Helse og omsorg")

    other = make_unit(engine, "Bydel Frogner", municipality_number="0301")
    status, _ = post("legg-ned", **{"ned-enhet": str(other.id)})  # not this municipality's
    assert status == 404 and _units(engine)["Bydel Frogner"].closed_at is None
    with Session(engine) as session:
        outcomes = session.exec(select(AuditEvent.action, AuditEvent.outcome)).all()
    assert ("unit.create", "denied") in outcomes and ("unit.close", "failed") in outcomes


def test_the_import_shows_a_dry_run_then_imports(client: TestClient, engine: Engine) -> None:
    token = _admin(client, engine)
    data = b"sti;organisasjonsnummer\nHelse og omsorg/Sone nord;974760673\n"

    def upload(action: str, body: bytes = data) -> tuple[int, str]:
        response = client.post(
            f"{PAGE}/import",
            data={"csrf_token": token, "handling": action},
            files={"fil": ("enheter.csv", body, "text/csv")},
        )
        return response.status_code, response.text

    status, page = upload("provekjor")
    assert status == 200 and "Filen er i orden" in page and "Helse og omsorg / Sone nord" in page
    assert _units(engine) == {}
    status, page = upload("importer")
    assert status == 200 and "Importen er ferdig" in page
    assert set(_units(engine)) == {"Helse og omsorg", "Sone nord"}
    status, page = upload("importer", b"sti\nTeknisk//Vei\n")
    assert status == 422 and "tomt nivå" in page and '<th scope="row">2</th>' in page


def test_a_person_is_placed_in_a_unit_on_the_user_page(client: TestClient, engine: Engine) -> None:
    token = _admin(client, engine)
    health = make_unit(engine, "Helse og omsorg")
    home = make_unit(engine, "Hjemmetjenesten", parent=health)
    person = make_user(engine, full_name="Kari Plassert")
    page = client.get(f"/admin/brukere/{person.id}").text
    assert f'<option value="{home.id}">Helse og omsorg / Hjemmetjenesten</option>' in page
    form = {
        "csrf_token": token,
        "epost": person.email,
        "navn": person.full_name,
        "kommune": "Asker",
        "enhet": str(home.id),
    }
    response = client.post(f"/admin/brukere/{person.id}/endre", data=form, follow_redirects=True)
    assert response.status_code == 200
    assert "<dd>Helse og omsorg / Hjemmetjenesten</dd>" in response.text
    with Session(engine) as session:
        assert session.get_one(User, person.id).unit_id == home.id
    moved = {**form, "kommune": "0301"}  # the unit is in Asker
    refused = client.post(f"/admin/brukere/{person.id}/endre", data=moved)
    assert refused.status_code == 422 and 'href="#enhet"' in refused.text
    listing = client.get("/admin/brukere", params={"q": "Kari Plassert"}).text
    assert "<td>Helse og omsorg / Hjemmetjenesten</td>" in listing


def test_the_page_is_for_administrators_only(client: TestClient, engine: Engine) -> None:
    for role in (Role.LEARNER, Role.INSTRUCTOR):
        log_in(client, make_user(engine, role=role).email)
        assert client.get(PAGE).status_code == 403
    token = _admin(client, engine)
    assert client.get("/admin/kommuner/9999/enheter").status_code == 404
    found = client.get(
        "/admin/kommuner/enheter", params={"kommune": "asker"}, follow_redirects=False
    )
    assert (found.status_code, found.headers["location"]) == (303, PAGE)
    assert token


def _csv(text: str) -> FilePayload:
    return {"name": "enheter.csv", "mimeType": "text/csv", "buffer": text.encode()}


@pytest.mark.browser
def test_an_administrator_builds_a_tree_and_imports_a_structure(
    page: Page, own_site: WebSite, axe_source: str
) -> None:
    site = own_site
    admin = make_user(site.engine, role=Role.ADMIN)
    person = make_user(site.engine, full_name="Uten Plass")
    with Session(site.engine) as session:  # as migration 0008 leaves an account it could not place
        unplaced = session.get_one(User, person.id)
        unplaced.municipality_number, unplaced.municipality_unmatched = None, "Sentrum"
        unplaced.department_unmatched = "Gammel avdeling"
        session.commit()
    browser_log_in(page, site.url, admin.email)
    page.goto(f"{site.url}/admin/kommuner")
    page.get_by_label("Enhetene i kommunen").fill("3203")
    page.get_by_role("button", name="Vis enhetene").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enheter i Asker (3203)")
    expect(page.locator("nav.subnav [aria-current=page]")).to_have_text("Kommuner")
    unplaced = page.get_by_role("region", name="Kontoer med avdeling som ikke er plassert")
    expect(unplaced).to_contain_text("Gammel avdeling")
    check_page_at_both_widths(page, axe_source, "admin-enheter-tom")

    new = page.get_by_role("region", name="Ny enhet")
    new.get_by_label("Navn").fill("Helse og omsorg")
    new.get_by_role("button", name="Opprett enheten").click()
    expect(page.get_by_role("status").first).to_have_text("Enheten er opprettet.")
    new.get_by_label("Navn").fill("Hjemmetjenesten")
    new.get_by_label("Plassering").select_option(label="Helse og omsorg")
    new.get_by_role("button", name="Opprett enheten").click()
    tree = page.get_by_role("region", name="Enhetene i Asker")
    expect(tree.locator("tbody tr")).to_have_count(2)
    new.get_by_label("Navn").fill("helse OG omsorg")
    new.get_by_role("button", name="Opprett enheten").click()
    expect(page.get_by_role("alert")).to_contain_text("finnes allerede en åpen enhet")
    check_page_at_both_widths(page, axe_source, "admin-enheter-feil")

    structure = "sti;organisasjonsnummer\nHelse og omsorg/Hjemmetjenesten/Sone nord;974760673\n"
    importer = page.get_by_role("region", name="Importer enheter fra CSV")
    importer.get_by_label("CSV-fil med enheter").set_input_files(_csv(structure + "Oppvekst;\n"))
    importer.get_by_role("button", name=re.compile("^Prøvekjør")).click()
    expect(page.locator("#resultat").get_by_role("status")).to_contain_text(
        "2 enheter blir opprettet"
    )
    expect(tree.locator("tbody tr")).to_have_count(2)  # nothing saved yet
    check_page_at_both_widths(page, axe_source, "admin-enheter-provekjoring")
    importer.get_by_label("CSV-fil med enheter").set_input_files(_csv(structure + "Oppvekst;\n"))
    importer.get_by_role("button", name="Importer", exact=True).click()
    expect(page.locator("#resultat").get_by_role("status")).to_contain_text("Importen er ferdig")
    expect(tree.locator("tbody tr")).to_have_count(4)
    expect(tree.locator("tbody tr").nth(2)).to_contain_text("Sone nord")
    expect(tree.locator("tbody tr").nth(2)).to_contain_text("974760673")
    check_page_at_both_widths(page, axe_source, "admin-enheter-importert")
