"""Formula starts beyond ASCII: full-width and small forms, minus signs, controls, line breaks.

Each hostile value goes through the real export functions (CSV from
``stream_rows``, XLSX from ``stream``) on a real database, and a few through the
HTTP roster endpoint; real numbers must stay numbers.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine
from sqlmodel import Session

from api.data.models import Enrollment, Municipality, Role, User, utcnow
from api.services import content, org_units, roster, roster_export
from api.services.scope import Scope
from course.models import Course
from tests.factories import insert_unit, login, make_user

HOSTILE = {
    "full-width equals U+FF1D": '＝HYPERLINK("http://evil.example";"Klikk")',
    "full-width plus U+FF0B": "＋47 99 88 77 66",
    "full-width hyphen-minus U+FF0D": "－2＋3",
    "full-width at U+FF20": "＠SUM(A1:A2)",
    "small plus U+FE62": "﹢1+1",
    "small hyphen-minus U+FE63": "﹣1+1",
    "small equals U+FE66": "﹦1+1",
    "small at U+FE6B": "﹫SUM(A1)",
    "superscript plus U+207A": "⁺1+1",
    "superscript minus U+207B": "⁻1+1",
    "subscript equals U+208C": "₌1+1",
    "minus sign U+2212": "−2+3",
    "line feed": "\n=1+1",
    "CRLF": "\r\n=1+1",
    "start of heading U+0001": "\x01=1+1",
    "escape U+001B": "\x1b=1+1",
    "delete U+007F": "\x7f=1+1",
    "next line U+0085 (C1)": "\x85=1+1",
    "line separator U+2028": "\u2028=1+1",
    "zero-width space U+200B": "\u200b=1+1",
    "byte order mark U+FEFF": "\ufeff=1+1",
    "right-to-left override U+202E": "\u202e1+1=",
    # OWASP's own list, so that the extension keeps it
    "equals": "=1+1",
    "plus": "+1+1",
    "hyphen-minus": "-1+1",
    "at": "@SUM(A1)",
    "tab": "\t=1+1",
    "carriage return": "\r=1+1",
}
HARMLESS = [
    "Åse Ødegård",
    "Áigin Ŋuolla Čuđe",
    "Ola-Nordmann",
    "O'Brien",
    " =1 (leading space)",
    "– Tankestrek",  # an en dash is punctuation, not a minus sign
    "1,5 stilling",
    "Ærlig @ Bø",
]


@pytest.fixture
def export_roster(engine: Engine, shipped_course: Course) -> roster.Roster:
    with Session(engine) as session:
        modules = content.live_modules(
            session=session, info=shipped_course.info, cache=content.RenderCache()
        )
    return roster.Roster(
        roster.roster_modules(modules),
        shipped_course.info.version,
        roster.RosterFilters(),
        Scope.whole(),
    )


def with_units(engine: Engine, spec: roster.Roster) -> roster.Roster:
    """The roster as exports build it: with the units' names (read after they exist)."""
    with Session(engine) as session:
        return dataclasses.replace(spec, unit_labels=org_units.all_labels(session=session))


def insert_learner(engine: Engine, index: int, value: str) -> None:
    """Straight into the tables, the value in every free-text column: older data, a bad import,
    or a municipality register updated from a doctored KLASS file (needs ``restore_register``)."""
    number = f"99{index:02d}"
    with Session(engine) as session:
        session.add(
            Municipality(
                number=number,
                name=value,
                klass_name=value,
                county_number="99",
                county_name=value,
                search_text="",
                valid_from=date(2024, 1, 1),
            )
        )
        user = User(
            email=f"l{index}@asker.kommune.no",
            full_name=value,
            municipality_number=number,
            unit_id=insert_unit(session, value, number),
            created_at=utcnow(),
        )
        session.add(user)
        session.flush()
        session.add(Enrollment(user_id=user.id or 0, enrolled_at=utcnow()))
        session.commit()


def csv_rows(engine: Engine, spec: roster.Roster) -> tuple[list[str], list[list[str]]]:
    spec = with_units(engine, spec)
    chunks = roster_export.csv_chunks(roster.stream_rows(engine=engine, roster=spec), spec)
    text = b"".join(chunks).decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    return header, rows


def xlsx_sheet(engine: Engine, spec: roster.Roster, path: Path) -> Worksheet:
    spec = with_units(engine, spec)
    roster_export.write_xlsx(roster.stream(engine=engine, roster=spec), spec, path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    return sheet


def _as_xlsx_reads_it(value: str) -> str:
    # XLSX cannot hold most C0 controls (the writer drops them), and an XML parser may
    # turn a stored carriage return into a line feed when the file is read back
    # (openpyxl's default parser does; with lxml installed it keeps it): lines compared.
    return _lines(ILLEGAL_CHARACTERS_RE.sub("", value))


def _lines(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_neutralise_prefixes_every_formula_start(value: str) -> None:
    assert roster_export.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["\x00=1+1", "\x9f=1+1", "\u2029=1+1", "\u2061=1"])
def test_neutralise_prefixes_any_leading_control_or_invisible_character(value: str) -> None:
    assert roster_export.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", HARMLESS)
def test_neutralise_leaves_ordinary_text_alone(value: str) -> None:
    assert roster_export.neutralise(value) == value


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_csv_export_prefixes_the_value_in_every_text_column(
    engine: Engine, restore_register: Engine, export_roster: roster.Roster, value: str
) -> None:
    insert_learner(engine, 0, value)
    header, rows = csv_rows(engine, export_roster)
    (row,) = rows
    for column in ("Navn", "Kommune", "Fylke", "Enhet"):
        assert row[header.index(column)] == "'" + value, column
    for column in ("Fullførte obligatoriske moduler", "Obligatoriske moduler", "Prosent"):
        assert row[header.index(column)].isdigit(), column  # numbers are not prefixed


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_xlsx_export_stores_the_value_as_prefixed_text_never_a_formula(
    engine: Engine,
    restore_register: Engine,
    export_roster: roster.Roster,
    tmp_path: Path,
    value: str,
) -> None:
    insert_learner(engine, 0, value)
    sheet = xlsx_sheet(engine, export_roster, tmp_path / "roster.xlsx")
    header = [cell.value for cell in sheet[1]]
    (row,) = sheet.iter_rows(min_row=2)
    assert not [cell.coordinate for cell in row if cell.data_type == "f"]
    for column in ("Navn", "Kommune", "Fylke", "Enhet"):
        cell = row[header.index(column)]
        assert (_lines(cell.value), cell.data_type) == ("'" + _as_xlsx_reads_it(value), "s"), column
    for column in ("Fullførte obligatoriske moduler", "Obligatoriske moduler", "Prosent"):
        cell = row[header.index(column)]
        assert cell.data_type == "n" and isinstance(cell.value, int), column


def test_ordinary_names_are_exported_unchanged_in_csv_and_xlsx(
    engine: Engine, restore_register: Engine, export_roster: roster.Roster, tmp_path: Path
) -> None:
    for index, value in enumerate(HARMLESS):
        insert_learner(engine, index, value)
    _, rows = csv_rows(engine, export_roster)
    assert {row[0] for row in rows} == set(HARMLESS)
    sheet = xlsx_sheet(engine, export_roster, tmp_path / "roster.xlsx")
    assert {row[0].value for row in sheet.iter_rows(min_row=2)} == set(HARMLESS)


def test_the_roster_endpoint_neutralises_full_width_and_control_starts(
    client: TestClient, engine: Engine, restore_register: Engine
) -> None:
    admin = login(client, make_user(engine, role=Role.ADMIN, full_name="Ada Admin").email)
    values = [HOSTILE[key] for key in ("full-width equals U+FF1D", "line feed", "escape U+001B")]
    for index, value in enumerate(values):
        insert_learner(engine, index, value)

    response = client.get("/api/v1/reports/roster", headers=admin)
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    _, *rows = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    learners = [row for row in rows if row[0] != "Ada Admin"]
    assert {row[0] for row in learners} == {"'" + v for v in values}

    response = client.get("/api/v1/reports/roster", headers=admin, params={"format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    names = {_lines(row[0].value) for row in sheet.iter_rows(min_row=2)} - {"Ada Admin"}
    assert names == {"'" + _as_xlsx_reads_it(v) for v in values}
