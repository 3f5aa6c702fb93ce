"""Feedback on workbook plans and the portfolio through the API: who sees what, decisions,
outdated approvals, the Excel export, and an approved plan as part of completion."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.app import create_app
from api.core.config import Settings
from api.data.models import AuditEvent, Enrollment, Role, User
from course.loader import load_course
from tests.conftest import Databases, clear_people
from tests.factories import grant_role, login, make_unit, make_user

REVIEW_COURSE = Path(__file__).parent / "fixtures" / "review_course"  # approval required
PLAIN_COURSE = Path(__file__).parents[1] / "course" / "fixtures" / "workbook_course"
STEP = "/api/v1/modules/planlegge/workbook/m01-prosjekt"


@pytest.fixture(scope="module")
def review_engine(databases: Databases) -> Engine:
    course = load_course(REVIEW_COURSE).course
    assert course is not None and course.info.require_approved_plan
    return databases.new_engine(course)


@pytest.fixture
def engine(review_engine: Engine) -> Iterator[Engine]:
    yield review_engine
    with review_engine.begin() as connection:
        clear_people(connection)


def _client(tmp_path: Path, engine: Engine, content: Path) -> TestClient:
    settings = Settings(data_dir=tmp_path, secret_key="x" * 40, content_dir=content)
    return TestClient(create_app(settings, engine=engine), raise_server_exceptions=False)


@pytest.fixture
def api(tmp_path: Path, engine: Engine) -> Iterator[TestClient]:
    with _client(tmp_path, engine, REVIEW_COURSE) as client:
        yield client


def _save(api: TestClient, headers: dict[str, str], values: dict[str, object]) -> None:
    revision = api.get(STEP, headers=headers).json()["revision"]
    saved = api.put(STEP, json={"values": values, "base_revision": revision}, headers=headers)
    assert saved.status_code == 200, saved.text


def _actions(engine: Engine) -> list[tuple[str, int | None, dict[str, object]]]:
    with Session(engine) as session:
        rows = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action).startswith("workbook."))
            .order_by(col(AuditEvent.id))
        ).all()
        return [(r.action, r.actor_id, json.loads(r.details)) for r in rows]


def _completed(engine: Engine, user: User) -> bool:
    with Session(engine) as session:
        found = session.exec(select(Enrollment).where(Enrollment.user_id == user.id)).first()
        return found is not None and found.completed_at is not None


def test_a_leader_approves_with_comments_the_learner_sees_it_and_another_unit_sees_nothing(
    api: TestClient, engine: Engine
) -> None:
    health, school = make_unit(engine, "Helse og omsorg"), make_unit(engine, "Oppvekst")
    learner = make_user(engine, full_name="Ina Berg", unit_id=health.id)
    leader, stranger = make_user(engine), make_user(engine)
    grant_role(engine, leader, Role.LEADER, unit=health)
    grant_role(engine, stranger, Role.LEADER, unit=school)
    me, boss, other = (login(api, u.email) for u in (learner, leader, stranger))
    instructor = login(api, make_user(engine, role=Role.INSTRUCTOR).email)
    admin = login(api, make_user(engine, role=Role.ADMIN).email)  # a workbook is its authors'

    nothing = api.post("/api/v1/me/project/submissions", json={"to": "leader"}, headers=me)
    assert nothing.status_code == 422 and nothing.json()["code"] == "nothing_to_submit"
    _save(api, me, {"navn": "Trygg hjemme", "utfordring": '=HYPERLINK("x")'})
    sent = api.post("/api/v1/me/project/submissions", json={"to": "leader"}, headers=me)
    assert sent.status_code == 201, sent.text
    review_id = sent.json()["id"]

    (item,) = api.get("/api/v1/reviews", headers=boss).json()
    assert item["authors"] == ["Ina Berg"] and item["review"]["status"] == "submitted"
    assert item["plan"]["steps"][0]["values"]["navn"] == "Trygg hjemme"
    for headers in (other, instructor, admin, me):  # another unit, instructors, admin, author
        assert api.get("/api/v1/reviews", headers=headers).json() == []
        assert api.get(f"/api/v1/reviews/{review_id}", headers=headers).status_code == 404
        refused = api.post(
            f"/api/v1/reviews/{review_id}/decision", json={"status": "approved"}, headers=headers
        )
        assert refused.status_code == 404
    assert api.get("/api/v1/portfolio", headers=other).json() == []
    assert api.get("/api/v1/portfolio", headers=admin).json() == []
    assert api.get("/api/v1/portfolio", headers=me).json() == []  # a learner has no portfolio

    decision = {"status": "approved", "comments": {"m01-prosjekt": "Godt formulert."}}
    decided = api.post(f"/api/v1/reviews/{review_id}/decision", json=decision, headers=boss)
    assert decided.status_code == 200, decided.text
    again = api.post(f"/api/v1/reviews/{review_id}/decision", json=decision, headers=boss)
    assert again.status_code == 409

    (seen,) = api.get("/api/v1/me/project/feedback", headers=me).json()
    assert (seen["status_label"], seen["comments"]) == ("Godkjent", decision["comments"])
    assert seen["outdated"] is False
    _save(api, me, {"navn": "Trygg hjemme om natten"})
    (seen,) = api.get("/api/v1/me/project/feedback", headers=me).json()
    assert seen["outdated"] is True and seen["status"] == "approved"

    (row,) = api.get("/api/v1/portfolio", headers=boss).json()
    assert row["challenge"] == "" and row["units"] == ["Helse og omsorg"]  # field emptied
    assert row["feedback"] == "Godkjent (utdatert: endret etterpå)"
    _save(api, me, {"navn": "Trygg", "utfordring": '=HYPERLINK("x")'})
    exported = api.get("/api/v1/portfolio.xlsx", headers=boss)
    assert exported.status_code == 200
    assert exported.headers["cache-control"] == "no-store"  # people's names and units
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == ["Prosjekt", "Utfordring", "Fase nådd", "Tilbakemelding", "Enheter"]
    assert rows[1][1] == '\'=HYPERLINK("x")' and rows[1][4] == "Helse og omsorg"
    assert sheet.cell(2, 2).data_type == "s"

    actions = _actions(engine)
    assert [(a, actor) for a, actor, _ in actions] == [
        ("workbook.submitted", learner.id),
        ("workbook.reviewed", leader.id),
        ("workbook.portfolio_exported", leader.id),
    ]
    assert actions[2][2]["scope"] == {"municipalities": [], "units": [health.path]}

    # The feedback is in both people's personal data exports: the author's and the reviewer's.
    for headers, role in ((me, "author"), (boss, "reviewer")):
        (exported_review,) = api.get("/api/v1/me/export", headers=headers).json()["project_reviews"]
        assert exported_review["role"] == role
        assert (exported_review["status"], exported_review["comments"]) == (
            "approved",
            decision["comments"],
        )
    assert api.get("/api/v1/me/export", headers=other).json()["project_reviews"] == []


def test_instructors_see_only_what_was_sent_to_them_without_names(
    api: TestClient, engine: Engine
) -> None:
    unit = make_unit(engine, "Helse og omsorg")
    learner = make_user(engine, unit_id=unit.id)
    leader = make_user(engine)
    grant_role(engine, leader, Role.LEADER, unit=unit)
    me, boss = login(api, learner.email), login(api, leader.email)
    instructor = login(api, make_user(engine, role=Role.INSTRUCTOR).email)
    admin = login(api, make_user(engine, role=Role.ADMIN).email)
    _save(api, me, {"navn": "Trygg hjemme"})
    body = {"to": "instructor", "step_id": "m01-prosjekt"}
    review_id = api.post("/api/v1/me/project/submissions", json=body, headers=me).json()["id"]

    (item,) = api.get("/api/v1/reviews", headers=instructor).json()
    assert item["authors"] == [] and item["plan"]["steps"][0]["updated_by"] is None
    assert api.get("/api/v1/reviews", headers=boss).json() == []  # sent to the instructors
    assert api.get("/api/v1/reviews", headers=admin).json() == []  # a workbook is its authors'
    decision = {"status": "needs_work", "comments": {"m02-neste-steg": "?"}}
    outside = api.post(f"/api/v1/reviews/{review_id}/decision", json=decision, headers=instructor)
    assert outside.status_code == 422  # a step the submission does not cover
    decision["comments"] = {"m01-prosjekt": "Beskriv utfordringen."}
    done = api.post(f"/api/v1/reviews/{review_id}/decision", json=decision, headers=instructor)
    assert done.json()["status_label"] == "Trenger mer arbeid"
    (seen,) = api.get("/api/v1/me/project/feedback", headers=me).json()
    assert seen["step_id"] == "m01-prosjekt" and seen["comments"] == decision["comments"]

    loner = login(api, make_user(engine).email)  # no unit, no leader over the municipality
    _save(api, loner, {"navn": "Alene"})
    refused = api.post("/api/v1/me/project/submissions", json={"to": "leader"}, headers=loner)
    assert refused.status_code == 422 and refused.json()["code"] == "no_leader"


def _read_all(api: TestClient, headers: dict[str, str]) -> None:
    for slug in ("planlegge", "gjennomfore"):
        assert api.post(f"/api/v1/modules/{slug}/read", headers=headers).status_code == 200


def test_completion_needs_an_approved_plan_only_when_the_course_says_so(
    api: TestClient, engine: Engine, tmp_path: Path
) -> None:
    unit = make_unit(engine, "Helse og omsorg")
    learner, leader = make_user(engine, unit_id=unit.id), make_user(engine)
    grant_role(engine, leader, Role.LEADER, unit=unit)
    me, boss = login(api, learner.email), login(api, leader.email)
    _save(api, me, {"navn": "Trygg hjemme"})
    _read_all(api, me)
    assert not _completed(engine, learner)  # every module done, the plan not approved yet
    review_id = api.post(
        "/api/v1/me/project/submissions", json={"to": "leader"}, headers=me
    ).json()["id"]
    decided = api.post(
        f"/api/v1/reviews/{review_id}/decision", json={"status": "approved"}, headers=boss
    )
    assert decided.status_code == 200, decided.text
    assert _completed(engine, learner)

    with _client(tmp_path / "plain", engine, PLAIN_COURSE) as plain:  # the option off
        other = make_user(engine)
        _read_all(plain, login(plain, other.email))
    assert _completed(engine, other)


def test_the_reviewer_downloads_the_submitted_plan_and_nobody_else_does(
    api: TestClient, engine: Engine
) -> None:
    health, school = make_unit(engine, "Helse og omsorg"), make_unit(engine, "Oppvekst")
    learner = make_user(engine, full_name="Áigin Ŋuolla", unit_id=health.id)
    leader, stranger = make_user(engine), make_user(engine)
    grant_role(engine, leader, Role.LEADER, unit=health)
    grant_role(engine, stranger, Role.LEADER, unit=school)
    me, boss, other = (login(api, u.email) for u in (learner, leader, stranger))
    instructor = login(api, make_user(engine, role=Role.INSTRUCTOR).email)
    _save(api, me, {"navn": "Trygg hjemme", "utfordring": "Hvordan kan vi gi trygghet om natten?"})
    to_leader = api.post("/api/v1/me/project/submissions", json={"to": "leader"}, headers=me)
    to_teachers = api.post("/api/v1/me/project/submissions", json={"to": "instructor"}, headers=me)
    assert to_leader.status_code == to_teachers.status_code == 201

    def text(response: Response) -> str:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        return " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
        )

    leader_pdf = text(api.get(f"/api/v1/reviews/{to_leader.json()['id']}/plan.pdf", headers=boss))
    assert "Áigin Ŋuolla" in leader_pdf and "Hvordan kan vi gi trygghet om natten?" in leader_pdf
    teacher_pdf = text(
        api.get(f"/api/v1/reviews/{to_teachers.json()['id']}/plan.pdf", headers=instructor)
    )
    assert "Hvordan kan vi gi trygghet om natten?" in teacher_pdf
    assert "Áigin" not in teacher_pdf  # instructors review without the authors' names
    word = api.get(f"/api/v1/reviews/{to_leader.json()['id']}/plan.docx", headers=boss)
    assert word.status_code == 200 and word.content[:2] == b"PK"
    for headers, review_id in ((other, to_leader), (instructor, to_leader), (me, to_leader)):
        refused = api.get(f"/api/v1/reviews/{review_id.json()['id']}/plan.pdf", headers=headers)
        assert refused.status_code == 404


def test_a_leader_never_reviews_their_own_plan(api: TestClient, engine: Engine) -> None:
    unit = make_unit(engine, "Helse og omsorg")
    author, colleague = (
        make_user(engine, full_name=name, unit_id=unit.id) for name in ("Lise", "Per")
    )
    for leader in (author, colleague):
        grant_role(engine, leader, Role.LEADER, unit=unit)
    mine, theirs = login(api, author.email), login(api, colleague.email)
    _save(api, mine, {"navn": "Trygg hjemme"})
    sent = api.post("/api/v1/me/project/submissions", json={"to": "leader"}, headers=mine)
    assert sent.status_code == 201, sent.text
    review_id = sent.json()["id"]
    assert api.get("/api/v1/reviews", headers=mine).json() == []
    assert api.get(f"/api/v1/reviews/{review_id}", headers=mine).status_code == 404
    decision = {"status": "approved"}
    refused = api.post(f"/api/v1/reviews/{review_id}/decision", json=decision, headers=mine)
    assert refused.status_code == 404
    assert [item["review"]["id"] for item in api.get("/api/v1/reviews", headers=theirs).json()] == [
        review_id
    ]
    decided = api.post(f"/api/v1/reviews/{review_id}/decision", json=decision, headers=theirs)
    assert decided.status_code == 200, decided.text
