"""Importing a structure of units from CSV: dry runs, all or nothing, and a second import."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from api.data.models import AuditEvent, OrgUnit, Role
from api.services import org_csv
from tests.factories import login, make_unit, make_user

IMPORT = "/api/v1/municipalities/3203/units/import"
STRUCTURE = (
    "\ufeffsti;organisasjonsnummer\n"
    "Helse og omsorg/Hjemmetjenesten/Sone nord;974760673\n"
    "Helse og omsorg / Hjemmetjenesten / Sone sør;\n"
    "\n"
    "Oppvekst;\n"
).encode()


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:
    return login(client, make_user(engine, role=Role.ADMIN).email)


def upload(
    client: TestClient, headers: dict[str, str], data: bytes, *, dry_run: bool = False
) -> httpx.Response:
    return client.post(
        IMPORT,
        headers=headers,
        params={"dry_run": dry_run},
        files={"file": ("enheter.csv", data, "text/csv")},
    )


def units(engine: Engine) -> list[tuple[str, int, str | None]]:
    with Session(engine) as session:
        rows = session.exec(select(OrgUnit).order_by(OrgUnit.id)).all()
        return [(u.name, u.depth, u.org_number) for u in rows]


def test_a_dry_run_shows_what_would_be_created_and_creates_nothing(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    response = upload(client, admin, STRUCTURE, dry_run=True)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["dry_run"] is True and report["rows"] == 3
    assert [(c["path"], c["org_number"]) for c in report["created"]] == [
        ("Helse og omsorg", None),
        ("Helse og omsorg / Hjemmetjenesten", None),
        ("Helse og omsorg / Hjemmetjenesten / Sone nord", "974760673"),
        ("Helse og omsorg / Hjemmetjenesten / Sone sør", None),
        ("Oppvekst", None),
    ]
    assert units(engine) == []
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "unit.import"))
    assert event.target == "municipality:3203" and '"dry_run": true' in event.details


def test_an_import_creates_the_missing_ancestors_and_a_second_one_nothing(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    existing = make_unit(engine, "HELSE OG OMSORG")  # matched however it is written
    first = upload(client, admin, STRUCTURE).json()
    assert len(first["created"]) == 4 and first["unchanged"] == 0
    assert units(engine) == [
        ("HELSE OG OMSORG", 0, None),
        ("Hjemmetjenesten", 1, None),
        ("Sone nord", 2, "974760673"),
        ("Sone sør", 2, None),
        ("Oppvekst", 0, None),
    ]
    with Session(engine) as session:
        north = session.exec(select(OrgUnit).where(OrgUnit.name == "Sone nord")).one()
    assert north.path.startswith(existing.path)
    second = upload(client, admin, STRUCTURE).json()
    assert (second["created"], second["updated"], second["unchanged"]) == ([], [], 3)
    assert len(units(engine)) == 5
    renumbered = STRUCTURE.replace(b"974760673", b"923609016")
    third = upload(client, admin, renumbered).json()
    assert [c["org_number"] for c in third["updated"]] == ["923609016"]


def test_every_bad_line_is_reported_and_nothing_is_created(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    data = (
        b"sti,organisasjonsnummer\n"
        b"Helse og omsorg/Ny,\n"  # good: but nothing may be created
        b"Helse og omsorg//Sone,\n"
        b",974760673\n"
        b"Teknisk,974760674\n"
        b"helse og omsorg/ny,\n"
        b"Tab\tNavn,\n"
        b"For,mange,felt\n"
    )
    response = upload(client, admin, data)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "unit_import_invalid"
    found = [(e["line"], e["column"], e["message"]) for e in body["errors"]]
    assert [(line, column) for line, column, _ in found] == [
        (3, "sti"),
        (4, "sti"),
        (5, "organisasjonsnummer"),
        (6, "sti"),
        (7, "sti"),
        (8, None),
    ]
    assert "tomt nivå" in found[0][2]
    assert "Stien mangler" in found[1][2]
    assert "kontrollsifferet" in found[2][2]
    assert "linje 2" in found[3][2]
    assert "kontrolltegn" in found[4][2]
    assert units(engine) == []
    with Session(engine) as session:
        outcome = session.exec(
            select(AuditEvent.outcome).where(AuditEvent.action == "unit.import")
        ).all()
    assert outcome == ["failed"]
    dry = upload(client, admin, data, dry_run=True).json()
    assert len(dry["errors"]) == 6 and dry["created"][0]["path"] == "Helse og omsorg"


@pytest.mark.parametrize(
    "data",
    [
        b"path,org_number\nHelse og omsorg/Sone nord,974760673\n",
        b"sti;organisasjonsnummer\r\nHelse og omsorg/Sone nord;974 760 673\r\n",
    ],
)
def test_english_headers_commas_and_crlf_are_read(data: bytes) -> None:
    parsed = org_csv.parse(data)
    assert parsed.problems == []
    assert [(r.line, r.names, r.org_number) for r in parsed.rows] == [
        (2, ("Helse og omsorg", "Sone nord"), "974760673")
    ]


def test_a_file_that_is_not_utf8_or_has_no_path_column_is_refused() -> None:
    assert "UTF-8" in org_csv.parse("sti\nBø\n".encode("cp1252")).problems[0].message
    problems = org_csv.parse(b"navn\nHelse\n").problems
    assert [p.message for p in problems] == ["Ukjent kolonne «navn».", "Mangler kolonnen «sti»."]


def test_an_unknown_municipality_is_a_404(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/municipalities/9999/units/import",
        headers=admin,
        files={"file": ("enheter.csv", STRUCTURE, "text/csv")},
    )
    assert (response.status_code, response.json()["code"]) == (404, "municipality_not_found")


def test_the_user_import_places_people_by_unit_path(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    upload(client, admin, STRUCTURE)
    data = (
        b"e-post;navn;kommune;kommunenummer;enhet\n"
        b"kari@asker.kommune.no;Kari;Asker;3203;helse og omsorg/hjemmetjenesten/SONE NORD\n"
        b"ola@asker.kommune.no;Ola;Asker;3203;Helse og omsorg/Finnes ikke\n"
        b"per@baerum.kommune.no;Per;B\xc3\xa6rum;;Oppvekst\n"
    )
    response = client.post(
        "/api/v1/users/import",
        headers=admin,
        files={"file": ("ansatte.csv", data, "text/csv")},
    )
    assert response.status_code == 422
    errors = [(e["line"], e["column"], e["message"]) for e in response.json()["errors"]]
    assert [(line, column) for line, column, _ in errors] == [(3, "enhet"), (4, "enhet")]
    assert "Fant ingen åpen enhet «Helse og omsorg / Finnes ikke» i kommune 3203" in errors[0][2]
    assert "Fant ingen åpen enhet «Oppvekst» i kommune 3201" in errors[1][2]
    good = b"\n".join(data.split(b"\n")[:2]) + b"\n"
    placed = client.post(
        "/api/v1/users/import", headers=admin, files={"file": ("a.csv", good, "text/csv")}
    )
    assert placed.json()["created"] == 1
    with Session(engine) as session:
        north = session.exec(select(OrgUnit).where(OrgUnit.name == "Sone nord")).one()
        count = session.exec(
            select(func.count()).select_from(OrgUnit).where(OrgUnit.municipality_number == "3203")
        ).one()
    listed = client.get("/api/v1/users", headers=admin, params={"q": "kari@"}).json()
    assert [u["unit_id"] for u in listed] == [north.id]
    assert count == 5  # the user import never creates units
