"""CSRF, cookies, security headers, login redirects and error pages, over plain HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from api.app import create_app
from api.data.models import AuthToken, ModuleProgress, Role
from api.http.security_headers import CONTENT_SECURITY_POLICY
from course.models import Course
from tests.factories import PASSWORD, make_user
from tests.web.conftest import web_settings

_TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def client(tmp_path: Path, web_engine: Engine) -> Iterator[TestClient]:
    app = create_app(web_settings(tmp_path), engine=web_engine)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def csrf_from(client: TestClient, path: str) -> str:
    response = client.get(path)
    match = _TOKEN_RE.search(response.text)
    assert match is not None, response.text
    return match.group(1)


def log_in(client: TestClient, email: str, next_path: str = "/") -> str:
    token = csrf_from(client, "/logg-inn")
    response = client.post(
        "/logg-inn",
        data={"csrf_token": token, "epost": email, "passord": PASSWORD, "neste": next_path},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def progress_rows(engine: Engine, user_id: int | None) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(ModuleProgress)
        return session.exec(query.where(ModuleProgress.user_id == user_id)).one()


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, web_engine: Engine, shipped_course: Course
) -> None:
    user = make_user(web_engine, email="csrf@web.no")
    log_in(client, user.email)
    url = f"/moduler/{shipped_course.modules[0].slug}/lest"
    for data in ({}, {"csrf_token": "gjettet"}, {"csrf_token": ""}):
        response = client.post(url, data=data, follow_redirects=False)
        assert response.status_code == 403, data
        assert response.headers["content-type"].startswith("text/html")
        assert "sikkerhetskoden" in response.text
    assert progress_rows(web_engine, user.id) == 0

    right = csrf_from(client, "/")
    response = client.post(url, data={"csrf_token": right}, follow_redirects=False)
    assert response.status_code == 303
    assert progress_rows(web_engine, user.id) == 1


def test_login_and_logout_forms_need_the_csrf_token_too(
    client: TestClient, web_engine: Engine
) -> None:
    user = make_user(web_engine, email="csrf-login@web.no")
    csrf_from(client, "/logg-inn")  # the browser has the cookie, the attacker's form not the value
    data = {"epost": user.email, "passord": PASSWORD}
    assert client.post("/logg-inn", data=data, follow_redirects=False).status_code == 403
    log_in(client, user.email)
    assert client.post("/logg-ut", data={}, follow_redirects=False).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still logged in
    token = csrf_from(client, "/")
    response = client.post("/logg-ut", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    with Session(web_engine) as session:
        revoked = session.exec(
            select(AuthToken.revoked_at).where(AuthToken.user_id == user.id)
        ).one()
    assert revoked is not None
    assert client.get("/", follow_redirects=False).status_code == 303


def test_pages_send_the_security_headers_and_the_api_docs_keep_theirs(
    client: TestClient,
) -> None:
    for path in ("/logg-inn", "/finnes-ikke", "/verify", "/static/style.css", "/api/v1/course"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "same-origin", path
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "content-security-policy" not in docs.headers


def _cookie_flags(set_cookie: str) -> set[str]:
    return {part.strip().lower() for part in set_cookie.split(";")[1:]}


def test_cookies_are_httponly_and_samesite_lax_and_secure_only_over_https(
    tmp_path: Path, web_engine: Engine
) -> None:
    user = make_user(web_engine, email="cookies@web.no")
    for base_url, secure in (("http://127.0.0.1:8000", False), ("https://kurs.example.no", True)):
        app = create_app(web_settings(tmp_path, base_url), engine=web_engine)
        with TestClient(app, base_url=base_url) as client:
            page = client.get("/logg-inn")
            token = _TOKEN_RE.search(page.text).group(1)  # type: ignore[union-attr]
            response = client.post(
                "/logg-inn",
                data={"csrf_token": token, "epost": user.email, "passord": PASSWORD},
                follow_redirects=False,
            )
        cookies = {c.split("=", 1)[0]: c for c in response.headers.get_list("set-cookie")}
        assert set(cookies) == {"innostudy_session", "innostudy_csrf"}
        for cookie in [*cookies.values(), page.headers["set-cookie"]]:
            flags = _cookie_flags(cookie)
            assert "httponly" in flags
            assert "samesite=lax" in flags
            assert "path=/" in flags
            assert ("secure" in flags) is secure, (base_url, cookie)


def test_a_page_that_needs_login_sends_there_and_back_again(
    client: TestClient, web_engine: Engine
) -> None:
    user = make_user(web_engine, email="neste@web.no")
    response = client.get("/profil", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/logg-inn?neste=/profil"
    assert 'name="neste" value="/profil"' in client.get(response.headers["location"]).text
    assert log_in(client, user.email, "/profil") == "/profil"


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "evil", "/\r\nx", ""],
)
def test_login_refuses_to_send_anywhere_but_this_site(
    client: TestClient, web_engine: Engine, target: str
) -> None:
    user = make_user(web_engine)
    assert log_in(client, user.email, target) == "/"
    page = client.get("/logg-inn", params={"neste": target}, follow_redirects=False)
    assert page.status_code == 303  # already logged in: on to a safe place
    assert page.headers["location"] == "/"


def test_error_pages_are_html_for_pages_and_json_for_the_api(
    client: TestClient, web_engine: Engine
) -> None:
    missing = client.get("/finnes-ikke")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert '<html lang="nb">' in missing.text
    assert "Fant ikke siden" in missing.text
    assert client.get("/moduler/finnes-ikke", follow_redirects=False).status_code == 303
    api = client.get("/api/v1/finnes-ikke")
    assert api.status_code == 404
    assert api.json()["code"] == "http_404"

    learner = make_user(web_engine, role=Role.LEARNER)
    log_in(client, learner.email)
    assert "Modulen finnes ikke" in client.get("/moduler/finnes-ikke").text
    forbidden = client.get("/instruktor")
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"].startswith("text/html")
    assert "Ingen tilgang" in forbidden.text
    assert client.get("/api/v1/modules", headers={}).json()["code"] == "not_authenticated"


def test_an_unexpected_error_on_a_page_is_a_500_page_with_the_security_headers(
    tmp_path: Path, web_engine: Engine
) -> None:
    app = create_app(web_settings(tmp_path), engine=web_engine)

    def crash() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/krasj", crash, include_in_schema=False)
    app.add_api_route("/api/v1/krasj", crash, include_in_schema=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/krasj")
        api = client.get("/api/v1/krasj")
    assert page.status_code == 500
    assert "Noe gikk galt" in page.text
    assert "boom" not in page.text
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert api.status_code == 500
    assert api.json()["code"] == "server_error"


def test_the_profile_export_is_the_users_own_data_as_a_json_download(
    client: TestClient, web_engine: Engine
) -> None:
    user = make_user(web_engine, email="eksport@web.no", full_name="Eli Eksport")
    log_in(client, user.email)
    response = client.get("/profil/eksport")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["cache-control"] == "no-store"
    assert "eksport@web.no" in response.text
    assert "Eli Eksport" in response.text
