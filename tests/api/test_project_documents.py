"""The project plan downloads: the owner gets PDF and Word, anyone else 404 (both databases)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pypdf
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.core.config import Settings
from course.loader import load_course
from tests.conftest import Databases, clear_people
from tests.factories import PASSWORD, login, make_user

COURSE = Path(__file__).parents[1] / "course" / "fixtures" / "workbook_course"
SAMI = "Áigin Ŋuolla Čuđe"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def docs_engine(databases: Databases) -> Iterator[Engine]:
    course = load_course(COURSE).course
    assert course is not None
    engine = databases.new_engine(course)
    yield engine


@pytest.fixture
def client(tmp_path: Path, docs_engine: Engine) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, secret_key="x" * 40, content_dir=COURSE)
    with TestClient(create_app(settings, engine=docs_engine), raise_server_exceptions=False) as c:
        yield c
    with docs_engine.begin() as connection:
        clear_people(connection)


def _save(client: TestClient, headers: dict[str, str], step: str, values: object) -> int:
    url = f"/api/v1/modules/planlegge/workbook/{step}"
    response = client.put(url, json={"values": values, "base_revision": 0}, headers=headers)
    assert response.status_code == 200, response.text
    return int(response.json()["project_id"])


def test_the_owner_downloads_the_plan_and_nobody_else_can(
    client: TestClient, docs_engine: Engine
) -> None:
    owner = make_user(docs_engine, full_name=SAMI)
    headers = login(client, owner.email)
    challenge = "Hvordan kan vi hjelpe eldre å bo trygt hjemme?"
    first = {"navn": "Trygg hjemme", "utfordring": challenge, "fase": "innsikt"}
    project_id = _save(client, headers, "m01-prosjekt", first)
    risks = [{"hendelse": "Strømbrudd", "sannsynlighet": 2, "konsekvens": 5, "tiltak": "Aggregat"}]
    _save(client, headers, "m01-interessenter", {"ros": risks})

    pdf = client.get(f"/api/v1/projects/{project_id}/plan.pdf", headers=headers)
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == PDF
    assert pdf.headers["cache-control"] == "no-store"
    assert re.fullmatch(rf'attachment; filename="prosjektplan-{project_id}-\d{{4}}-\d\d-\d\d\.pdf"',
                        pdf.headers["content-disposition"])  # fmt: skip
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    summary = reader.pages[0].extract_text()
    assert "Trygg hjemme" in summary and challenge in summary and SAMI in summary
    assert "Asker" in summary and "Testkurs" in summary
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Innsikt" in text and "2 × 5 = 10" in text  # the option's label, the risk score

    word = client.get("/api/v1/me/project/plan.docx", headers=headers)
    assert word.status_code == 200 and word.headers["content-type"] == DOCX
    assert word.headers["content-disposition"].endswith('.docx"')
    document = docx.Document(io.BytesIO(word.content))
    assert document.paragraphs[0].text == "Trygg hjemme"
    assert document.tables[0].rows[0].cells[1].text == SAMI
    assert "Steg 1: Beskriv prosjektet" in [p.text for p in document.paragraphs]

    other = login(client, make_user(docs_engine).email)
    for suffix in ("pdf", "docx"):
        refused = client.get(f"/api/v1/projects/{project_id}/plan.{suffix}", headers=other)
        assert refused.status_code == 404
        assert refused.json()["detail"] == "Fant ikke prosjektet."
    # The other learner's own plan is empty and carries only their name.
    theirs = pypdf.PdfReader(io.BytesIO(client.get("/api/v1/me/project/plan.pdf",
                                                   headers=other).content))  # fmt: skip
    assert SAMI not in theirs.pages[0].extract_text()
    assert client.get(f"/api/v1/projects/{project_id}/plan.txt", headers=headers).status_code == 422
    assert client.get(f"/api/v1/projects/{project_id}/plan.pdf").status_code == 401


def test_mitt_prosjekt_links_the_downloads(client: TestClient, docs_engine: Engine) -> None:
    user = make_user(docs_engine)
    anonymous = client.get("/mitt-prosjekt/prosjektplan.pdf", follow_redirects=False)
    assert anonymous.status_code == 303 and "/logg-inn" in anonymous.headers["location"]
    page = client.get("/logg-inn")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    data = {"csrf_token": token[1], "epost": user.email, "passord": PASSWORD, "neste": "/"}
    assert client.post("/logg-inn", data=data, follow_redirects=False).status_code == 303
    html = client.get("/mitt-prosjekt").text
    assert 'href="/mitt-prosjekt/prosjektplan.pdf"' in html
    assert 'href="/mitt-prosjekt/prosjektplan.docx"' in html
    unknown = client.get("/mitt-prosjekt/prosjektplan.txt")
    assert unknown.status_code == 404 and "text/html" in unknown.headers["content-type"]
    word = client.get("/mitt-prosjekt/prosjektplan.docx")
    assert word.status_code == 200 and word.headers["content-type"] == DOCX
    assert docx.Document(io.BytesIO(word.content)).paragraphs[0].text == "Prosjektplan"
