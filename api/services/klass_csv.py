"""Reading Statistics Norway's classification of municipalities (KLASS 131) as CSV.

SSB's code-list export is semicolon-separated and quoted, with the header
``"code";"parentCode";"level";"name";"shortName";"presentationName";"validFrom";
"validTo";"notes"`` (the column names of the KLASS API, as ssb-klass-python reads
them). Only ``code`` and ``name`` are required; the other columns may be left out.
A change table is either KLASS's list of changes (``oldCode``, ``oldName``,
``newCode``, ``changeOccurred``) or a correspondence table between two versions
(``sourceCode``, ``sourceName``, ``targetCode``, ``targetName``).

Files are UTF-8, with or without a byte order mark, or windows-1252 (as SSB's
downloads often are). Every problem is reported with its line; knows nothing of
the database.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

NUMBER = re.compile(r"\d{4}")
_BAD_QUOTES = (
    'Filen kan ikke leses som CSV: et anførselstegn (") lukkes ikke, eller det står noe '
    "mellom et avsluttende anførselstegn og skilletegnet."
)


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    column: str | None
    message: str


@dataclass(frozen=True, slots=True)
class CodeRow:
    line: int
    number: str
    name: str
    valid_from: date | None
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class ChangeRow:
    line: int
    old_number: str
    old_name: str
    new_number: str
    changed_on: date | None


def decode(data: bytes) -> tuple[str, bool]:
    """The text, and whether it was read as windows-1252 rather than UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        # The five bytes windows-1252 leaves undefined become U+FFFD rather than failing.
        return data.decode("cp1252", errors="replace"), True


def _table(
    data: bytes, problems: list[Problem]
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    text, _ = decode(data)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        problems.append(Problem(1, None, "Filen er tom: første linje skal være overskriftene."))
        return [], []
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = [name.strip() for name in next(reader)]
        for fields in reader:
            line = reader.line_num
            if not any(field.strip() for field in fields):
                continue
            if len(fields) > len(header):
                problems.append(
                    Problem(
                        line, None, f"Linjen har {len(fields)} felt, overskriften {len(header)}."
                    )
                )
                continue
            rows.append((line, {header[i]: value.strip() for i, value in enumerate(fields)}))
    except csv.Error:
        problems.append(Problem(reader.line_num, None, _BAD_QUOTES))
        return [], []
    return header, rows


def _missing(header: list[str], required: tuple[str, ...]) -> list[Problem]:
    return [
        Problem(1, name, f"Kolonnen «{name}» mangler i overskriftslinjen.")
        for name in required
        if name not in header
    ]


def _date(value: str, line: int, column: str, problems: list[Problem]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(line, column, f"«{value}» er ikke en dato (ÅÅÅÅ-MM-DD)."))
        return None


def _number(value: str, line: int, column: str, problems: list[Problem]) -> str | None:
    if NUMBER.fullmatch(value):
        return value
    shown = f"«{value}»" if value else "Tomt felt"
    problems.append(Problem(line, column, f"{shown}: et kommunenummer har fire sifre."))
    return None


def _repeated(
    number: str, line: int, column: str, first_line: dict[str, int], problems: list[Problem]
) -> bool:
    """Whether the number stood on an earlier line (a problem then); else it is noted."""
    if number in first_line:
        message = f"Kommunenummer {number} står også på linje {first_line[number]}."
        problems.append(Problem(line, column, message))
        return True
    first_line[number] = line
    return False


def read_codes(data: bytes) -> tuple[list[CodeRow], list[Problem]]:
    """The municipalities of a KLASS 131 code list, or what is wrong with the file."""
    problems: list[Problem] = []
    header, rows = _table(data, problems)
    if problems:
        return [], problems
    problems = _missing(header, ("code", "name"))
    if problems:
        return [], problems
    codes: list[CodeRow] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        number = _number(row.get("code", ""), line, "code", problems)
        name = row.get("name", "")
        level = row.get("level", "")
        if level not in ("", "1"):
            problems.append(
                Problem(line, "level", f"Nivå «{level}»: klassifikasjon 131 har bare nivå 1.")
            )
        if not name:
            problems.append(Problem(line, "name", "Navnet mangler."))
        elif len(name) > 200:
            problems.append(Problem(line, "name", "Navnet er lengre enn 200 tegn."))
        valid_from = _date(row.get("validFrom", ""), line, "validFrom", problems)
        valid_to = _date(row.get("validTo", ""), line, "validTo", problems)
        if number is None:
            continue
        if _repeated(number, line, "code", first_line, problems):
            continue
        codes.append(CodeRow(line, number, name, valid_from, valid_to))
    return codes, problems


_CHANGE_COLUMNS = (
    ("oldCode", "oldName", "newCode", "changeOccurred"),  # KLASS's list of changes
    ("sourceCode", "sourceName", "targetCode", "validFrom"),  # a correspondence table
)


def read_changes(data: bytes) -> tuple[list[ChangeRow], list[Problem]]:
    """Old numbers and the numbers they became, or what is wrong with the file."""
    problems: list[Problem] = []
    header, rows = _table(data, problems)
    if problems:
        return [], problems
    columns = next((c for c in _CHANGE_COLUMNS if c[0] in header and c[2] in header), None)
    if columns is None:
        message = (
            "Fant ikke kolonnene for gammelt og nytt nummer: «oldCode» og «newCode» "
            "(KLASS-endringer) eller «sourceCode» og «targetCode» (korrespondansetabell)."
        )
        return [], [Problem(1, None, message)]
    old, old_name, new, when = columns
    changes: list[ChangeRow] = []
    for line, row in rows:
        old_number = _number(row.get(old, ""), line, old, problems)
        new_number = _number(row.get(new, ""), line, new, problems)
        changed_on = _date(row.get(when, ""), line, when, problems)
        if old_number is None or new_number is None or old_number == new_number:
            continue
        changes.append(ChangeRow(line, old_number, row.get(old_name, ""), new_number, changed_on))
    return changes, problems


@dataclass(frozen=True, slots=True)
class WrittenFormRow:
    line: int
    number: str
    form: str


# What a list of language decisions (språkvedtak) may write for each form.
_FORM_WORDS = {
    "nynorsk": "nynorsk",
    "bokmål": "bokmål",
    "bokmal": "bokmål",
    "nøytral": "nøytral",
    "noytral": "nøytral",
    "ukjent": "ukjent",
}
_NUMBER_COLUMNS = ("kommunenummer", "nummer", "code")
_FORM_COLUMNS = ("målform", "skriftspråk", "språkvedtak")


def read_written_forms(data: bytes) -> tuple[list[WrittenFormRow], list[Problem]]:
    """Each municipality's official written form (``kommunenummer;målform``), or the problems.

    The form is nynorsk, bokmål, nøytral or ukjent (case ignored; «bokmal» and «noytral»
    accepted for keyboards without å and ø).
    """
    problems: list[Problem] = []
    header, rows = _table(data, problems)
    if problems:
        return [], problems
    folded = {name.casefold(): name for name in header}
    number_column = next((folded[c] for c in _NUMBER_COLUMNS if c in folded), None)
    form_column = next((folded[c] for c in _FORM_COLUMNS if c in folded), None)
    if number_column is None or form_column is None:
        message = "Overskriftslinjen skal ha kolonnene «kommunenummer» og «målform»."
        return [], [Problem(1, None, message)]
    forms: list[WrittenFormRow] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        number = _number(row.get(number_column, ""), line, number_column, problems)
        given = row.get(form_column, "")
        form = _FORM_WORDS.get(given.casefold())
        if form is None:
            shown = f"«{given[:40]}»" if given else "Tomt felt"
            problems.append(
                Problem(line, form_column, f"{shown}: skriv nynorsk, bokmål, nøytral eller ukjent.")
            )
        if number is None or form is None:
            continue
        if _repeated(number, line, number_column, first_line, problems):
            continue
        forms.append(WrittenFormRow(line, number, form))
    return forms, problems
