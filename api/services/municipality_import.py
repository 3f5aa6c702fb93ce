"""Updating the municipality register from a KLASS 131 export (``innostudy municipalities
import``), all or nothing, with a dry run that reports what would change.

Rows are matched by number: new numbers are added, names are updated, and numbers
missing from the file are ended (``valid_to``, the day before the file takes effect),
never deleted, so accounts and reports that hold an old number keep resolving. A
change table adds old -> new numbers; its kind (renumbered, merged, split) follows
from the rows: several old numbers to one new is a merger, one old to several a split.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from api.core.errors import MunicipalityImportInvalid
from api.data.models import ChangeKind, Municipality, MunicipalityChange, User
from api.data.municipality_data import search_text
from api.services import audit, klass_csv, municipalities
from api.services.klass_csv import Problem

_QUALIFIER = re.compile(r"\s*\([^)]*\)$")  # KLASS's "Våler (Østfold)"
LOSSY = (
    "Navnet inneholder «?» eller «\ufffd»: filen er trolig lagret i windows-1252, som mangler "
    "samiske bokstaver som ŋ, š og ž. Last den ned som UTF-8 hvis du kan."
)


@dataclass(frozen=True, slots=True)
class Renamed:
    number: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class NewChange:
    old_number: str
    old_name: str
    new_number: str
    changed_on: date
    kind: ChangeKind


@dataclass(slots=True)
class ImportResult:
    dry_run: bool
    records: int = 0
    created: list[Municipality] = field(default_factory=list)
    renamed: list[Renamed] = field(default_factory=list)
    ended: list[Municipality] = field(default_factory=list)
    reinstated: list[Municipality] = field(default_factory=list)
    changes: list[NewChange] = field(default_factory=list)
    unchanged: int = 0
    warnings: list[Problem] = field(default_factory=list)


def errors_of(problems: list[Problem], source: str) -> list[dict[str, Any]]:
    return [
        {"file": source, "line": p.line, "column": p.column, "message": p.message} for p in problems
    ]


def _norwegian_name(klass_name: str, earlier: list[str]) -> str:
    """The Norwegian form of a KLASS name: the part an earlier name of the same municipality
    had, or KLASS's name as it stands (without a county qualifier) when there is none."""
    parts = [_QUALIFIER.sub("", part) for part in klass_name.split(" - ")]
    for name in earlier:
        if name in parts:
            return name
    return _QUALIFIER.sub("", klass_name)


def _kinds(rows: list[klass_csv.ChangeRow]) -> dict[tuple[str, str], ChangeKind]:
    successors = Counter(row.old_number for row in rows)
    predecessors = Counter(row.new_number for row in rows)
    kinds = {}
    for row in rows:
        if successors[row.old_number] > 1:
            kinds[row.old_number, row.new_number] = ChangeKind.SPLIT
        elif predecessors[row.new_number] > 1:
            kinds[row.old_number, row.new_number] = ChangeKind.MERGED
        else:
            kinds[row.old_number, row.new_number] = ChangeKind.RENUMBERED
    return kinds


def import_klass(
    *,
    session: Session,
    admin: User | None,
    data: bytes,
    changes: bytes | None = None,
    effective: date,
    dry_run: bool,
) -> ImportResult:
    """Bring the register in line with a KLASS 131 code list (and optionally a change table).

    ``effective`` is the first day the file is valid, for rows without ``validFrom``.
    With any problem in either file nothing changes: ``MunicipalityImportInvalid``
    lists every problem with its file and line.
    """
    codes, code_problems = klass_csv.read_codes(data)
    change_rows, change_problems = klass_csv.read_changes(changes) if changes else ([], [])
    register = {m.number: m for m in session.exec(select(Municipality))}
    known_counties = municipalities.counties(session=session)
    in_file = {row.number: row for row in codes}
    for row in codes:
        county = row.number[:2]
        if county not in known_counties and not any(n[:2] == county for n in register):
            code_problems.append(
                Problem(row.line, "code", f"Fylke {county} (i {row.number}) er ikke i registeret.")
            )
    for change in change_rows:
        if change.new_number not in in_file and change.new_number not in register:
            change_problems.append(
                Problem(
                    change.line, None, f"Det nye nummeret {change.new_number} er ikke i kodelisten."
                )
            )
    errors = errors_of(sorted(code_problems, key=lambda p: p.line), "codes") + errors_of(
        sorted(change_problems, key=lambda p: p.line), "changes"
    )
    if errors:
        raise MunicipalityImportInvalid(errors)
    if not codes:
        raise MunicipalityImportInvalid(
            [{"file": "codes", "line": 1, "column": None, "message": "Filen har ingen kommuner."}]
        )

    result = ImportResult(dry_run=dry_run, records=len(codes))
    old_names: dict[str, list[str]] = {}
    for change in change_rows:
        if change.old_number in register:
            old_names.setdefault(change.new_number, []).append(register[change.old_number].name)
        if change.old_name:
            old_names.setdefault(change.new_number, []).append(change.old_name)
    for row in codes:
        if "?" in row.name or "\ufffd" in row.name:
            result.warnings.append(Problem(row.line, "name", LOSSY))
        valid_to = row.valid_to
        existing = register.get(row.number)
        if existing is None:
            earlier = old_names.get(row.number, [])
            county = row.number[:2]
            result.created.append(
                Municipality(
                    number=row.number,
                    name=(name := _norwegian_name(row.name, earlier)),
                    klass_name=row.name,
                    county_number=county,
                    county_name=known_counties.get(county)
                    or next(m.county_name for m in register.values() if m.county_number == county),
                    search_text=search_text(name, row.name),
                    valid_from=row.valid_from or effective,
                    valid_to=valid_to,
                )
            )
            continue
        touched = False
        if existing.klass_name != row.name:
            result.renamed.append(Renamed(row.number, existing.klass_name, row.name))
            touched = True
        if existing.valid_to is not None and (valid_to is None or valid_to >= effective):
            result.reinstated.append(existing)
            touched = True
        if not touched:
            result.unchanged += 1
    last_day = effective - timedelta(days=1)
    result.ended = [
        m for n, m in sorted(register.items()) if n not in in_file and m.valid_to is None
    ]
    kinds = _kinds(change_rows)
    known_changes = {
        (c.old_number, c.new_number, c.changed_on) for c in session.exec(select(MunicipalityChange))
    }
    for change in change_rows:
        changed_on = change.changed_on or effective
        if (change.old_number, change.new_number, changed_on) in known_changes:
            continue
        old_name = change.old_name or (
            register[change.old_number].name if change.old_number in register else ""
        )
        result.changes.append(
            NewChange(
                change.old_number,
                old_name,
                change.new_number,
                changed_on,
                kinds[change.old_number, change.new_number],
            )
        )
    _audit(session, admin, result)
    if not dry_run:
        _apply(session, result, in_file, last_day)
    return result


def _apply(
    session: Session, result: ImportResult, in_file: dict[str, klass_csv.CodeRow], last_day: date
) -> None:
    for municipality in result.created:
        session.add(municipality)
    session.flush()  # the change rows refer to the new numbers
    for renamed in result.renamed:
        found = session.get(Municipality, renamed.number)
        assert found is not None
        found.name = _norwegian_name(renamed.new, [found.name])
        found.klass_name = renamed.new
        found.search_text = search_text(found.name, renamed.new)
    for municipality in result.reinstated:
        municipality.valid_to = in_file[municipality.number].valid_to
    for municipality in result.ended:
        municipality.valid_to = last_day
    for change in result.changes:
        session.add(
            MunicipalityChange(
                old_number=change.old_number,
                old_name=change.old_name[:200],
                new_number=change.new_number,
                changed_on=change.changed_on,
                kind=change.kind,
            )
        )
    session.flush()


def _audit(session: Session, admin: User | None, result: ImportResult) -> None:
    audit.record(
        session=session,
        actor=admin,
        action=audit.Action.MUNICIPALITY_IMPORT,
        target="municipalities",
        details={
            "dry_run": result.dry_run,
            "records": result.records,
            "created": len(result.created),
            "renamed": len(result.renamed),
            "ended": len(result.ended),
            "reinstated": len(result.reinstated),
            "changes": len(result.changes),
        },
    )
