"""Public pages and error pages show a logged-in visitor as logged in (the page header)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.core.db import make_engine
from api.web.deps import SESSION_COOKIE
from certificates.codes import new_code
from tests.factories import make_user
from tests.web.conftest import web_settings
from tests.web.test_web_security import csrf_from, log_in

NAME = "Åse Innlogget"
PAGES = {
    "/verify": 200,
    f"/verify/{new_code()}": 404,  # unknown code
    "/verify/7K3M-Q9XD-4TJ": 422,  # typing error
    "/passord": 200,
    "/passord?kode=ABCD": 200,
    "/finnes-ikke": 404,  # no route at all
    "/moduler/hvorfor-innovasjon/ukjent/sti": 404,
}


def _logged_in(page: str) -> bool:
    return "Logg ut" in page and NAME in page


def test_public_and_error_pages_show_the_logged_in_header(
    client: TestClient, engine: Engine
) -> None:
    make_user(engine, full_name=NAME, email="ase@web.no")
    for path, status in PAGES.items():
        page = client.get(path)
        assert page.status_code == status, path
        assert not _logged_in(page.text), path
    log_in(client, "ase@web.no")
    for path, status in PAGES.items():
        page = client.get(path)
        assert page.status_code == status, path
        assert _logged_in(page.text), path
        assert page.headers["cache-control"] == "no-store", path  # a logged-in page


def test_a_refused_form_shows_the_logged_in_header(client: TestClient, engine: Engine) -> None:
    make_user(engine, full_name=NAME, email="ase@web.no")
    log_in(client, "ase@web.no")
    csrf_from(client, "/")
    refused = client.post("/kursbevis", data={"csrf_token": "feil"})  # CSRF: before any user
    assert refused.status_code == 403
    assert _logged_in(refused.text)


def test_an_expired_or_unknown_session_cookie_shows_the_logged_out_header(
    client: TestClient,
) -> None:
    client.cookies.set(SESSION_COOKIE, "ukjent-token")
    page = client.get("/finnes-ikke")
    assert page.status_code == 404
    assert "Logg ut" not in page.text
    assert "Logg inn" in page.text


def test_the_404_page_renders_even_when_the_database_cannot_be_read(tmp_path: Path) -> None:
    broken = tmp_path / "ikke-en-database.db"
    broken.write_bytes(b"this is not an SQLite file" * 100)
    app = create_app(web_settings(tmp_path), engine=make_engine(f"sqlite:///{broken}"))
    with TestClient(app, raise_server_exceptions=False) as client:
        client.cookies.set(SESSION_COOKIE, "et-token")
        page = client.get("/finnes-ikke")
    assert page.status_code == 404
    assert "Fant ikke siden" in page.text
    assert "Logg ut" not in page.text
