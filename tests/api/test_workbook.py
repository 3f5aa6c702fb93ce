"""The project workbook through the API: save, read, conflicts, bad values, privacy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from api.app import create_app
from api.core.config import Settings
from api.data.models import Project, Role, WorkbookEntry
from course.loader import load_course
from tests.conftest import Databases, clear_people
from tests.factories import grant_role, login, make_user

WORKBOOK_COURSE = Path(__file__).parents[1] / "course" / "fixtures" / "workbook_course"
STEP = "/api/v1/modules/planlegge/workbook/m01-prosjekt"


@pytest.fixture(scope="module")
def workbook_engine(databases: Databases) -> Engine:
    course = load_course(WORKBOOK_COURSE).course
    assert course is not None
    return databases.new_engine(course)


@pytest.fixture
def wb_engine(workbook_engine: Engine) -> Iterator[Engine]:
    yield workbook_engine
    with workbook_engine.begin() as connection:
        clear_people(connection)


@pytest.fixture
def wb(tmp_path: Path, wb_engine: Engine) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, secret_key="x" * 40, content_dir=WORKBOOK_COURSE)
    with TestClient(create_app(settings, engine=wb_engine), raise_server_exceptions=False) as c:
        yield c


def _learner(client: TestClient, engine: Engine) -> dict[str, str]:
    return login(client, make_user(engine).email)


def test_first_save_makes_the_project_and_a_reload_reads_it_back(
    wb: TestClient, wb_engine: Engine
) -> None:
    headers = _learner(wb, wb_engine)
    empty = wb.get(STEP, headers=headers).json()
    assert (empty["revision"], empty["project_id"], empty["values"]) == (0, None, {})
    assert [f["kind"] for f in empty["step"]["fields"]] == [
        "short",
        "long",
        "list",
        "choice",
        "date",
    ]

    values = {"navn": " Trygg hjemme ", "berorte": ["Brukere", " ", "Pårørende"], "fase": "innsikt"}
    saved = wb.put(STEP, json={"values": values, "base_revision": 0}, headers=headers)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["revision"] == 1 and body["project_id"] is not None
    assert body["values"] == {"navn": "Trygg hjemme", "berorte": ["Brukere", "Pårørende"],
                              "fase": "innsikt"}  # fmt: skip
    assert body["missing"] == ["utfordring", "start"]

    again = wb.get(STEP, headers=headers).json()
    assert again["values"] == body["values"] and again["revision"] == 1

    plan = wb.get("/api/v1/me/project", headers=headers).json()
    assert [s["step"]["id"] for s in plan["steps"]] == [
        "m01-prosjekt", "m01-interessenter", "m02-neste-steg",
    ]  # fmt: skip
    assert (plan["filled_fields"], plan["total_fields"]) == (3, 9)
    assert plan["project_id"] == body["project_id"]


def test_a_save_from_a_stale_revision_is_a_conflict_with_the_saved_version(
    wb: TestClient, wb_engine: Engine
) -> None:
    headers = _learner(wb, wb_engine)
    wb.put(STEP, json={"values": {"navn": "Første"}, "base_revision": 0}, headers=headers)
    second = wb.put(STEP, json={"values": {"navn": "Andre"}, "base_revision": 1}, headers=headers)
    assert second.json()["revision"] == 2

    stale = wb.put(STEP, json={"values": {"navn": "Fra gammel fane"}, "base_revision": 1},
                   headers=headers)  # fmt: skip
    assert stale.status_code == 409
    assert stale.json()["code"] == "workbook_conflict"
    assert "en annen fane" in stale.json()["detail"]
    assert stale.json()["current"]["values"] == {"navn": "Andre"}
    assert stale.json()["current"]["revision"] == 2
    # The same text again from the stale page is no conflict: nothing would be lost.
    same = wb.put(STEP, json={"values": {"navn": "Andre"}, "base_revision": 1}, headers=headers)
    assert same.status_code == 200 and same.json()["revision"] == 2


@pytest.mark.parametrize(
    ("values", "loc", "message"),
    [
        ({"fase": "pilotering"}, ["fase"], "må være en av valgmulighetene"),
        ({"start": "31.12.2026"}, ["start"], "ÅÅÅÅ-MM-DD"),
        ({"navn": "x" * 301}, ["navn"], "høyst 300 tegn"),
        ({"navn": "to\nlinjer"}, ["navn"], "én linje"),
        ({"finnes-ikke": "x"}, ["finnes-ikke"], "ikke noe felt"),
        ({"berorte": "ikke en liste"}, ["berorte"], "liste"),
    ],
)
def test_values_that_do_not_fit_their_field_are_refused(
    wb: TestClient, wb_engine: Engine, values: dict[str, object], loc: list[str], message: str
) -> None:
    headers = _learner(wb, wb_engine)
    response = wb.put(STEP, json={"values": values, "base_revision": 0}, headers=headers)
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == ["body", "values", *loc]
    assert message in error["msg"]
    with Session(wb_engine) as session:
        assert session.exec(select(func.count()).select_from(WorkbookEntry)).one() == 0


def test_table_like_fields_keep_their_columns_and_check_the_scale(
    wb: TestClient, wb_engine: Engine
) -> None:
    headers = _learner(wb, wb_engine)
    url = "/api/v1/modules/planlegge/workbook/m01-interessenter"
    risks = [{"hendelse": "Brukerne vil ikke", "sannsynlighet": 6, "konsekvens": 2}]
    refused = wb.put(url, json={"values": {"ros": risks}, "base_revision": 0}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "values", "ros", 0, "sannsynlighet"]

    values = {
        "kart": [{"aktor": "Nav", "interesse": "Høy", "innflytelse": "Middels"}, {"aktor": ""}],
        "ros": [{"hendelse": "Brukerne vil ikke", "sannsynlighet": "3", "konsekvens": 2}],
        "gevinster": [{"tiltak": "Digitalt tilsyn", "gevinst": "Færre besøk", "eier": "Leder"}],
    }
    saved = wb.put(url, json={"values": values, "base_revision": 0}, headers=headers).json()
    assert saved["values"]["kart"] == [
        {"aktor": "Nav", "interesse": "Høy", "innflytelse": "Middels"}
    ]
    assert saved["values"]["ros"][0]["sannsynlighet"] == 3
    assert [c["id"] for c in saved["step"]["fields"][1]["columns"]] == [
        "tiltak", "effekt", "gevinst", "eier", "maling",
    ]  # fmt: skip


def test_only_the_owner_reads_or_writes_a_project(wb: TestClient, wb_engine: Engine) -> None:
    owner = _learner(wb, wb_engine)
    project_id = wb.put(STEP, json={"values": {"navn": "Mitt"}, "base_revision": 0},
                        headers=owner).json()["project_id"]  # fmt: skip
    other = _learner(wb, wb_engine)
    admin = login(wb, make_user(wb_engine, role=Role.ADMIN).email)
    municipal = make_user(wb_engine)  # administrator of the owner's municipality (Asker)
    grant_role(wb_engine, municipal, Role.MUNICIPAL_ADMIN, municipality="3203")
    for headers in (other, admin, login(wb, municipal.email)):
        project_step = f"/api/v1/projects/{project_id}/workbook/m01-prosjekt"
        assert wb.get(f"/api/v1/projects/{project_id}", headers=headers).status_code == 404
        assert wb.get(project_step, headers=headers).status_code == 404
        put = wb.put(project_step, json={"values": {"navn": "Kapret"}, "base_revision": 1},
                     headers=headers)  # fmt: skip
        assert put.status_code == 404
        assert wb.get(STEP, headers=headers).json()["values"] == {}  # their own, empty
    assert wb.get(f"/api/v1/projects/{project_id}", headers=owner).status_code == 200
    assert wb.get(STEP, headers=owner).json()["values"] == {"navn": "Mitt"}
    unknown = wb.get("/api/v1/modules/planlegge/workbook/finnes-ikke", headers=owner)
    assert unknown.status_code == 404 and unknown.json()["code"] == "workbook_step_not_found"


def test_the_export_holds_the_workbook_and_erasure_removes_it(
    wb: TestClient, wb_engine: Engine
) -> None:
    learner = make_user(wb_engine)
    headers = login(wb, learner.email)
    wb.put(STEP, json={"values": {"navn": "Trygg hjemme"}, "base_revision": 0}, headers=headers)
    exported = wb.get("/api/v1/me/export", headers=headers).json()["projects"]
    assert exported[0]["entries"][0]["values"] == {"navn": "Trygg hjemme"}
    assert exported[0]["entries"][0]["written_by_you"] is True

    admin = login(wb, make_user(wb_engine, role=Role.ADMIN).email)
    assert wb.post(f"/api/v1/users/{learner.id}/erase", headers=admin).status_code == 200
    with Session(wb_engine) as session:
        assert session.exec(select(func.count()).select_from(Project)).one() == 0
        assert session.exec(select(func.count()).select_from(WorkbookEntry)).one() == 0


def test_a_module_saved_with_a_step_id_another_module_uses_is_refused(
    wb: TestClient, wb_engine: Engine
) -> None:
    headers = login(wb, make_user(wb_engine, role=Role.INSTRUCTOR).email)
    source = wb.get("/api/v1/modules/gjennomfore/source", headers=headers).json()
    markdown = source["markdown"].replace("{#m02-neste-steg}", "{#m01-prosjekt}")
    body = {"markdown": markdown, "base_revision": source["revision"]}
    response = wb.put("/api/v1/modules/gjennomfore/source", json=body, headers=headers)
    assert response.status_code == 422
    line = markdown.splitlines().index("::: oppgave Neste steg {#m01-prosjekt}") + 1
    assert response.json()["errors"][0]["line"] == line
    assert response.json()["errors"][0]["message"].startswith(
        "oppgave-id «m01-prosjekt» er allerede brukt i modulen 01-planlegge.md"
    )
