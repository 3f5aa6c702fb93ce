"""The instructor's module pages over plain HTTP, on SQLite and PostgreSQL: who may use them,
what they refuse, and that what they do is what learners and the API then see."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.app import create_app
from api.core.config import Settings
from api.data.models import AuditEvent, CourseModule, Role
from course.models import Course
from tests.conftest import Databases
from tests.factories import login, make_user
from tests.web.conftest import web_settings
from tests.web.test_web_security import csrf_from, log_in

NEW = "digitale-tjenester"
# Every new form: (path, fields) with {slug} standing for a live module.
POSTS = [
    ("/instruktor/moduler", {"tittel": "Digitale tjenester"}),
    ("/instruktor/moduler/{slug}/arkiver", {}),
    ("/instruktor/moduler/{slug}/hent-tilbake", {}),
    ("/instruktor/moduler/{slug}/flytt", {"retning": "opp"}),
]
PAGES = ["/instruktor", "/instruktor/moduler/{slug}/arkiver"]


@pytest.fixture
def engine(databases: Databases, shipped_course: Course) -> Engine:
    """A database of its own (SQLite or PostgreSQL): these tests change the course."""
    return databases.new_engine(shipped_course)


def _client(settings: Settings, engine: Engine) -> TestClient:
    return TestClient(create_app(settings, engine=engine), raise_server_exceptions=False)


@pytest.fixture
def client(tmp_path: Path, engine: Engine) -> Iterator[TestClient]:
    with _client(web_settings(tmp_path), engine) as test_client:
        yield test_client


def _staff(client: TestClient, engine: Engine, role: Role = Role.INSTRUCTOR) -> str:
    """Log in a new staff member; returns the page's CSRF token."""
    log_in(client, make_user(engine, role=role).email)
    return csrf_from(client, "/instruktor")


def _order(engine: Engine) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(
            select(CourseModule.slug)
            .where(col(CourseModule.archived_at).is_(None))
            .order_by(col(CourseModule.position))
        )
        return list(rows)


def _outline(client: TestClient, engine: Engine) -> list[dict[str, object]]:
    """The course outline as a learner gets it from the API."""
    learner = login(client, make_user(engine).email)
    modules: list[dict[str, object]] = client.get("/api/v1/course", headers=learner).json()[
        "modules"
    ]
    return modules


def _audit(engine: Engine, action: str) -> list[tuple[str, str, str | None]]:
    with Session(engine) as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
        )
        return [(e.target, e.outcome, e.actor_role) for e in rows]


def _field_error(html: str, field: str) -> str:
    """The error shown at ``field``, checked to be tied to the field with aria-describedby."""
    tag = re.search(rf'<input id="{field}"[^>]*>', html)
    assert tag is not None, html
    described_by = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    assert described_by is not None and f"{field}-feil" in described_by.group(1).split()
    assert 'aria-invalid="true"' in tag.group(0)
    message = re.search(rf'id="{field}-feil">(?:<span[^>]*>Feil: </span>)?([^<]*)<', html)
    assert message is not None
    return message.group(1)


@pytest.mark.parametrize("role", [None, Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN])
def test_only_instructors_and_administrators_may_use_the_module_pages(
    client: TestClient, engine: Engine, shipped_course: Course, role: Role | None
) -> None:
    slug = shipped_course.modules[-1].slug
    before = _order(engine)
    if role is not None:
        log_in(client, make_user(engine, role=role).email)
    token = csrf_from(client, "/logg-inn" if role is None else "/")
    for path in PAGES:
        response = client.get(path.format(slug=slug), follow_redirects=False)
        if role is None:
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/logg-inn?neste=/instruktor")
        elif role is Role.LEARNER:
            assert response.status_code == 403, path
            assert "Ingen tilgang" in response.text
        else:
            assert response.status_code == 200, path
    if role in (Role.INSTRUCTOR, Role.ADMIN):
        return  # what staff can do is tested below
    for path, fields in POSTS:
        data = {"csrf_token": token, **fields}
        response = client.post(path.format(slug=slug), data=data, follow_redirects=False)
        if role is None:
            assert response.status_code == 303, path
            assert response.headers["location"] == "/logg-inn"
        else:
            assert response.status_code == 403, path
            assert "Ingen tilgang" in response.text
    assert _order(engine) == before
    if role is Role.LEARNER:  # refused like the API's refusals: audited as denied
        assert _audit(engine, "module.archive") == [(f"module:{slug}", "denied", "learner")]
        assert _audit(engine, "module.create") == [("modules", "denied", "learner")]


def test_every_module_form_refuses_a_missing_or_wrong_csrf_token(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    slug = shipped_course.modules[-1].slug
    _staff(client, engine)
    before = _order(engine)
    for path, fields in POSTS:
        for token in ({}, {"csrf_token": "gjettet"}):
            response = client.post(path.format(slug=slug), data={**token, **fields})
            assert response.status_code == 403, path
            assert "sikkerhetskoden" in response.text
    assert _order(engine) == before


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.ADMIN])
def test_a_new_module_opens_in_the_editor_and_joins_the_course_last(
    client: TestClient, engine: Engine, shipped_course: Course, role: Role
) -> None:
    token = _staff(client, engine, role)
    response = client.post(
        "/instruktor/moduler",
        data={"csrf_token": token, "tittel": "  Digitale   tjenester ", "adresse": ""},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/instruktor/moduler/{NEW}?opprettet=1#status"
    editor = client.get(response.headers["location"])
    assert "Modulen er opprettet" in editor.text
    assert "title: Digitale tjenester" in editor.text
    assert "Denne modulen er under arbeid." in editor.text

    staff = login(client, make_user(engine, role=role).email)
    listed = client.get("/api/v1/modules", headers=staff).json()
    assert [(m["slug"], m["title"], m["revision"]) for m in listed if m["slug"] == NEW] == [
        (NEW, "Digitale tjenester", 1)
    ]
    outline = _outline(client, engine)
    assert len(outline) == len(shipped_course.modules) + 1
    assert (outline[-1]["slug"], outline[-1]["title"]) == (NEW, "Digitale tjenester")
    assert outline[-1]["required"] is False  # it blocks no one's certificate until written
    assert _audit(engine, "module.create") == [(f"module:{NEW}", "ok", role.value)]


def test_a_chosen_address_is_used_and_an_odd_title_is_kept_on_one_clean_line(
    client: TestClient, engine: Engine
) -> None:
    token = _staff(client, engine)
    title = "Hva nå? «Sitat»: #1 – 'ja' & nei"
    sent = "Hva nå?\r\n «Sitat»: #1 – 'ja' & nei\x07\x00"  # one line, no control characters
    data = {"csrf_token": token, "tittel": sent, "adresse": "egen-adresse"}
    assert client.post("/instruktor/moduler", data=data).status_code == 200
    staff = login(client, make_user(engine, role=Role.INSTRUCTOR).email)
    source = client.get("/api/v1/modules/egen-adresse/source", headers=staff).json()
    assert source["revision"] == 1
    assert _outline(client, engine)[-1]["title"] == title


@pytest.mark.parametrize(
    ("fields", "status", "errors"),
    [
        ({"tittel": "", "adresse": ""}, 422, {"tittel": "Skriv en tittel."}),
        ({"tittel": " \t ", "adresse": "ok-adresse"}, 422, {"tittel": "Skriv en tittel."}),
        ({"tittel": "x" * 201}, 422, {"tittel": "Tittelen kan ha høyst 200 tegn."}),
        ({"tittel": "Fin", "adresse": "Store Bokstaver"}, 422, {"adresse": "Adressen kan bare"}),
        ({"tittel": "Fin", "adresse": "a--b"}, 422, {"adresse": "Adressen kan bare"}),
        ({"tittel": "Fin", "adresse": "a" * 81}, 422, {"adresse": "Adressen kan bare"}),
        ({"tittel": "???"}, 422, {"adresse": "Tittelen gir ingen adresse."}),
        (
            {"tittel": "", "adresse": "-feil"},
            422,
            {"tittel": "Skriv en tittel.", "adresse": "Adressen kan bare"},
        ),
        (
            {"tittel": "Samskaping", "adresse": ""},
            409,
            {"adresse": "Det finnes allerede en modul med adressen samskaping."},
        ),
    ],
)
def test_a_bad_title_or_address_is_shown_at_its_field_and_creates_nothing(
    client: TestClient,
    engine: Engine,
    fields: dict[str, str],
    status: int,
    errors: dict[str, str],
) -> None:
    token = _staff(client, engine)
    before = _order(engine)
    response = client.post("/instruktor/moduler", data={"csrf_token": token, **fields})
    assert response.status_code == status
    assert "Modulen ble ikke opprettet" in response.text
    for field, message in errors.items():
        assert _field_error(response.text, field).startswith(message)
    for field in {"tittel", "adresse"} - set(errors):
        assert f'id="{field}-feil"' not in response.text
    if fields.get("adresse"):
        assert f'value="{fields["adresse"]}"' in response.text  # what was typed is kept
    assert _order(engine) == before
    # Defect 9: a form that does not validate is audited as failed, as the API's 422 is.
    outcome = "denied" if status == 409 else "failed"
    expected_audit = [("modules", outcome, "instructor")]
    assert _audit(engine, "module.create") == expected_audit


def test_moving_a_module_changes_the_order_learners_see(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    token = _staff(client, engine)
    slugs = [m.slug for m in shipped_course.modules]
    moved = client.post(
        f"/instruktor/moduler/{slugs[-1]}/flytt", data={"csrf_token": token, "retning": "opp"}
    )
    assert moved.status_code == 200
    assert f"«{shipped_course.modules[-1].title}» er nå modul nummer {len(slugs) - 1}." in (
        moved.text
    )
    expected = [*slugs[:-2], slugs[-1], slugs[-2]]
    assert [m["slug"] for m in _outline(client, engine)] == expected
    down = client.post(
        f"/instruktor/moduler/{slugs[0]}/flytt", data={"csrf_token": token, "retning": "ned"}
    )
    assert down.status_code == 200
    expected = [slugs[1], slugs[0], *expected[2:]]
    assert _order(engine) == expected

    # The first cannot go up, nor the last down: nothing changes.
    for slug, direction in ((expected[0], "opp"), (expected[-1], "ned")):
        data = {"csrf_token": token, "retning": direction}
        assert client.post(f"/instruktor/moduler/{slug}/flytt", data=data).status_code == 200
    assert _order(engine) == expected
    assert [target for target, _, _ in _audit(engine, "module.reorder")] == ["course", "course"]

    sideways = {"csrf_token": token, "retning": "sidelengs"}
    assert client.post(f"/instruktor/moduler/{slugs[0]}/flytt", data=sideways).status_code == 400
    missing = {"csrf_token": token, "retning": "opp"}
    assert client.post("/instruktor/moduler/finnes-ikke/flytt", data=missing).status_code == 404
    assert _order(engine) == expected


def test_archiving_asks_first_keeps_history_and_the_module_can_be_brought_back(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    module = shipped_course.modules[1]
    learner = make_user(engine)
    learner_headers = login(client, learner.email)
    client.post(f"/api/v1/modules/{module.slug}/read", headers=learner_headers)
    token = _staff(client, engine)

    confirm = client.get(f"/instruktor/moduler/{module.slug}/arkiver")
    assert f"Arkivere «{module.title}»?" in confirm.text
    assert "Deltakernes fremdrift og quizforsøk" in confirm.text
    assert module.slug in _order(engine)  # asking changes nothing

    archived = client.post(
        f"/instruktor/moduler/{module.slug}/arkiver",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert archived.status_code == 303
    assert (
        archived.headers["location"] == f"/instruktor?melding=arkivert&modul={module.slug}#status"
    )
    listing = client.get(archived.headers["location"]).text
    assert f"«{module.title}» er arkivert" in listing
    archived_part = listing.split('id="arkiverte"', 1)[1]
    assert f"/instruktor/moduler/{module.slug}/hent-tilbake" in archived_part
    assert module.slug not in [m["slug"] for m in _outline(client, engine)]
    staff = login(client, make_user(engine, role=Role.INSTRUCTOR).email)
    row = next(
        m for m in client.get("/api/v1/modules", headers=staff).json() if m["slug"] == module.slug
    )
    assert row["archived_at"] is not None
    assert client.get(f"/instruktor/moduler/{module.slug}/arkiver").status_code == 404
    again = client.post(f"/instruktor/moduler/{module.slug}/arkiver", data={"csrf_token": token})
    assert again.status_code == 404

    back = client.post(
        f"/instruktor/moduler/{module.slug}/hent-tilbake", data={"csrf_token": token}
    )
    assert back.status_code == 200
    assert f"«{module.title}» er tilbake i kurset, sist i rekkefølgen." in back.text
    assert _order(engine)[-1] == module.slug
    statuses = client.get("/api/v1/course", headers=learner_headers).json()["modules"]
    status = "in_progress" if module.quiz is not None else "completed"
    assert (statuses[-1]["slug"], statuses[-1]["status"]) == (module.slug, status)
    twice = client.post(
        f"/instruktor/moduler/{module.slug}/hent-tilbake", data={"csrf_token": token}
    )
    assert twice.status_code == 404
    assert _audit(engine, "module.archive") == [
        (f"module:{module.slug}", "ok", "instructor"),
        (f"module:{module.slug}", "failed", "instructor"),
    ]
    assert _audit(engine, "module.unarchive") == [
        (f"module:{module.slug}", "ok", "instructor"),
        (f"module:{module.slug}", "failed", "instructor"),
    ]


def test_the_accessibility_statement_is_public_and_linked_from_every_page(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    statement = client.get("/tilgjengelighet")
    assert statement.status_code == 200
    assert "<h1>Tilgjengelighets&shy;erklæring</h1>" in statement.text
    assert "WCAG 2.1" in statement.text
    assert "Kontakt kursansvarlig i din kommune" in statement.text
    for path in ("/logg-inn", "/verify", "/finnes-ikke"):
        assert 'href="/tilgjengelighet"' in client.get(path).text, path
    _staff(client, engine)
    assert 'href="/tilgjengelighet"' in client.get("/instruktor").text

    settings = web_settings(tmp_path).model_copy(
        update={"accessibility_contact": "uu@asker.kommune.no"}
    )
    with _client(settings, engine) as configured:
        text = configured.get("/tilgjengelighet").text
    assert '<a href="mailto:uu@asker.kommune.no">uu@asker.kommune.no</a>' in text
