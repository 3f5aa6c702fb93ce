"""The roster as CSV, XLSX or JSON, written batch by batch so memory stays flat.

CSV is UTF-8 with a byte order mark (without it, Excel shows æ, ø and å as
garbage) and semicolon-separated by default: Excel in a Norwegian locale uses
the comma as decimal separator and expects ``;`` between fields, so a comma
file opens as one column. XLSX cells are typed: dates as dates, numbers as
numbers. In both, text that a spreadsheet would run as a formula gets a
leading ``'`` (see ``neutralise``).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import unicodedata
from collections.abc import Callable, Generator, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from api.services.roster import UNKNOWN_MUNICIPALITY, LocalDates, Roster, RosterRecord
from course.progress import ModuleStatus, progress_percent

DELIMITERS = {"semicolon": ";", "comma": ",", "tab": "\t"}
# OWASP's formula starts, and the minus sign U+2212 that some spreadsheets read as "-".
_FORMULA_STARTS = frozenset("=+-@\u2212")
# Controls (C0, DEL, C1: tab, CR and LF among them), invisible format characters
# (zero-width space, BOM, bidi overrides) and line/paragraph separators: an
# importer may drop or split on them and leave a formula start in front.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
_STATUS_LABELS = {
    ModuleStatus.NOT_STARTED: "Ikke startet",
    ModuleStatus.IN_PROGRESS: "Pågår",
    ModuleStatus.COMPLETED: "Fullført",
}
_STATUS_TEXT = {status.value: label for status, label in _STATUS_LABELS.items()}
_CERTIFICATE_LABELS = {"valid": "Gyldig", "revoked": "Trukket tilbake"}
_WIDTHS = (28, 34, 22, 10, 18, 24, 7, 12, 13, 10, 10, 9, 10, 10)

Cell = str | int | date | None


@functools.lru_cache(maxsize=1024)  # first characters repeat: a dict lookup per cell
def _starts_formula(char: str) -> bool:
    return (
        char in _FORMULA_STARTS
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
        # Full-width, small and super-/subscript forms (＝ ＋ － ＠ ﹢ ⁻ ...): a
        # spreadsheet or an import step that folds compatibility forms reads them as ASCII.
        or unicodedata.normalize("NFKC", char)[:1] in _FORMULA_STARTS
    )


def neutralise(value: str) -> str:
    """Text a spreadsheet would evaluate as a formula, made inert with a leading ``'``.

    OWASP's convention (``=``, ``+``, ``-``, ``@``, tab, carriage return), extended
    to every control and invisible character and to the compatibility forms of
    those signs. Only text goes through here: numbers stay numbers.
    """
    return "'" + value if value and _starts_formula(value[0]) else value


def header(roster: Roster) -> list[str]:
    return [
        "Navn", "E-post", "Kommune", "Kommunenummer", "Fylke", "Enhet", "Aktiv", "Påmeldt",
        "Status", "Fullførte obligatoriske moduler", "Obligatoriske moduler", "Prosent",
        "Fullførte valgfrie moduler", "Valgfrie moduler",
        *(f"Quiz (%): {m.title}" for m in roster.quiz_modules),
        "Fullført", "Kursbevis", "Kursbevisstatus",
    ]  # fmt: skip


def _percent(score: float | None) -> int | None:
    return None if score is None else round(score * 100)


def cells(record: RosterRecord) -> list[Cell]:
    """A row's values, typed; text not yet neutralised."""
    return [
        record.full_name, record.email, record.municipality or UNKNOWN_MUNICIPALITY,
        record.municipality_number, record.county,
        record.unit, "ja" if record.active else "nei", record.enrolled_on,
        _STATUS_LABELS[record.status], record.modules_completed, record.modules_total,
        record.percent, record.optional_completed, record.optional_total,
        *(_percent(score) for score in record.best_scores),
        record.completed_on, record.certificate_code,
        _CERTIFICATE_LABELS.get(record.certificate_status or ""),
    ]  # fmt: skip


def _csv_rows(rows: Sequence[Any], roster: Roster, dates: LocalDates) -> list[list[object]]:
    """Rows of ``roster_query`` straight to CSV cells: the same values as ``records`` and
    ``cells`` give (the tests compare them), without building a ``RosterRecord`` per row,
    which makes the CSV export, the format for large rosters, a quarter faster."""
    n = neutralise
    total, optional_total = roster.counted_total, roster.optional_total
    quizzes = len(roster.quiz_modules)
    labels = roster.unit_labels
    result = []
    for row in rows:
        _, name, email, municipality, number, county, unit_id, active = row[:8]
        enrolled, completed, status, done, optional_done = row[8:13]
        code, revoked_at = row[13 + quizzes], row[14 + quizzes]
        result.append(
            [
                n(name),
                n(email),
                n(municipality or UNKNOWN_MUNICIPALITY),
                n(number or ""),
                n(county or ""),
                n(labels.get(unit_id, "") if unit_id is not None else ""),
                "ja" if active else "nei",
                dates.iso(enrolled),
                _STATUS_TEXT[status],
                done,
                total,
                progress_percent(done, total),
                optional_done,
                optional_total,
                *[None if s is None else round(s * 100) for s in row[13 : 13 + quizzes]],
                dates.iso(completed),
                n(code or ""),
                "" if code is None else _CERTIFICATE_LABELS["revoked" if revoked_at else "valid"],
            ]
        )
    return result


def csv_chunks(
    batches: Iterable[Sequence[Any]], roster: Roster, *, delimiter: str = ";"
) -> Generator[bytes, None, None]:
    """UTF-8 CSV with a BOM, one chunk per batch of ``roster.stream_rows``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([neutralise(name) for name in header(roster)])
    yield b"\xef\xbb\xbf" + buffer.getvalue().encode()
    dates = LocalDates()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_csv_rows(batch, roster, dates))
        yield buffer.getvalue().encode()


def _xlsx_cell(value: Cell) -> Cell:
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def write_xlsx(
    batches: Iterable[list[RosterRecord]],
    roster: Roster,
    path: Path,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write the roster to an XLSX file (openpyxl's write-only mode); returns the row count."""
    workbook = Workbook(write_only=True)
    sheet: Any = workbook.create_sheet("Deltakere")
    names = header(roster)
    for index in range(len(names)):
        width = _WIDTHS[index] if index < len(_WIDTHS) else 14
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=neutralise(name))
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    count = 0
    for batch in batches:
        for record in batch:
            sheet.append([_xlsx_cell(value) for value in cells(record)])
        count += len(batch)
        if on_progress is not None:
            on_progress(count)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{count + 1}"
    workbook.save(path)
    return count


def _json_row(record: RosterRecord, slugs: list[str]) -> dict[str, object]:
    return {
        "user_id": record.user_id,
        "full_name": record.full_name,
        "email": record.email,
        "municipality": record.municipality,
        "municipality_number": record.municipality_number,
        "county": record.county,
        "unit": record.unit,
        "active": record.active,
        "enrolled_on": record.enrolled_on.isoformat() if record.enrolled_on else None,
        "status": record.status.value,
        "modules_completed": record.modules_completed,
        "modules_total": record.modules_total,
        "percent": record.percent,
        "optional_completed": record.optional_completed,
        "optional_total": record.optional_total,
        "best_scores": dict(zip(slugs, record.best_scores, strict=True)),
        "completed_on": record.completed_on.isoformat() if record.completed_on else None,
        "certificate_code": record.certificate_code,
        "certificate_status": record.certificate_status,
    }


def json_chunks(
    batches: Iterable[list[RosterRecord]], roster: Roster
) -> Generator[bytes, None, None]:
    """A JSON array of ``RosterEntry`` objects, one chunk per batch."""
    slugs = [m.slug for m in roster.quiz_modules]
    separator = "["
    for batch in batches:
        if batch:
            rows = ",".join(json.dumps(_json_row(r, slugs), ensure_ascii=False) for r in batch)
            yield (separator + rows).encode()
            separator = ","
    yield b"[]" if separator == "[" else b"]"
