"""Team projects through the API: invitations within the municipality, members writing
the same steps with authorship and conflicts, leaving and removal, and privacy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.app import create_app
from api.core.config import Settings
from api.data.models import AuditEvent, OutgoingEmail, Role, User, WorkbookRevision
from course.loader import load_course
from tests.conftest import Databases, clear_people
from tests.factories import login, make_user

WORKBOOK_COURSE = Path(__file__).parents[1] / "course" / "fixtures" / "workbook_course"
STEP = "/api/v1/modules/planlegge/workbook/m01-prosjekt"
INVITED = "Hvis adressen tilhører en kollega i kommunen din"


@pytest.fixture(scope="module")
def teams_engine(databases: Databases) -> Engine:
    course = load_course(WORKBOOK_COURSE).course
    assert course is not None
    return databases.new_engine(course)


@pytest.fixture
def engine(teams_engine: Engine) -> Iterator[Engine]:
    yield teams_engine
    with teams_engine.begin() as connection:
        clear_people(connection)


@pytest.fixture
def api(tmp_path: Path, engine: Engine) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, secret_key="x" * 40, content_dir=WORKBOOK_COURSE)
    with TestClient(create_app(settings, engine=engine), raise_server_exceptions=False) as c:
        yield c


Headers = dict[str, str]


def _save(api: TestClient, headers: Headers, values: dict[str, object], base: int) -> Any:
    response = api.put(STEP, json={"values": values, "base_revision": base}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _team(api: TestClient, engine: Engine) -> tuple[User, Headers, User, Headers, int]:
    """Kari's project with Ola in it (both in Asker); Kari has written the first step."""
    kari = make_user(engine, full_name="Kari Nordmann")
    ola = make_user(engine, full_name="Ola Nordmann")
    k, o = login(api, kari.email), login(api, ola.email)
    project = _save(api, k, {"navn": "Trygg hjemme"}, 0)["project_id"]
    sent = api.post(f"/api/v1/projects/{project}/invitations", json={"email": ola.email.upper()},
                    headers=k)  # fmt: skip
    assert sent.status_code == 202 and sent.json()["detail"].startswith(INVITED)
    invitations = api.get("/api/v1/me/project-invitations", headers=o).json()
    assert [(i["project_id"], i["invited_by"]) for i in invitations] == [(project, "Kari Nordmann")]
    joined = api.post(f"/api/v1/me/project-invitations/{invitations[0]['id']}/accept", headers=o)
    assert joined.status_code == 200 and joined.json() == {"project_id": project}
    return kari, k, ola, o, project


def test_a_colleague_is_invited_accepts_and_writes_in_the_same_step_with_authorship(
    api: TestClient, engine: Engine
) -> None:
    _kari, k, ola, o, project = _team(api, engine)
    team = api.get(f"/api/v1/projects/{project}/members", headers=o).json()
    assert [(m["name"], m["role"]) for m in team["members"]] == [
        ("Kari Nordmann", "owner"), ("Ola Nordmann", "member"),
    ]  # fmt: skip
    # Ola's module page now writes to the team's project: he sees Kari's text and adds to it.
    seen = api.get(STEP, headers=o).json()
    assert seen["project_id"] == project and seen["values"] == {"navn": "Trygg hjemme"}
    assert seen["authors"] == ["Kari Nordmann"]
    added = _save(api, o, {"navn": "Trygg hjemme", "utfordring": "Fall om natten"}, 1)
    assert added["revision"] == 2
    back = api.get(STEP, headers=k).json()
    assert back["values"]["utfordring"] == "Fall om natten"
    assert back["authors"] == ["Kari Nordmann", "Ola Nordmann"]
    assert back["updated_by_name"] == "Ola Nordmann"
    plan = api.get("/api/v1/me/project", headers=k).json()
    assert plan["steps"][0]["authors"] == ["Kari Nordmann", "Ola Nordmann"]

    # Kari's page was opened at revision 1: her save is a conflict naming Ola's version.
    stale = api.put(STEP, json={"values": {"navn": "Kari sitt"}, "base_revision": 1}, headers=k)
    assert stale.status_code == 409
    assert stale.json()["current"]["revision"] == 2
    assert stale.json()["current"]["updated_by_name"] == "Ola Nordmann"

    # Either member names the project.
    titled = api.put(f"/api/v1/projects/{project}/title", json={"title": " Trygg natt "},
                     headers=o)  # fmt: skip
    assert titled.status_code == 200 and titled.json()["title"] == "Trygg natt"
    assert api.get("/api/v1/me/project", headers=k).json()["title"] == "Trygg natt"
    bad = api.put(f"/api/v1/projects/{project}/title", json={"title": "a\nb"}, headers=o)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "title"]

    with Session(engine) as session:
        actions = session.exec(select(AuditEvent.action, AuditEvent.target)).all()
        assert ("project.invite", f"user:{ola.id}") in actions
        assert ("project.join", f"user:{ola.id}") in actions
        kinds = session.exec(select(OutgoingEmail.kind, OutgoingEmail.user_id)).all()
        assert kinds == [("project_invitation", ola.id)]


def test_an_address_outside_the_municipality_gets_the_same_answer_as_an_unknown_one(
    api: TestClient, engine: Engine
) -> None:
    kari = make_user(engine)
    k = login(api, kari.email)
    project = _save(api, k, {"navn": "Mitt"}, 0)["project_id"]
    elsewhere = make_user(engine, municipality="Bærum")
    url = f"/api/v1/projects/{project}/invitations"
    outside = api.post(url, json={"email": elsewhere.email}, headers=k)
    unknown = api.post(url, json={"email": "finnes.ikke@asker.kommune.no"}, headers=k)
    assert (outside.status_code, outside.json()) == (unknown.status_code, unknown.json())
    assert (
        api.get("/api/v1/me/project-invitations", headers=login(api, elsewhere.email)).json() == []
    )
    assert api.get(f"/api/v1/projects/{project}/members", headers=k).json()["invited"] == []

    # A declined invitation is gone and makes no member.
    colleague = make_user(engine)
    c = login(api, colleague.email)
    api.post(url, json={"email": colleague.email}, headers=k)
    invitation = api.get("/api/v1/me/project-invitations", headers=c).json()[0]["id"]
    assert (
        api.post(f"/api/v1/me/project-invitations/{invitation}/decline", headers=c).status_code
        == 204
    )
    assert (
        api.post(f"/api/v1/me/project-invitations/{invitation}/accept", headers=c).status_code
        == 404
    )
    assert len(api.get(f"/api/v1/projects/{project}/members", headers=k).json()["members"]) == 1
    # An invitation taken back is gone for the invitee too.
    api.post(url, json={"email": colleague.email}, headers=k)
    (open_one,) = api.get(f"/api/v1/projects/{project}/members", headers=k).json()["invited"]
    taken = api.delete(f"{url}/{open_one['invitation_id']}", headers=k)
    assert taken.status_code == 204
    assert api.get("/api/v1/me/project-invitations", headers=c).json() == []


def test_members_leave_or_are_removed_and_outsiders_see_nothing(
    api: TestClient, engine: Engine
) -> None:
    kari, k, ola, o, project = _team(api, engine)
    outsider = login(api, make_user(engine).email)
    admin = login(api, make_user(engine, role=Role.ADMIN).email)
    for headers in (outsider, admin):
        assert api.get(f"/api/v1/projects/{project}/members", headers=headers).status_code == 404
        sent = api.post(f"/api/v1/projects/{project}/invitations", json={"email": "x@y.no"},
                        headers=headers)  # fmt: skip
        assert sent.status_code == 404
    # Only the owner removes others; the owner cannot leave their own project.
    assert api.delete(f"/api/v1/projects/{project}/members/{kari.id}", headers=o).status_code == 403
    assert api.delete(f"/api/v1/projects/{project}/members/{kari.id}", headers=k).status_code == 409
    assert api.delete(f"/api/v1/projects/{project}/members/{ola.id}", headers=o).status_code == 204
    # Back on his own: his module page writes to a personal project again.
    assert api.get(STEP, headers=o).json()["values"] == {}
    assert api.get(f"/api/v1/projects/{project}", headers=o).status_code == 404

    api.post(f"/api/v1/projects/{project}/invitations", json={"email": ola.email}, headers=k)
    again = api.get("/api/v1/me/project-invitations", headers=o).json()[0]["id"]
    api.post(f"/api/v1/me/project-invitations/{again}/accept", headers=o)
    assert api.delete(f"/api/v1/projects/{project}/members/{ola.id}", headers=k).status_code == 204
    with Session(engine) as session:
        actions = list(session.exec(select(AuditEvent.action)))
        assert {"project.leave", "project.remove_member"} <= set(actions)


def test_export_holds_the_team_project_and_erasure_keeps_only_the_others_text(
    api: TestClient, engine: Engine
) -> None:
    kari, k, ola, o, project = _team(api, engine)
    _save(api, o, {"navn": "Trygg hjemme", "utfordring": "Ola skrev dette"}, 1)
    exported = api.get("/api/v1/me/export", headers=o).json()
    assert [(p["id"], p["role"]) for p in exported["projects"]] == [(project, "member")]
    assert exported["projects"][0]["entries"][0]["written_by_you"] is True
    assert [r["values"]["utfordring"] for r in exported["workbook_revisions"]] == [
        "Ola skrev dette"
    ]

    admin = login(api, make_user(engine, role=Role.ADMIN).email)
    assert api.post(f"/api/v1/users/{ola.id}/erase", headers=admin).status_code == 200
    step = api.get(STEP, headers=k).json()
    assert step["values"] == {"navn": "Trygg hjemme"}  # Kari's text, Ola's gone
    assert step["authors"] == ["Kari Nordmann"] and step["updated_by_name"] == "Kari Nordmann"
    assert step["revision"] == 3  # a page still showing Ola's text cannot save over it
    with Session(engine) as session:
        assert (
            session.exec(select(WorkbookRevision).where(WorkbookRevision.author_id == ola.id)).all()
            == []
        )

    # Kari erased too: her project had nobody else left, so it goes entirely.
    assert api.post(f"/api/v1/users/{kari.id}/erase", headers=admin).status_code == 200
    with Session(engine) as session:
        assert session.exec(select(WorkbookRevision)).all() == []


def test_when_the_owner_is_erased_the_team_keeps_the_project_and_its_text(
    api: TestClient, engine: Engine
) -> None:
    kari, _k, ola, o, project = _team(api, engine)
    _save(api, o, {"navn": "Trygg hjemme", "utfordring": "Ola skrev dette"}, 1)
    admin = login(api, make_user(engine, role=Role.ADMIN).email)
    assert api.post(f"/api/v1/users/{kari.id}/erase", headers=admin).status_code == 200
    step = api.get(STEP, headers=o).json()  # still the team's project he writes in
    assert step["project_id"] == project and step["values"]["utfordring"] == "Ola skrev dette"
    assert step["authors"] == ["Ola Nordmann"]
    team = api.get(f"/api/v1/projects/{project}/members", headers=o).json()
    assert [(m["name"], m["role"]) for m in team["members"]] == [("Ola Nordmann", "owner")]
    # The last member leaving takes the project away with them.
    assert api.delete(f"/api/v1/projects/{project}/members/{ola.id}", headers=o).status_code == 204
    with Session(engine) as session:
        assert session.exec(select(WorkbookRevision)).all() == []
