"""Text a spreadsheet would run as a formula is made inert in CSV and XLSX; numbers stay numbers."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.data.models import Enrollment, Role, User, utcnow
from api.services.roster_export import neutralise
from tests.factories import insert_unit, login, make_user

ROSTER = "/api/v1/reports/roster"
DANGEROUS = [
    '=HYPERLINK("http://evil.example","Klikk")',
    "+47 99 88 77 66",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]
HARMLESS = ["Ola-Nordmann", "O'Brien", " =1 (leading space)", "Ærlig @ Bø"]


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:
    return login(client, make_user(engine, role=Role.ADMIN, full_name="Ada Admin").email)


def insert_learner(engine: Engine, index: int, name: str, unit: str | None = None) -> None:
    """Straight into the table: older data, or an import from before validation existed."""
    with Session(engine) as session:
        user = User(
            email=f"l{index}@asker.kommune.no",
            full_name=name,
            municipality_number="3203",
            unit_id=insert_unit(session, unit) if unit is not None else None,
            created_at=utcnow(),
        )
        session.add(user)
        session.flush()
        session.add(Enrollment(user_id=user.id or 0, enrolled_at=utcnow()))
        session.commit()


@pytest.mark.parametrize("value", DANGEROUS)
def test_neutralise_prefixes_formula_starts(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", HARMLESS)
def test_neutralise_leaves_other_text_alone(value: str) -> None:
    assert neutralise(value) == value


@pytest.fixture
def dangerous_roster(engine: Engine) -> None:
    for index, name in enumerate(DANGEROUS + HARMLESS):
        insert_learner(engine, index, name, unit="=cmd|' /C calc'!A0" if index == 0 else None)


def test_csv_cells_are_neutralised(
    client: TestClient, admin: dict[str, str], dangerous_roster: None
) -> None:
    response = client.get(ROSTER, headers=admin)
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    names = {row[0] for row in rows}
    assert names == {"'" + v for v in DANGEROUS} | set(HARMLESS)
    first = next(row for row in rows if row[0] == "'" + DANGEROUS[0])
    assert first[header.index("Enhet")] == "'=cmd|' /C calc'!A0"
    assert {row[header.index("Prosent")] for row in rows} == {"0"}  # numbers are not prefixed


def test_xlsx_cells_are_text_never_formulas(
    client: TestClient, admin: dict[str, str], dangerous_roster: None
) -> None:
    response = client.get(ROSTER, headers=admin, params={"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    header = [cell.value for cell in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2))
    # An XML parser may turn a stored carriage return into a line feed when the file is
    # read back (openpyxl's default one does, lxml does not): lines are compared.
    prefixed = {("'" + v).replace("\r", "\n") for v in DANGEROUS}
    assert {str(row[0].value).replace("\r", "\n") for row in rows} == prefixed | set(HARMLESS)
    percent = header.index("Prosent")
    assert {(row[percent].value, row[percent].data_type) for row in rows} == {(0, "n")}


def test_json_keeps_the_values_as_they_are(
    client: TestClient, admin: dict[str, str], dangerous_roster: None
) -> None:
    rows = client.get(ROSTER, headers=admin, params={"format": "json"}).json()
    assert {row["full_name"] for row in rows} == set(DANGEROUS + HARMLESS)
