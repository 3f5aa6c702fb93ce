"""Importing a municipality's organisation structure from CSV: all or nothing, and idempotent.

Each line names a unit by its path; the units above it that do not exist yet are
created too. Existing open units are matched by their folded names, so importing
the same file again creates nothing; an organisation number on a line is set on
its unit if it differs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from api.core.errors import UnitImportInvalid
from api.data.models import OrgUnit
from api.services import audit, org_csv
from api.services.org_units import Resolver, add_unit, check_manages, get_municipality
from api.services.scope import Actor
from api.services.unit_paths import SEPARATOR, name_key
from api.services.user_csv import Problem


@dataclass(frozen=True, slots=True)
class UnitChange:
    path: str  # the names joined by " / "
    org_number: str | None


@dataclass(frozen=True, slots=True)
class UnitImportResult:
    dry_run: bool
    municipality_number: str
    records: int
    created: list[UnitChange]  # parents before their children
    updated: list[UnitChange]  # existing units given a new organisation number
    unchanged: int
    problems: list[Problem]


def problems_as_errors(problems: list[Problem]) -> list[dict[str, object]]:
    return [{"line": p.line, "column": p.column, "message": p.message} for p in problems]


@dataclass(slots=True)
class _Planned:
    names: tuple[str, ...]
    org_number: str | None
    unit: OrgUnit | None = None  # once created


def import_units(
    *,
    session: Session,
    actor: Actor,
    municipality_number: str,
    data: bytes,
    dry_run: bool,
) -> UnitImportResult:
    """Create the units a CSV file names in the municipality, or only say what would be.

    With any bad line nothing is created (``UnitImportInvalid`` lists every problem);
    a dry run reports them instead.
    """
    get_municipality(session=session, number=municipality_number)
    check_manages(actor, municipality_number)
    parsed = org_csv.parse(data)
    problems = sorted(parsed.problems, key=lambda p: p.line)
    resolver = Resolver(session, municipality_number)
    planned: dict[tuple[str, ...], _Planned] = {}  # folded path -> unit to create
    updated: list[tuple[OrgUnit, UnitChange]] = []
    unchanged = 0
    for row in parsed.rows:
        for depth in range(1, len(row.names) + 1):
            names = row.names[:depth]
            if resolver.find(names) is None:
                key = tuple(name_key(name) for name in names)
                planned.setdefault(key, _Planned(names, None))
        leaf_key = tuple(name_key(name) for name in row.names)
        existing = resolver.find(row.names)
        if existing is None:
            if row.org_number is not None:
                planned[leaf_key].org_number = row.org_number
        elif row.org_number is not None and row.org_number != existing.org_number:
            updated.append((existing, UnitChange(SEPARATOR.join(row.names), row.org_number)))
        else:
            unchanged += 1
    if problems and not dry_run:
        raise UnitImportInvalid(problems_as_errors(problems))

    result = UnitImportResult(
        dry_run=dry_run,
        municipality_number=municipality_number,
        records=parsed.records,
        created=[UnitChange(SEPARATOR.join(p.names), p.org_number) for p in planned.values()],
        updated=[change for _, change in updated],
        unchanged=unchanged,
        problems=problems,
    )
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.UNIT_IMPORT,
        target=audit.municipality_target(municipality_number),
        details={
            "dry_run": dry_run,
            "municipality": municipality_number,
            "records": result.records,
            "created": len(result.created),
            "updated": len(result.updated),
            "unchanged": unchanged,
            "errors": len(problems),
        },
        municipality=municipality_number,
    )
    if dry_run:
        return result
    for unit, change in updated:
        unit.org_number = change.org_number
    # A path's parents come before it (they were planned first), so each parent exists.
    for key, plan in planned.items():
        above = planned.get(key[:-1])
        # A planned parent, else an existing unit (or None at the top level).
        parent = above.unit if above is not None else resolver.find(plan.names[:-1])
        plan.unit = add_unit(
            session=session,
            municipality_number=municipality_number,
            name=plan.names[-1],
            parent=parent,
            org_number=plan.org_number,
        )
    session.flush()
    return result
