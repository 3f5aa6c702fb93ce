"""Issuing, downloading, verifying and revoking certificates over HTTP."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from api.app import create_app
from api.core.config import Settings
from api.core.db import make_engine
from api.data.models import Certificate, Role, User
from certificates.codes import new_code, normalize_code
from course.models import Course
from tests.certificates.helpers import decode_qr, page_text, read_pdf
from tests.conftest import LiveServer
from tests.factories import PASSWORD, complete_course, login, make_user, user_headers

SAMI = "Áigin Ŋuolla Čuđe"


@pytest.fixture
def graduate(engine: Engine) -> User:
    user = make_user(engine, full_name=SAMI, municipality="Guovdageaidnu – Kautokeino")
    complete_course(engine, user)
    return user


def test_certificate_is_refused_until_the_course_is_completed(
    client: TestClient, engine: Engine
) -> None:
    headers = user_headers(client, engine)
    response = client.post("/api/v1/certificate", headers=headers)
    assert response.status_code == 409
    assert response.json()["code"] == "course_not_completed"
    assert "fullføre" in response.json()["detail"]
    assert client.get("/api/v1/certificate.pdf", headers=headers).status_code == 404


def test_graduate_gets_one_certificate_with_a_verifiable_pdf(
    client: TestClient, graduate: User, shipped_course: Course, tmp_path: Path
) -> None:
    headers = login(client, graduate.email)
    first = client.post("/api/v1/certificate", headers=headers)
    assert first.status_code == 201
    issued = first.json()
    code = issued["code"]
    assert normalize_code(code) == code
    assert issued["verify_url"] == f"https://kurs.example.no/verify/{code}"
    again = client.post("/api/v1/certificate", headers=headers)
    assert again.status_code == 200
    assert again.json()["code"] == code

    pdf = client.get("/api/v1/certificate.pdf", headers=headers)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert code in pdf.headers["content-disposition"]
    assert len(read_pdf(pdf.content).pages) == 1
    text = page_text(pdf.content)
    assert SAMI in text
    assert shipped_course.info.title in text
    assert code in text
    assert decode_qr(pdf.content, tmp_path) == issued["verify_url"]


def test_anyone_can_verify_a_code_typed_loosely_and_typos_are_caught(
    client: TestClient, graduate: User
) -> None:
    code = client.post("/api/v1/certificate", headers=login(client, graduate.email)).json()["code"]
    for typed in (code, code.lower(), code.replace("-", ""), f" {code.lower()} "):
        response = client.get(f"/api/v1/certificates/{typed}")
        assert response.status_code == 200, typed
        body = response.json()
        assert body["valid"] is True
        assert body["holder_name"] == SAMI
        assert body["revoked"] is False
        assert body["completed_at"] is not None
    flipped = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert client.get(f"/api/v1/certificates/{flipped}").status_code == 422
    assert client.get("/api/v1/certificates/ABCD-EFGH-JKM").json()["code"] == "code_mistyped"
    assert client.get("/api/v1/certificates/tull").json()["code"] == "code_mistyped"
    assert client.get(f"/api/v1/certificates/{new_code()}").json()["code"] == (
        "certificate_not_found"
    )

    page = client.get(f"/verify/{code.lower()}")
    assert page.status_code == 200
    assert "Gyldig kursbevis" in page.text
    assert SAMI in page.text
    assert 'lang="nb"' in page.text
    unknown = client.get(f"/verify/{new_code()}")
    assert unknown.status_code == 404
    assert "Ukjent kode" in unknown.text


def test_html_in_a_name_is_escaped_on_the_verification_page(
    client: TestClient, engine: Engine
) -> None:
    user = make_user(engine, full_name="<script>alert(1)</script> Ola")
    complete_course(engine, user)
    code = client.post("/api/v1/certificate", headers=login(client, user.email)).json()["code"]
    page = client.get(f"/verify/{code}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


@pytest.mark.parametrize("role", [Role.LEARNER, Role.INSTRUCTOR])
def test_only_admins_revoke(client: TestClient, engine: Engine, graduate: User, role: Role) -> None:
    code = client.post("/api/v1/certificate", headers=login(client, graduate.email)).json()["code"]
    url = f"/api/v1/certificates/{code}/revoke"
    assert client.post(url, json={"reason": "Feil"}).status_code == 401
    response = client.post(url, json={"reason": "Feil"}, headers=user_headers(client, engine, role))
    assert response.status_code == 403
    assert client.get(f"/api/v1/certificates/{code}").json()["valid"] is True


def test_admin_revokes_with_a_reason_and_it_verifies_as_revoked(
    client: TestClient, engine: Engine, graduate: User
) -> None:
    code = client.post("/api/v1/certificate", headers=login(client, graduate.email)).json()["code"]
    admin = user_headers(client, engine, Role.ADMIN)
    url = f"/api/v1/certificates/{code}/revoke"
    assert client.post(url, json={"reason": ""}, headers=admin).status_code == 422
    assert client.post(url, json={}, headers=admin).status_code == 422
    assert (
        client.post(
            f"/api/v1/certificates/{new_code()}/revoke", json={"reason": "Feil"}, headers=admin
        ).status_code
        == 404
    )
    revoked = client.post(url, json={"reason": "Utstedt ved en feil"}, headers=admin)
    assert revoked.status_code == 200
    body = client.get(f"/api/v1/certificates/{code}").json()
    assert body["valid"] is False
    assert body["revoked"] is True
    assert body["revoked_at"] is not None
    assert "reason" not in str(body)  # the reason is internal
    page = client.get(f"/verify/{code}")
    assert "trukket tilbake" in page.text


def test_simultaneous_requests_to_two_servers_produce_one_certificate(
    app: FastAPI, engine: Engine, graduate: User, settings: Settings
) -> None:
    # A second app with its own engine and pool stands for a second server process.
    other_engine = make_engine(engine.url.render_as_string(hide_password=False))
    other = create_app(settings, engine=other_engine)
    with LiveServer(app) as one, LiveServer(other) as two, httpx.Client(timeout=60) as http:
        token = http.post(
            f"{one.url}/api/v1/auth/token", data={"username": graduate.email, "password": PASSWORD}
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        urls = [f"{(one, two)[i % 2].url}/api/v1/certificate" for i in range(24)]
        with ThreadPoolExecutor(max_workers=12) as pool:
            responses = list(pool.map(lambda url: http.post(url, headers=headers), urls))
    other_engine.dispose()
    assert sorted(r.status_code for r in responses) == [200] * 23 + [201]
    assert len({r.json()["code"] for r in responses}) == 1
    with Session(engine) as session:
        count = session.exec(
            select(func.count()).select_from(Certificate).where(Certificate.user_id == graduate.id)
        ).one()
    assert count == 1
