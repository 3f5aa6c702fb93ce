"""The profile page's own-account forms over plain HTTP: password change and sessions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from tests.factories import PASSWORD, make_user
from tests.web.conftest import web_settings
from tests.web.test_web_security import csrf_from, log_in

NEW = "et-helt-nytt-passord"


@pytest.fixture
def app(tmp_path: Path, web_engine: Engine) -> object:
    return create_app(web_settings(tmp_path), engine=web_engine)


@pytest.fixture
def client(app: object) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:  # type: ignore[arg-type]
        yield test_client


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field}-feil">.*?</span>(.*?)</p>', html)
    assert match is not None, html
    return match.group(1)


def _password_form(client: TestClient, current: str, new: str, again: str | None = None) -> object:
    token = csrf_from(client, "/profil")
    data = {
        "csrf_token": token,
        "passord_na": current,
        "passord_nytt": new,
        "passord_igjen": new if again is None else again,
    }
    return client.post("/profil/passord", data=data, follow_redirects=False)


def test_the_profile_lists_this_browsers_session_without_secrets(
    client: TestClient, web_engine: Engine
) -> None:
    user = make_user(web_engine, email="profil-okter@web.no")
    log_in(client, user.email)
    page = client.get("/profil")
    assert page.status_code == 200
    assert "Innlogginger" in page.text and "Denne nettleseren" in page.text
    assert client.cookies["innostudy_session"] not in page.text
    assert "Du er bare logget inn her." in page.text


def test_a_wrong_current_password_is_shown_at_its_field(
    client: TestClient, web_engine: Engine
) -> None:
    user = make_user(web_engine, email="profil-feil@web.no")
    log_in(client, user.email)
    wrong = _password_form(client, "feil-passord", NEW)
    assert wrong.status_code == 422  # type: ignore[attr-defined]
    assert _field_error(wrong.text, "passord_na") == "Det nåværende passordet er feil."  # type: ignore[attr-defined]
    short = _password_form(client, PASSWORD, "kort")
    assert _field_error(short.text, "passord_nytt") == "Det nye passordet må ha minst 10 tegn."  # type: ignore[attr-defined]
    mismatch = _password_form(client, PASSWORD, NEW, again=NEW + "x")
    assert _field_error(mismatch.text, "passord_igjen") == "Passordene er ikke like."  # type: ignore[attr-defined]
    # Without the CSRF token nothing changes.
    forged = client.post(
        "/profil/passord",
        data={"passord_na": PASSWORD, "passord_nytt": NEW, "passord_igjen": NEW},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert client.get("/profil").status_code == 200  # still logged in, old password kept


def test_changing_the_password_keeps_this_browser_and_ends_the_others(
    app: object, client: TestClient, web_engine: Engine
) -> None:
    user = make_user(web_engine, email="profil-bytt@web.no")
    with TestClient(app, raise_server_exceptions=False) as phone:  # type: ignore[arg-type]
        log_in(phone, user.email)
        log_in(client, user.email)
        assert "Logg ut alle andre steder" in client.get("/profil").text
        done = _password_form(client, PASSWORD, NEW)
        assert done.status_code == 303  # type: ignore[attr-defined]
        assert done.headers["location"] == "/profil?endret=passord"  # type: ignore[attr-defined]
        page = client.get("/profil?endret=passord")
        assert "Passordet er endret" in page.text
        assert "Du er bare logget inn her." in page.text
        assert phone.get("/profil", follow_redirects=False).status_code == 303  # to /logg-inn


def test_logging_out_the_other_browsers(
    app: object, client: TestClient, web_engine: Engine
) -> None:
    user = make_user(web_engine, email="profil-andre@web.no")
    with TestClient(app, raise_server_exceptions=False) as laptop:  # type: ignore[arg-type]
        log_in(laptop, user.email)
        log_in(client, user.email)
        token = csrf_from(client, "/profil")
        response = client.post(
            "/profil/logg-ut-andre", data={"csrf_token": token}, follow_redirects=False
        )
        assert response.status_code == 303
        page = client.get(response.headers["location"])
        assert "Du er logget ut alle andre steder." in page.text
        assert laptop.get("/profil", follow_redirects=False).status_code == 303
