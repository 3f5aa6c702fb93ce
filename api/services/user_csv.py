"""Reading an employee list (CSV) for import: every problem found, with its line.

The file is UTF-8 with or without a byte order mark, comma- or
semicolon-separated (Norwegian Excel writes semicolons; the header line decides),
with a header naming the columns in English or Norwegian, in any order:
``email``/``e-post``, ``full name``/``navn``, ``municipality``/``kommune``,
``municipality number``/``kommunenummer``, ``unit``/``enhet``, ``role``/``rolle``.
Only e-mail, name and municipality (a name or a number, in either column) are
required. The unit is the path of an existing unit in the person's municipality
("Helse og omsorg/Hjemmetjenesten"); the old ``avdeling``/``department`` header is
read as that column too. Blank lines are skipped. Knows nothing of the database;
``user_import`` finds the municipalities and units and applies the result.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from dataclasses import dataclass

from pydantic import EmailStr, TypeAdapter, ValidationError

from api.data.models import Role
from api.services.unit_paths import path_problem, split_path

REQUIRED = ("email", "full_name")
MUNICIPALITY_COLUMNS = ("municipality", "municipality_number")  # at least one of them
_HEADERS = {
    "email": "email",
    "e-mail": "email",
    "e-post": "email",
    "epost": "email",
    "e-postadresse": "email",
    "full name": "full_name",
    "fullname": "full_name",
    "name": "full_name",
    "navn": "full_name",
    "fullt navn": "full_name",
    "municipality": "municipality",
    "kommune": "municipality",
    "municipality number": "municipality_number",
    "kommunenummer": "municipality_number",
    "kommunenr": "municipality_number",
    "unit": "unit",
    "enhet": "unit",
    # Before units, the column held a department name: now the path of a unit (one level).
    "department": "unit",
    "avdeling": "unit",
    "role": "role",
    "rolle": "role",
}
_ROLES = {
    "": Role.LEARNER,
    "learner": Role.LEARNER,
    "deltaker": Role.LEARNER,
    "instructor": Role.INSTRUCTOR,
    "instruktør": Role.INSTRUCTOR,
    "admin": Role.ADMIN,
    "administrator": Role.ADMIN,
}
_MAX_LENGTH = {"email": 254, "full_name": 200, "municipality": 100, "unit": 2000}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = TypeAdapter(EmailStr)
BAD_QUOTES = (
    'Filen kan ikke leses som CSV: et anførselstegn (") lukkes ikke, eller det står noe '
    "mellom et avsluttende anførselstegn og skilletegnet."
)


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    email: str
    full_name: str
    municipality: str | None  # a name or a number, as written
    municipality_number: str | None
    unit_path: tuple[str, ...] | None  # the names from the top down
    role: Role

    @property
    def municipality_column(self) -> str:
        """The field the municipality was read from (for problems about it)."""
        return "municipality" if self.municipality_number is None else "municipality_number"


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    column: str | None
    message: str


@dataclass(frozen=True, slots=True)
class ParsedFile:
    records: int  # data lines read, blank ones not counted
    rows: list[ImportRow]  # the valid ones
    problems: list[Problem]
    columns: dict[str, str] = dataclasses.field(default_factory=dict)  # field -> header name


def decode(data: bytes) -> tuple[str | None, Problem | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = "Filen er ikke UTF-8. Lagre den som «CSV UTF-8» i Excel og prøv igjen."
        return None, Problem(line, None, message)


def delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def header_key(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())


def _read_header(
    header: list[str],
) -> tuple[dict[str, int], list[str], list[Problem]]:
    """Map field → column index; also the header's own names (for messages)."""
    problems = []
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        field = _HEADERS.get(header_key(name))
        if field is None:
            problems.append(Problem(1, name, f"Ukjent kolonne «{name.strip()}»."))
        elif field in columns:
            problems.append(Problem(1, name, f"Kolonnen «{name.strip()}» står to ganger."))
        else:
            columns[field] = index
    for field in REQUIRED:
        if field not in columns:
            problems.append(Problem(1, field, f"Mangler kolonnen «{field.replace('_', ' ')}»."))
    if not any(field in columns for field in MUNICIPALITY_COLUMNS):
        problems.append(
            Problem(1, "municipality", "Mangler kolonnen «kommune» (eller «kommunenummer»).")
        )
    return columns, [name.strip() for name in header], problems


_LABELS = {"email": "E-postadressen", "full_name": "Navnet"}


def _check_row(
    line: int, values: dict[str, str], names: dict[str, str]
) -> tuple[ImportRow | None, list[Problem]]:
    problems: dict[str, Problem] = {}  # at most one per field

    def problem(field: str, message: str) -> None:
        problems.setdefault(field, Problem(line, names.get(field, field), message))

    for field, value in values.items():
        if _CONTROL.search(value):
            problem(field, "Inneholder kontrolltegn (for eksempel tabulator).")
        elif len(value) > _MAX_LENGTH.get(field, 200):
            problem(field, f"Er lengre enn {_MAX_LENGTH.get(field, 200)} tegn.")
    for field, label in _LABELS.items():
        if not values.get(field):
            problem(field, f"{label} mangler.")
    if not any(values.get(field) for field in MUNICIPALITY_COLUMNS):
        present = next((f for f in MUNICIPALITY_COLUMNS if f in values), "municipality")
        problem(present, "Kommunen mangler. Skriv kommunenavnet eller kommunenummeret.")
    email = values.get("email", "")
    if "email" not in problems:
        try:
            email = _EMAIL.validate_python(email).lower()
        except ValidationError:
            problem("email", f"Ugyldig e-postadresse «{email}».")
    number = values.get("municipality_number") or None
    if number is not None and len(number) == 3 and number.isdigit():
        number = "0" + number  # Excel drops the leading zero of Oslo's 0301
    if number is not None and not (len(number) == 4 and number.isascii() and number.isdigit()):
        problem("municipality_number", f"Kommunenummeret må ha fire sifre, ikke «{number}».")
    unit_path = None
    if values.get("unit"):
        unit_path = tuple(split_path(values["unit"]))
        wrong = path_problem(list(unit_path))
        if wrong is not None:
            problem("unit", wrong)
    role = _ROLES.get(values.get("role", "").lower())
    if role is None:
        message = f"Ukjent rolle «{values['role']}». Bruk deltaker, instruktør eller administrator."
        problem("role", message)
    if problems or role is None:
        return None, sorted(problems.values(), key=lambda p: p.column or "")
    return ImportRow(
        line=line,
        email=email,
        full_name=values["full_name"],
        municipality=values.get("municipality") or None,
        municipality_number=number,
        unit_path=unit_path,
        role=role,
    ), []


def parse(data: bytes) -> ParsedFile:
    """Every valid row, and every problem with its line (the header is line 1)."""
    text, problem = decode(data)
    if text is None:
        assert problem is not None
        return ParsedFile(0, [], [problem])
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(first_line), strict=True)
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    records = end = 0
    names: dict[str, str] = {}
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            return ParsedFile(0, [], [Problem(1, None, "Filen er tom.")])
        columns, header_names, problems = _read_header(header)
        if problems:
            return ParsedFile(0, [], problems)
        names = {field: header_names[index] for field, index in columns.items()}
        first_seen: dict[str, int] = {}
        end = reader.line_num
        for record in reader:
            line, end = end + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            records += 1
            if len(record) != len(header):
                message = f"Linjen har {len(record)} felt, men overskriften har {len(header)}."
                problems.append(Problem(line, None, message))
                continue
            values = {field: record[index].strip() for field, index in columns.items()}
            row, row_problems = _check_row(line, values, names)
            problems.extend(row_problems)
            if row is None:
                continue
            if row.email in first_seen:
                message = f"E-postadressen står også på linje {first_seen[row.email]}."
                problems.append(Problem(line, names["email"], message))
                continue
            first_seen[row.email] = line
            rows.append(row)
    except csv.Error:
        problems.append(Problem(end + 1, None, BAD_QUOTES))  # the line the record began on
        return ParsedFile(records, [], problems, names)
    if not records:
        problems.append(Problem(1, None, "Filen har ingen brukere, bare overskriften."))
    return ParsedFile(records, rows, problems, names)
