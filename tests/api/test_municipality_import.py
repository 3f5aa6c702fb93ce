"""Updating the register from a KLASS 131 export.

``fixtures/klass/kommuner-2026.csv`` is the shipped 2024 list written as SSB's CSV
export, with changes invented for the test (not Statistics Norway's): 1811 Bindal
and 1812 Sømna merge into 1899 Sørhelgeland, 3203 Asker becomes 3299, and 1875 is
written «Hamarøy - Hábmer». ``endringer-2026.csv`` is the matching change table.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from api.core.errors import MunicipalityImportInvalid
from api.data.models import AuditEvent, Municipality, MunicipalityChange
from api.services import municipalities
from api.services.municipality_import import ImportResult, import_klass

KLASS = Path(__file__).parent / "fixtures" / "klass"
CODES = (KLASS / "kommuner-2026.csv").read_bytes()
CHANGES = (KLASS / "endringer-2026.csv").read_bytes()
JAN_2026 = date(2026, 1, 1)
HEADER = (
    '"code";"parentCode";"level";"name";"shortName";"presentationName";"validFrom";'
    '"validTo";"notes"\r\n'
)
OPEN_QUOTE = (
    'Filen kan ikke leses som CSV: et anførselstegn (") lukkes ikke, eller det står noe '
    "mellom et avsluttende anførselstegn og skilletegnet."
)


def run(
    engine: Engine, data: bytes, changes: bytes | None = CHANGES, *, dry_run: bool = False
) -> ImportResult:
    with Session(engine, expire_on_commit=False) as session:
        result = import_klass(
            session=session,
            admin=None,
            data=data,
            changes=changes,
            effective=JAN_2026,
            dry_run=dry_run,
        )
        session.commit()
    return result


def snapshot(engine: Engine) -> tuple[list[tuple[object, ...]], int]:
    with Session(engine) as session:
        rows = [
            (m.number, m.name, m.klass_name, m.valid_to)
            for m in session.exec(select(Municipality).order_by(Municipality.number))
        ]
        changes = session.exec(select(func.count()).select_from(MunicipalityChange)).one()
    return rows, changes


def test_a_merger_and_a_renumbering_keep_old_numbers_resolving(restore_register: Engine) -> None:
    engine = restore_register
    result = run(engine, CODES)
    assert [m.number for m in result.created] == ["1899", "3299"]
    assert sorted(m.number for m in result.ended) == ["1811", "1812", "3203"]
    assert [(r.number, r.new) for r in result.renamed] == [("1875", "Hamarøy - Hábmer")]
    assert sorted((c.old_number, c.kind) for c in result.changes) == [
        ("1811", "merged"),
        ("1812", "merged"),
        ("3203", "renumbered"),
    ]
    assert result.unchanged == 357 - 3 - 1
    with Session(engine) as session:
        asker = municipalities.resolve(session=session, number="3203")
        older = municipalities.resolve(session=session, number="3025")  # 2020–2023 Asker
        bindal = municipalities.resolve(session=session, number="1811")
        ended = municipalities.get(session=session, number="1812")
        current = municipalities.search(session=session, text="asker")
        hamaroy = municipalities.get(session=session, number="1875")
    assert asker is not None and asker.municipality.number == "3299"
    assert asker.municipality.name == "Asker"  # the Norwegian name carried over
    assert older is not None and older.municipality.number == "3299"
    assert [c.new_number for c in older.via] == ["3203", "3299"]
    assert bindal is not None and bindal.municipality.klass_name == "Sørhelgeland"
    assert ended is not None and ended.valid_to == date(2025, 12, 31)  # kept, not deleted
    assert [m.number for m in current] == ["3299"]
    assert hamaroy is not None and hamaroy.name == "Hamarøy"


def test_importing_the_same_file_again_changes_nothing(restore_register: Engine) -> None:
    run(restore_register, CODES)
    before = snapshot(restore_register)
    again = run(restore_register, CODES)
    assert (again.created, again.renamed, again.ended, again.changes) == ([], [], [], [])
    assert again.unchanged == 356
    assert snapshot(restore_register) == before


def test_a_dry_run_reports_and_changes_nothing(restore_register: Engine) -> None:
    before = snapshot(restore_register)
    result = run(restore_register, CODES, dry_run=True)
    assert len(result.created) == 2 and len(result.ended) == 3 and len(result.changes) == 3
    assert snapshot(restore_register) == before
    with Session(restore_register) as session:
        event = session.exec(select(AuditEvent)).one()
    assert event.action == "municipality.import" and '"dry_run": true' in event.details


def test_a_windows_1252_file_is_read_and_lost_letters_are_warned_of(
    restore_register: Engine,
) -> None:
    data = CODES.decode("utf-8").encode("cp1252", errors="replace")  # as SSB's download
    result = run(restore_register, data)
    assert [m.number for m in result.created] == ["1899", "3299"]
    # ŋ and š are not in windows-1252: those names come back with «?».
    renamed = {r.number: r.new for r in result.renamed}
    assert renamed["5622"] == "Porsanger - Porsá?gu - Porsanki"
    assert renamed["1875"] == "Hamarøy - Hábmer"  # ø and á are in windows-1252
    assert {w.line for w in result.warnings} >= {2 + sorted_index(data, "5622")}


def sorted_index(data: bytes, number: str) -> int:
    lines = data.decode("cp1252").splitlines()[1:]
    return next(i for i, line in enumerate(lines) if line.startswith(f'"{number}"'))


def test_a_bom_is_ignored(restore_register: Engine) -> None:
    result = run(restore_register, b"\xef\xbb\xbf" + CODES)
    assert len(result.created) == 2


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b'"code";"level";"shortName"\r\n"0301";"1";""\r\n',
            [("codes", 1, "name", "Kolonnen «name» mangler i overskriftslinjen.")],
        ),
        (
            (
                HEADER
                + '"0301";"";"1";"Oslo";"";"";"";"";""\r\n"30x1";"";"1";"Moss";"";"";"";"";""\r\n'
            ).encode(),
            [("codes", 3, "code", "«30x1»: et kommunenummer har fire sifre.")],
        ),
        (
            (
                HEADER
                + '"0301";"";"1";"Oslo";"";"";"";"";""\r\n"0301";"";"1";"Oslo";"";"";"";"";""\r\n'
            ).encode(),
            [("codes", 3, "code", "Kommunenummer 0301 står også på linje 2.")],
        ),
        (
            (HEADER + '"0301";"";"1";"";"";"";"2024-13-01";"";""\r\n').encode(),
            [
                ("codes", 2, "name", "Navnet mangler."),
                ("codes", 2, "validFrom", "«2024-13-01» er ikke en dato (ÅÅÅÅ-MM-DD)."),
            ],
        ),
        (
            (
                HEADER
                + '"0301";"";"1";"Oslo";"";"";"";"";""\r\n"7701";"";"1";"Ny";"";"";"";"";""\r\n'
            ).encode(),
            [("codes", 3, "code", "Fylke 77 (i 7701) er ikke i registeret.")],
        ),
        (
            (HEADER + '"0301";"";"1";"Oslo\r\n').encode(),
            [("codes", 2, None, OPEN_QUOTE)],
        ),
        (b"", [("codes", 1, None, "Filen er tom: første linje skal være overskriftene.")]),
    ],
    ids=[
        "missing-column",
        "bad-number",
        "duplicate-code",
        "empty-name-bad-date",
        "unknown-county",
        "open-quote",
        "empty",
    ],
)
def test_a_broken_file_changes_nothing_and_says_where(
    restore_register: Engine, data: bytes, expected: list[tuple[object, ...]]
) -> None:
    before = snapshot(restore_register)
    with pytest.raises(MunicipalityImportInvalid) as caught:
        run(restore_register, data, changes=None)
    found = [(e["file"], e["line"], e["column"], e["message"]) for e in caught.value.errors]
    assert found == expected
    assert snapshot(restore_register) == before


def test_a_change_to_a_number_not_in_the_list_is_refused(restore_register: Engine) -> None:
    changes = b'"oldCode";"newCode";"changeOccurred"\r\n"3203";"3298";"2026-01-01"\r\n'
    before = snapshot(restore_register)
    with pytest.raises(MunicipalityImportInvalid) as caught:
        run(restore_register, CODES, changes=changes)
    assert [(e["file"], e["line"]) for e in caught.value.errors] == [("changes", 2)]
    assert "3298" in caught.value.errors[0]["message"]
    assert snapshot(restore_register) == before


def test_a_correspondence_table_works_as_a_change_table(restore_register: Engine) -> None:
    table = (
        '"sourceCode";"sourceName";"targetCode";"targetName"\r\n"3203";"Asker";"3299";"Asker"\r\n'
    ).encode("cp1252")
    result = run(restore_register, CODES, changes=table)
    assert [(c.old_number, c.new_number, c.changed_on, c.kind) for c in result.changes] == [
        ("3203", "3299", JAN_2026, "renumbered")
    ]
