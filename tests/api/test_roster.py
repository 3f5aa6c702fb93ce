"""The completion roster as CSV, XLSX and JSON: contents, filters, types, audit, query count."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from api.core.db import transaction
from api.data.models import AuditEvent, Enrollment, OrgUnit, Role, User
from api.services import certificates, content, learning, privacy
from api.services.contracts import UserCreate
from api.services.scope import Actor
from api.services.users import create_user
from course.models import Course
from tests.api.helpers import correct_answers, wrong_answers
from tests.api.roster_data import build_roster
from tests.api.test_queries import count_statements
from tests.factories import complete_course, login, make_unit, make_user

ROSTER = "/api/v1/reports/roster"
OSLO = ZoneInfo("Europe/Oslo")
HEADER_START = [
    "Navn",
    "E-post",
    "Kommune",
    "Kommunenummer",
    "Fylke",
    "Enhet",
    "Aktiv",
    "Påmeldt",
    "Status",
    "Fullførte obligatoriske moduler",
    "Obligatoriske moduler",
    "Prosent",
    "Fullførte valgfrie moduler",
    "Valgfrie moduler",
]
HEADER_END = ["Fullført", "Kursbevis", "Kursbevisstatus"]


def learner(
    engine: Engine,
    name: str,
    *,
    municipality: str = "Asker",
    number: str | None = "3203",
    unit: OrgUnit | None = None,
    role: Role = Role.LEARNER,
) -> User:
    """An account without a password (no hashing), as an import creates them."""
    email = name.lower().replace(" ", ".").encode("ascii", "ignore").decode() + "@k.kommune.no"
    with transaction(engine, write=True) as session:
        return create_user(
            session=session,
            data=UserCreate(
                email=email,
                full_name=name,
                role=role,
                municipality=municipality,
                municipality_number=number,
                unit_id=unit.id if unit else None,
            ),
        )


def progress(
    engine: Engine, user: User, course: Course, *, read: int, passed: int, failed: int
) -> None:
    """Read module ``read``, pass the quiz of module ``passed``, fail that of ``failed``."""
    assert user.id is not None
    with transaction(engine, write=True) as session:
        modules = content.live_modules(
            session=session, info=course.info, cache=content.RenderCache()
        )
        for index, answers in ((passed, correct_answers), (failed, wrong_answers)):
            learning.submit_attempt(
                session=session,
                user_id=user.id,
                module=modules[index],
                answers=answers(course.modules[index]),
                revision=None,
                modules=modules,
            )
        learning.mark_read(session=session, user_id=user.id, module=modules[read], modules=modules)


@dataclass
class People:
    graduate: User
    revoked: User
    started: User
    fresh: User
    inactive: User
    graduate_code: str
    revoked_code: str
    units: dict[str, int]


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:
    return login(client, make_user(engine, role=Role.ADMIN, full_name="Ada Admin").email)


@pytest.fixture
def people(
    client: TestClient, engine: Engine, admin: dict[str, str], shipped_course: Course
) -> People:
    health = make_unit(engine, "Helse og omsorg")
    home_care = make_unit(engine, "Hjemmetjenesten", parent=health)
    schools = make_unit(engine, "Oppvekst")
    karasjok = make_unit(engine, "Helse og omsorg", municipality_number="5610")
    units = {"helse": health, "hjemme": home_care, "oppvekst": schools, "karasjok": karasjok}
    graduate = learner(
        engine,
        "Áigin Ŋuolla Čuđe",
        municipality="Kárášjohka – Karasjok",
        number="5610",
        unit=karasjok,
    )
    revoked = make_user(engine, full_name="Rolf Tilbake")
    codes = []
    for user in (graduate, revoked):
        complete_course(engine, user)
        with transaction(engine, write=True) as session:
            account = session.get(User, user.id)
            assert account is not None
            codes.append(
                certificates.issue(
                    session=session, user=account, info=shipped_course.info
                ).certificate.code
            )
    revoke = client.post(
        f"/api/v1/certificates/{codes[1]}/revoke",
        headers=admin,
        json={"reason": "Utstedt ved en feil"},
    )
    assert revoke.status_code == 200
    started = learner(engine, "Ola Nordmann", unit=schools)
    progress(engine, started, shipped_course, read=0, passed=0, failed=1)
    fresh = learner(engine, "Kari Nordmann", unit=home_care)
    inactive = learner(engine, "Ivar Inaktiv")
    assert client.post(f"/api/v1/users/{inactive.id}/deactivate", headers=admin).status_code == 200
    learner(engine, "Ingrid Instruktør", role=Role.INSTRUCTOR)
    erased = learner(engine, "Ebba Slettes")
    with transaction(engine, write=True) as session:
        privacy.erase_user(session=session, actor=Actor.for_operator(), user_id=erased.id or 0)
    ids = {name: unit.id or 0 for name, unit in units.items()}
    return People(graduate, revoked, started, fresh, inactive, codes[0], codes[1], ids)


def read_csv(response: httpx.Response, delimiter: str = ";") -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=delimiter))


def names(client: TestClient, admin: dict[str, str], **params: object) -> list[str]:
    response = client.get(ROSTER, headers=admin, params={"format": "json", **params})
    assert response.status_code == 200, response.text
    return [row["full_name"] for row in response.json()]


def test_csv_has_one_row_per_learner_with_progress_scores_and_certificate(
    client: TestClient, admin: dict[str, str], people: People, shipped_course: Course
) -> None:
    response = client.get(ROSTER, headers=admin)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="deltakere-')
    header, *rows = read_csv(response)
    titles = [f"Quiz (%): {m.title}" for m in shipped_course.modules]
    assert header == HEADER_START + titles + HEADER_END
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    # Learners only, erased ones left out, deactivated ones kept; sorted by municipality.
    assert list(by_name) == [
        "Ivar Inaktiv",
        "Kari Nordmann",
        "Ola Nordmann",
        "Rolf Tilbake",
        "Áigin Ŋuolla Čuđe",
    ]
    today = datetime.now(OSLO).date().isoformat()
    aigin = by_name["Áigin Ŋuolla Čuđe"]
    assert aigin | {t: "" for t in titles} == {
        "Navn": "Áigin Ŋuolla Čuđe",
        "E-post": people.graduate.email,
        "Kommune": "Karasjok",
        "Kommunenummer": "5610",
        "Fylke": "Finnmark",
        "Enhet": "Helse og omsorg",
        "Aktiv": "ja",
        "Påmeldt": today,
        "Status": "Fullført",
        "Fullførte obligatoriske moduler": str(len(shipped_course.modules)),
        "Obligatoriske moduler": str(len(shipped_course.modules)),
        "Prosent": "100",
        # Optional modules are counted apart (other tests in this file may add some).
        "Fullførte valgfrie moduler": aigin["Fullførte valgfrie moduler"],
        "Valgfrie moduler": aigin["Valgfrie moduler"],
        **{t: "" for t in titles},
        "Fullført": today,
        "Kursbevis": people.graduate_code,
        "Kursbevisstatus": "Gyldig",
    }
    assert {aigin[t] for t in titles} == {"100"}
    ola = by_name["Ola Nordmann"]
    assert [ola[t] for t in titles] == ["100", "0"] + [""] * (len(titles) - 2)
    assert (ola["Status"], ola["Fullførte obligatoriske moduler"], ola["Prosent"]) == (
        "Pågår",
        "1",
        str(100 // len(titles)),  # one module of all, rounded down
    )
    assert (ola["Fullført"], ola["Kursbevis"], ola["Kursbevisstatus"]) == ("", "", "")
    kari = by_name["Kari Nordmann"]
    assert (kari["Status"], kari["Prosent"], kari["Enhet"]) == (
        "Ikke startet",
        "0",
        "Helse og omsorg / Hjemmetjenesten",
    )
    assert by_name["Rolf Tilbake"]["Kursbevisstatus"] == "Trukket tilbake"
    assert by_name["Ivar Inaktiv"]["Aktiv"] == "nei"


def test_csv_delimiter_is_selectable(
    client: TestClient, admin: dict[str, str], people: People
) -> None:
    for name, delimiter in (("comma", ","), ("tab", "\t"), ("semicolon", ";")):
        response = client.get(ROSTER, headers=admin, params={"delimiter": name})
        header, *rows = read_csv(response, delimiter)
        assert header[:2] == ["Navn", "E-post"]
        assert len(rows) == 5
    assert client.get(ROSTER, headers=admin, params={"delimiter": "pipe"}).status_code == 422


def test_xlsx_has_typed_cells_and_a_frozen_bold_header(
    client: TestClient, admin: dict[str, str], people: People, shipped_course: Course
) -> None:
    response = client.get(ROSTER, headers=admin, params={"format": "xlsx"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    header = [cell.value for cell in sheet[1]]
    rows = {
        row[0]: dict(zip(header, row, strict=True))
        for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    aigin = rows["Áigin Ŋuolla Čuđe"]
    today = datetime.now(OSLO).date()
    assert aigin["Påmeldt"] == datetime(today.year, today.month, today.day)  # a date cell
    assert aigin["Fullført"] == datetime(today.year, today.month, today.day)
    assert (aigin["Fullførte obligatoriske moduler"], aigin["Prosent"]) == (
        len(shipped_course.modules),
        100,
    )  # numbers, not text
    assert aigin["Kommunenummer"] == "5610"  # text: Oslo is 0301
    ola = rows["Ola Nordmann"]
    assert ola["Fullført"] is None
    assert [ola[h] for h in header if str(h).startswith("Quiz")][:3] == [100, 0, None]


def test_json_rows_follow_the_roster_entry_schema(
    client: TestClient, admin: dict[str, str], people: People, shipped_course: Course
) -> None:
    rows = client.get(ROSTER, headers=admin, params={"format": "json"}).json()
    ola = next(row for row in rows if row["full_name"] == "Ola Nordmann")
    slugs = [m.slug for m in shipped_course.modules]
    scores = [1.0, 0.0] + [None] * (len(slugs) - 2)
    assert ola["best_scores"] == dict(zip(slugs, scores, strict=True))
    counts = (ola["status"], ola["modules_completed"], ola["modules_total"])
    assert counts == ("in_progress", 1, len(slugs))
    assert ola["certificate_status"] is None
    revoked = next(row for row in rows if row["full_name"] == "Rolf Tilbake")
    assert (revoked["certificate_code"], revoked["certificate_status"]) == (
        people.revoked_code,
        "revoked",
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"municipality": "Kárášjohka – Karasjok"}, ["Áigin Ŋuolla Čuđe"]),
        ({"municipality": "5610"}, ["Áigin Ŋuolla Čuđe"]),
        ({"unit": "helse"}, ["Kari Nordmann"]),  # the unit and everything below it
        ({"unit": "hjemme"}, ["Kari Nordmann"]),
        ({"unit": "oppvekst"}, ["Ola Nordmann"]),
        ({"unit": "karasjok"}, ["Áigin Ŋuolla Čuđe"]),
        ({"status": "completed"}, ["Rolf Tilbake", "Áigin Ŋuolla Čuđe"]),
        ({"status": "in_progress"}, ["Ola Nordmann"]),
        ({"status": "not_started"}, ["Ivar Inaktiv", "Kari Nordmann"]),
        (
            {"status": "not_started", "municipality": "3203", "unit": "helse"},
            ["Kari Nordmann"],
        ),
        ({"municipality": "Oslo"}, []),
    ],
)
def test_filters_narrow_the_roster(
    client: TestClient,
    admin: dict[str, str],
    people: People,
    params: dict[str, str],
    expected: list[str],
) -> None:
    if "unit" in params:
        params = {**params, "unit": str(people.units[params["unit"]])}
    assert names(client, admin, **params) == expected


def test_an_unknown_unit_filter_is_a_404(
    client: TestClient, admin: dict[str, str], people: People
) -> None:
    response = client.get(ROSTER, headers=admin, params={"unit": 999_999})
    assert (response.status_code, response.json()["code"]) == (404, "unit_not_found")


def test_completion_dates_filter_by_norwegian_days(
    client: TestClient, engine: Engine, admin: dict[str, str], people: People
) -> None:
    # 22:30 UTC on 31 March is 00:30 on 1 April in Norway (summer time).
    late = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    with Session(engine) as session:
        session.exec(
            update(Enrollment)
            .where(Enrollment.user_id == people.graduate.id)  # type: ignore[call-overload]
            .values(completed_at=late)
        )
        session.commit()
    april = names(client, admin, completed_from="2026-04-01", completed_to="2026-04-01")
    assert april == ["Áigin Ŋuolla Čuđe"]
    assert names(client, admin, completed_to="2026-03-31") == []
    rows = client.get(ROSTER, headers=admin, params={"format": "json", "status": "completed"})
    assert rows.json()[-1]["completed_on"] == "2026-04-01"
    wrong = client.get(
        ROSTER, headers=admin, params={"completed_from": "2026-05-01", "completed_to": "2026-04-01"}
    )
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["query", "completed_to"]


def test_each_export_is_audited_with_format_and_filters(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    client.get(ROSTER, headers=admin, params={"format": "xlsx", "status": "completed"})
    with Session(engine) as session:
        [event] = session.exec(
            select(AuditEvent).where(AuditEvent.action == "report.roster_export")
        ).all()
    assert (event.outcome, event.target) == ("ok", "roster")
    assert event.details == (
        '{"filters": {"status": "completed"}, "format": "xlsx", "scope": {"everything": true}}'
    )


def test_the_roster_is_a_fixed_number_of_queries_whatever_its_size(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    build_roster(engine, 5)
    with count_statements(engine) as small:
        assert client.get(ROSTER, headers=admin).status_code == 200
    build_roster(engine, 200)
    with count_statements(engine) as large:
        body = client.get(ROSTER, headers=admin).content
    assert body.count(b"\r\n") == 206  # header and 205 learners
    assert len(large) == len(small)
    assert len(small) <= 12


def test_municipality_summary_counts_erased_and_inactive_learners(
    client: TestClient, admin: dict[str, str], people: People
) -> None:
    response = client.get("/api/v1/reports/municipalities", headers=admin)
    assert response.status_code == 200
    assert response.json() == [
        {
            "municipality": "Asker",
            "municipality_number": "3203",
            "county": "Akershus",
            "enrolled": 5,
            "started": 2,
            "completed": 1,
            "completion_rate": 0.2,
        },
        {
            "municipality": "Karasjok",  # the register's name, whatever the account was given
            "municipality_number": "5610",
            "county": "Finnmark",
            "enrolled": 1,
            "started": 1,
            "completed": 1,
            "completion_rate": 1.0,
        },
    ]


def test_csv_and_xlsx_hold_the_same_values(
    client: TestClient, engine: Engine, admin: dict[str, str], people: People
) -> None:
    build_roster(engine, 300)  # every status, revoked certificates, departments left empty
    csv_rows = read_csv(client.get(ROSTER, headers=admin))
    response = client.get(ROSTER, headers=admin, params={"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None

    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.date().isoformat()
        return str(value)

    xlsx_rows = [[text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert len(csv_rows) == 306
    assert csv_rows == xlsx_rows
