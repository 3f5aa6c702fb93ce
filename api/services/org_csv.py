"""Reading an organisation structure (CSV) for import: every problem found, with its line.

One unit a line, named by its whole path from the top: ``sti`` (or ``path``), e.g.
``Helse og omsorg/Hjemmetjenesten/Sone nord``; an optional ``organisasjonsnummer``
(or ``org_number``) belongs to the last unit of the path. The units above need no
line of their own. Encoding, delimiter and blank lines as ``user_csv`` reads them.
Knows nothing of the database; ``org_import`` applies the result.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from api.core.org_numbers import normalise
from api.core.org_numbers import problem as org_number_problem
from api.services.unit_paths import has_control_characters, name_key, path_problem, split_path
from api.services.user_csv import BAD_QUOTES, Problem, decode, delimiter, header_key

_HEADERS = {
    "sti": "path",
    "path": "path",
    "enhet": "path",
    "organisasjonsnummer": "org_number",
    "orgnr": "org_number",
    "org nr": "org_number",
    "org number": "org_number",
}


@dataclass(frozen=True, slots=True)
class UnitRow:
    line: int
    names: tuple[str, ...]  # from the top level down
    org_number: str | None


@dataclass(frozen=True, slots=True)
class ParsedFile:
    records: int  # data lines read, blank ones not counted
    rows: list[UnitRow]  # the valid ones
    problems: list[Problem]


def _read_header(header: list[str]) -> tuple[dict[str, int], list[Problem]]:
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
    if "path" not in columns:
        problems.append(Problem(1, "sti", "Mangler kolonnen «sti»."))
    return columns, problems


def parse(data: bytes) -> ParsedFile:
    """Every valid row, and every problem with its line (the header is line 1)."""
    text, problem = decode(data)
    if text is None:
        assert problem is not None
        return ParsedFile(0, [], [problem])
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter(text.split("\n", 1)[0]), strict=True
    )
    rows: list[UnitRow] = []
    problems: list[Problem] = []
    records = end = 0
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            return ParsedFile(0, [], [Problem(1, None, "Filen er tom.")])
        columns, problems = _read_header(header)
        if problems:
            return ParsedFile(0, [], problems)
        names = {field: header[index].strip() for field, index in columns.items()}
        first_seen: dict[tuple[str, ...], int] = {}
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
            path = split_path(record[columns["path"]])
            wrong = path_problem(path)
            if has_control_characters(record[columns["path"]]):  # before spaces are tidied
                wrong = "Inneholder kontrolltegn (for eksempel tabulator)."
            if wrong is not None:
                problems.append(Problem(line, names["path"], wrong))
                continue
            number = None
            if "org_number" in columns and record[columns["org_number"]].strip():
                number = normalise(record[columns["org_number"]])
                wrong = org_number_problem(number)
                if wrong is not None:
                    problems.append(Problem(line, names["org_number"], wrong))
                    continue
            key = tuple(name_key(name) for name in path)
            if key in first_seen:
                message = f"Stien står også på linje {first_seen[key]}."
                problems.append(Problem(line, names["path"], message))
                continue
            first_seen[key] = line
            rows.append(UnitRow(line, tuple(path), number))
    except csv.Error:
        problems.append(Problem(end + 1, None, BAD_QUOTES))  # the line the record began on
        return ParsedFile(records, [], problems)
    if not records:
        problems.append(Problem(1, None, "Filen har ingen enheter, bare overskriften."))
    return ParsedFile(records, rows, problems)
