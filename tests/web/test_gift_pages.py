"""The instructor's GIFT page: downloads, a previewed dry run, an import, errors, access."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import FilePayload, Page, expect
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from api.data.models import Role
from api.services import authoring
from course.gift import export_gift
from course.models import Course
from tests.conftest import Databases
from tests.factories import make_user
from tests.web.conftest import WebSite, check_page_at_both_widths, web_settings
from tests.web.helpers import log_in as browser_log_in
from tests.web.test_web_security import csrf_from, log_in

PAGE = "/instruktor/gift"
SLUG = "samskaping"
GIFT = "::m04-ny::Hva er samskaping? {=Sammen med brukerne #Ja ~Alene}\n"


@pytest.fixture
def fresh(
    databases: Databases, shipped_course: Course, tmp_path: Path
) -> Iterator[tuple[TestClient, Engine]]:
    engine = databases.new_engine(shipped_course)
    app = create_app(web_settings(tmp_path), engine=engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, engine


def _source(engine: Engine) -> tuple[int, str]:
    with Session(engine) as session:
        row = authoring.module_row(session=session, slug=SLUG)
        return row.current_revision, authoring.current_revision(session=session, row=row).source


def _post(client: TestClient, data: bytes, action: str, slug: str = SLUG) -> str:
    token = csrf_from(client, PAGE)
    response = client.post(
        f"{PAGE}/import",
        data={"csrf_token": token, "modul": slug, "handling": action},
        files={"fil": ("quiz.gift", data, "text/plain")},
    )
    return f"{response.status_code} {response.text}"


def test_the_page_links_every_module_and_downloads_gift(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    log_in(client, make_user(engine, role=Role.INSTRUCTOR).email)
    assert f'href="{PAGE}"' in client.get("/instruktor").text
    page = client.get(PAGE)
    assert page.status_code == 200
    for module in shipped_course.modules:
        assert f'href="{PAGE}/fil?modul={module.slug}"' in page.text
    whole = client.get(f"{PAGE}/fil")
    assert whole.status_code == 200
    assert whole.text == export_gift(shipped_course.modules)
    assert whole.headers["content-disposition"].endswith('"innovasjon-i-kommunal-sektor.gift"')
    missing = client.get(f"{PAGE}/fil", params={"modul": "finnes-ikke"})
    assert missing.status_code == 404
    assert "Velg hele kurset eller en av modulene i kurset." in missing.text


def test_a_dry_run_previews_and_the_import_saves(fresh: tuple[TestClient, Engine]) -> None:
    client, engine = fresh
    log_in(client, make_user(engine, role=Role.INSTRUCTOR).email)
    before = _source(engine)
    dry = _post(client, GIFT.encode(), "provekjor")
    assert dry.startswith("200 ")
    assert "Filen er i orden" in dry
    assert "<strong>Riktig:</strong> Sammen med brukerne – <em>Ja</em>" in dry
    assert _source(engine) == before
    done = _post(client, GIFT.encode(), "importer")
    assert done.startswith("200 ")
    assert f"er lagret som revisjon {before[0] + 1}" in done
    assert "{#m04-ny}" in _source(engine)[1]


def test_a_bad_file_lists_its_lines_and_changes_nothing(fresh: tuple[TestClient, Engine]) -> None:
    client, engine = fresh
    log_in(client, make_user(engine, role=Role.INSTRUCTOR).email)
    before = _source(engine)
    bad = _post(client, (GIFT + "\n::sant::Sant? {T}\n").encode(), "importer")
    assert bad.startswith("422 ")
    assert "Linje 3: Spørsmålstypen «sant/usant» støttes ikke ennå (linje 3)" in bad
    binary = _post(client, b"\xff\xfe", "importer")
    assert binary.startswith("422 ") and "Filen er ikke UTF-8-tekst." in binary
    nowhere = _post(client, GIFT.encode(), "importer", slug="finnes-ikke")
    assert nowhere.startswith("422 ") and "Velg modulen som skal få quizen." in nowhere
    assert _source(engine) == before


@pytest.mark.parametrize("path", [PAGE, f"{PAGE}/fil"])
def test_a_learner_gets_403(client: TestClient, engine: Engine, path: str) -> None:
    log_in(client, make_user(engine).email)
    response = client.get(path)
    assert response.status_code == 403
    assert "$CATEGORY" not in response.text


def test_a_learner_cannot_import(client: TestClient, engine: Engine) -> None:
    log_in(client, make_user(engine).email)
    token = csrf_from(client, "/")
    response = client.post(
        f"{PAGE}/import",
        data={"csrf_token": token, "modul": SLUG, "handling": "importer"},
        files={"fil": ("quiz.gift", GIFT.encode(), "text/plain")},
    )
    assert response.status_code == 403


@pytest.mark.browser
def test_an_instructor_previews_and_imports_gift_in_the_browser(
    page: Page, own_site: WebSite, axe_source: str
) -> None:
    site = own_site
    browser_log_in(page, site.url, make_user(site.engine, role=Role.INSTRUCTOR).email)
    page.goto(f"{site.url}{PAGE}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quizer i GIFT-formatet")
    check_page_at_both_widths(page, axe_source, "instruktor-gift")
    gift: FilePayload = {"name": "quiz.gift", "mimeType": "text/plain", "buffer": GIFT.encode()}
    page.get_by_label("Modul").select_option(SLUG)
    page.get_by_label("GIFT-fil", exact=True).set_input_files(gift)
    page.get_by_role("button", name="Prøvekjør (lagrer ingenting)").click()
    expect(page.get_by_role("heading", name="Filen er i orden")).to_be_visible()
    expect(page.locator(".gift-preview")).to_contain_text("Hva er samskaping?")
    check_page_at_both_widths(page, axe_source, "instruktor-gift-provekjoring")
    broken: FilePayload = {"name": "feil.gift", "mimeType": "text/plain", "buffer": b"::a:: {"}
    page.get_by_label("GIFT-fil", exact=True).set_input_files(broken)
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_page_at_both_widths(page, axe_source, "instruktor-gift-feil")
