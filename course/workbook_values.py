"""What a learner may save in a workbook step, checked against the step's fields.

Values are JSON: text fields a string, a list a list of strings, a choice an option
id, a date ``YYYY-MM-DD``, a table-like field (table, benefits map, ROS matrix) a
list of rows, each an object from column id to text (a 1–5 number in scale
columns). Empty values are dropped, so a saved step holds only what was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from course.workbook_models import SCALE_MAX, SCALE_MIN, WorkbookField, WorkbookStep

MAX_SHORT = 300
MAX_LONG = 20_000
MAX_ITEMS = 100  # list items and table rows
MAX_ITEM = 2_000  # one list item or table cell
Value = str | list[str] | list[dict[str, str | int]]
Values = dict[str, Value]


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """Where a value is wrong (``loc`` below ``values``) and why, in Norwegian."""

    loc: tuple[str | int, ...]
    msg: str


def _text(value: object, *, limit: int, one_line: bool) -> tuple[str | None, str | None]:
    if value is None:
        return "", None
    if not isinstance(value, str):
        return None, "må være tekst"
    if len(value) > limit:
        return None, f"kan ha høyst {limit} tegn"
    if any(ord(c) < 32 and c not in "\n\t\r" for c in value) or "\x7f" in value:
        return None, "kan ikke inneholde kontrolltegn"
    if one_line and ("\n" in value or "\r" in value):
        return None, "må stå på én linje"
    return value.strip() if one_line else value.replace("\r\n", "\n").strip(), None


def _rows(field: WorkbookField, value: object, errors: list[FieldProblem]) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        errors.append(FieldProblem((field.id,), "må være en liste med rader"))
        return []
    if len(value) > MAX_ITEMS:
        errors.append(FieldProblem((field.id,), f"kan ha høyst {MAX_ITEMS} rader"))
        return []
    columns = {c.id: c for c in field.columns}
    rows: list[dict[str, Any]] = []
    for number, row in enumerate(value):
        if not isinstance(row, dict):
            errors.append(FieldProblem((field.id, number), "en rad må ha en verdi per kolonne"))
            continue
        clean: dict[str, Any] = {}
        for key, cell in row.items():
            column = columns.get(key)
            if column is None:
                errors.append(FieldProblem((field.id, number, str(key)), "ukjent kolonne"))
            elif column.scale:
                if cell in (None, ""):
                    continue
                if isinstance(cell, str) and cell.strip().isdigit():
                    cell = int(cell.strip())
                if (
                    isinstance(cell, bool)
                    or not isinstance(cell, int)
                    or not (SCALE_MIN <= cell <= SCALE_MAX)
                ):
                    errors.append(FieldProblem((field.id, number, key), f"må være et helt tall fra "
                                              f"{SCALE_MIN} til {SCALE_MAX}"))  # fmt: skip
                else:
                    clean[key] = cell
            else:
                text, problem = _text(cell, limit=MAX_ITEM, one_line=False)
                if problem is not None:
                    errors.append(FieldProblem((field.id, number, key), problem))
                elif text:
                    clean[key] = text
        if clean:
            rows.append({c.id: clean[c.id] for c in field.columns if c.id in clean})
    return rows


def _value(field: WorkbookField, value: object, errors: list[FieldProblem]) -> Value | None:
    """The field's value cleaned, ``None`` when empty (or wrong: then ``errors`` says why)."""
    loc = (field.id,)
    if field.table_like:
        return _rows(field, value, errors) or None
    if field.kind == "list":
        if not isinstance(value, list) or len(value) > MAX_ITEMS:
            errors.append(FieldProblem(loc, f"må være en liste med høyst {MAX_ITEMS} punkter"))
            return None
        items: list[str] = []
        for number, item in enumerate(value):
            text, problem = _text(item, limit=MAX_ITEM, one_line=True)
            if problem is not None:
                errors.append(FieldProblem((field.id, number), problem))
            elif text:
                items.append(text)
        return items or None
    limit = MAX_LONG if field.kind == "long" else MAX_SHORT
    text, problem = _text(value, limit=limit, one_line=field.kind != "long")
    if problem is not None:
        errors.append(FieldProblem(loc, problem))
        return None
    if not text:
        return None
    if field.kind == "choice" and text not in {o.id for o in field.options}:
        names = ", ".join(f"«{o.id}»" for o in field.options)
        errors.append(FieldProblem(loc, f"må være en av valgmulighetene ({names})"))
        return None
    if field.kind == "date":
        try:
            date.fromisoformat(text)
        except ValueError:
            errors.append(FieldProblem(loc, "må være en dato på formen ÅÅÅÅ-MM-DD"))
            return None
        if len(text) != 10:
            errors.append(FieldProblem(loc, "må være en dato på formen ÅÅÅÅ-MM-DD"))
            return None
    return text


def check_values(step: WorkbookStep, values: object) -> tuple[Values, list[FieldProblem]]:
    """The step's values cleaned (empty ones left out), and every problem found.

    Fields the step does not have are problems: a client that sends them has an
    outdated form, and its text would otherwise vanish without a word.
    """
    errors: list[FieldProblem] = []
    if not isinstance(values, dict):
        return {}, [FieldProblem((), "må være et objekt med en verdi per felt")]
    known = {f.id for f in step.fields}
    for key in values:
        if key not in known:
            errors.append(FieldProblem((str(key),), "oppgaven har ikke noe felt med denne id-en"))
    clean: Values = {}
    for field in step.fields:
        if field.id in values:
            value = _value(field, values[field.id], errors)
            if value is not None:
                clean[field.id] = value
    return clean, errors


def missing_fields(step: WorkbookStep, values: Values) -> tuple[WorkbookField, ...]:
    """The step's fields with nothing written in them yet."""
    return tuple(f for f in step.fields if f.id not in values)
