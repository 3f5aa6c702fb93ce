"""Bulk import of employees from CSV: dry runs, all-or-nothing, re-imports, setup codes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from api.data.models import AuditEvent, Enrollment, OrgUnit, PasswordSetupToken, Role, User
from tests.factories import import_fixture_units, login, make_user

FIXTURES = Path(__file__).parent / "fixtures"
# Every bad row in bad-rows.csv: (line, column as in the header, part of the message).
BAD_ROWS = [
    (3, "e-post", "E-postadressen mangler"),
    (4, "e-post", "Ugyldig e-postadresse «ikke-en-epost»"),
    (5, "navn", "Navnet mangler"),
    (6, "kommune", "Kommunen mangler"),
    (7, "kommunenummer", "fire sifre, ikke «32»"),
    (8, "kommunenummer", "fire sifre, ikke «32a4»"),
    (9, "rolle", "Ukjent rolle «sjef»"),
    (10, "navn", "lengre enn 200 tegn"),
    (11, "navn", "kontrolltegn"),
    (12, None, "Linjen har 7 felt, men overskriften har 6"),
    (13, None, "Linjen har 3 felt, men overskriften har 6"),
    (14, "e-post", "står også på linje 2"),
]


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:
    user = make_user(engine, role=Role.ADMIN, email="admin@asker.kommune.no")
    return login(client, user.email)


@pytest.fixture
def units(engine: Engine) -> dict[str, OrgUnit]:
    return import_fixture_units(engine)


def upload(
    client: TestClient, headers: dict[str, str], data: bytes, *, dry_run: bool = False
) -> httpx.Response:
    return client.post(
        "/api/v1/users/import",
        headers=headers,
        params={"dry_run": dry_run},
        files={"file": ("ansatte.csv", data, "text/csv")},
    )


def user_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(User)).one()


def test_semicolon_file_with_bom_creates_accounts_with_setup_codes(
    client: TestClient, engine: Engine, admin: dict[str, str], units: dict[str, OrgUnit]
) -> None:
    response = upload(client, admin, (FIXTURES / "ansatte.csv").read_bytes())
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["rows"], report["created"], report["updated"], report["errors"]) == (3, 3, 0, [])
    with Session(engine) as session:
        users = {u.email: u for u in session.exec(select(User)).all()}
        enrolled = session.exec(select(func.count()).select_from(Enrollment)).one()
    aigin, kari, ola = (
        users[f"{name}.kommune.no"] for name in ("aigin@karasjok", "kari@oslo", "ola@asker")
    )
    assert aigin.full_name == "Áigin Ŋuolla Čuđe"
    assert aigin.municipality is not None  # "Kárášjohka – Karasjok" in the file
    assert (aigin.municipality_number, aigin.municipality.name) == ("5610", "Karasjok")
    assert (kari.role, kari.municipality_number) == ("instructor", "0301")  # Excel's lost zero
    assert (ola.full_name, ola.unit_id, ola.role) == ("Nordmann; Ola", None, "learner")
    assert (aigin.unit_id, kari.unit_id) == (units["helse"].id, units["gamle oslo"].id)
    assert all(u.password_hash is None for u in (aigin, kari, ola))
    assert enrolled == 4  # the three and the administrator

    codes = {c["email"]: c for c in report["setup_codes"]}
    assert set(codes) == {aigin.email, kari.email, ola.email}
    body = {"token": codes[kari.email]["code"], "password": "kari-sitt-passord"}
    assert client.post("/api/v1/auth/password-setup", json=body).status_code == 204
    assert login(client, kari.email, "kari-sitt-passord")


def test_reimport_updates_by_email_instead_of_duplicating(
    client: TestClient, engine: Engine, admin: dict[str, str], units: dict[str, OrgUnit]
) -> None:
    upload(client, admin, (FIXTURES / "ansatte.csv").read_bytes())
    before = user_count(engine)
    response = upload(client, admin, (FIXTURES / "employees-reimport.csv").read_bytes())
    report = response.json()
    assert (report["created"], report["updated"], report["unchanged"]) == (1, 1, 2)
    assert [c["email"] for c in report["setup_codes"]] == ["per@asker.kommune.no"]
    assert user_count(engine) == before + 1
    with Session(engine) as session:
        aigin = session.exec(select(User).where(User.email == "aigin@karasjok.kommune.no")).one()
        codes = session.exec(select(func.count()).select_from(PasswordSetupToken)).one()
    assert aigin.unit_id == units["oppvekst"].id
    assert codes == 4  # no new codes for accounts that existed


def test_dry_run_reports_every_bad_row_with_line_and_reason(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    before = user_count(engine)
    response = upload(client, admin, (FIXTURES / "bad-rows.csv").read_bytes(), dry_run=True)
    assert response.status_code == 200
    report = response.json()
    found = [(e["line"], e["column"], e["message"]) for e in report["errors"]]
    assert [(line, column) for line, column, _ in found] == [(ln, c) for ln, c, _ in BAD_ROWS]
    for (_, _, message), (_, _, expected) in zip(found, BAD_ROWS, strict=True):
        assert expected in message
    assert (report["rows"], report["created"]) == (13, 1)  # what a fixed file would do
    assert user_count(engine) == before
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent)).all()
    assert (event.action, event.outcome) == ("user.import", "ok")
    assert '"dry_run": true' in event.details and '"errors": 12' in event.details


def test_import_with_any_bad_row_imports_nothing(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    before = user_count(engine)
    response = upload(client, admin, (FIXTURES / "bad-rows.csv").read_bytes())
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "import_invalid"
    assert [(e["line"], e["column"]) for e in body["errors"]] == [(ln, c) for ln, c, _ in BAD_ROWS]
    assert user_count(engine) == before  # not even the good row on line 2
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent)).all()
        assert session.exec(select(func.count()).select_from(PasswordSetupToken)).one() == 0
    assert (event.action, event.outcome, event.target) == ("user.import", "failed", "users")


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        ((FIXTURES / "windows-1252.csv").read_bytes(), 3, "ikke UTF-8"),
        (b"", 1, "tom"),
        (b"email;navn;kommune\n", 1, "ingen brukere"),
        (b"email;navn\nx@asker.kommune.no;X\n", 1, "Mangler kolonnen «kommune»"),
        (b"email;navn;kommune;telefon\nx@a.no;X;Y;1\n", 1, "Ukjent kolonne «telefon»"),
        (b"email;navn;kommune;e-post\n", 1, "står to ganger"),
        (b'email;navn;kommune\nx@asker.kommune.no;"X;Asker\n', 2, "lukkes ikke"),
    ],
)
def test_unreadable_files_are_refused_with_the_line(
    client: TestClient, engine: Engine, admin: dict[str, str], data: bytes, line: int, message: str
) -> None:
    response = upload(client, admin, data)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["line"] == line
    assert message in error["message"]


def test_import_cannot_change_the_importing_admins_own_role(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    data = b"email,full name,municipality,role\nadmin@asker.kommune.no,Ada,Asker,learner\n"
    response = upload(client, admin, data)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"line": 2, "column": "role", "message": "Du kan ikke endre din egen rolle."}
    ]
    assert client.get("/api/v1/me", headers=admin).json()["role"] == "admin"


def test_import_without_a_file_is_422(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post("/api/v1/users/import", headers=admin)
    assert response.status_code == 422
    assert ["body", "file"] in [e["loc"] for e in response.json()["detail"]]


@pytest.mark.parametrize(
    ("content_type", "part_header"),
    [
        ("multipart/form-data", b"Content-Disposition: form-data; name=file"),  # no boundary
        ("multipart/form-data; boundary=x", b"Content-Disposition: form-data"),  # no name
    ],
)
def test_a_form_that_cannot_be_read_is_the_documented_422(
    app: FastAPI,
    client: TestClient,
    engine: Engine,
    admin: dict[str, str],
    content_type: str,
    part_header: bytes,
) -> None:
    before = user_count(engine)
    response = client.post(
        "/api/v1/users/import",
        headers={**admin, "Content-Type": content_type},
        content=b"--x\r\n" + part_header + b"\r\n\r\nx\r\n--x--\r\n",
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"][0]["loc"][0] == "body"
    documented = app.openapi()["paths"]["/api/v1/users/import"]["post"]["responses"]
    assert "422" in documented and "400" not in documented
    assert user_count(engine) == before
