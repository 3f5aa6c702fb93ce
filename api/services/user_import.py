"""Importing employees from CSV: all or nothing, and a re-import updates instead of duplicating."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from api.core.errors import ImportInvalid, MunicipalityInvalid
from api.data.models import Municipality, User, utcnow
from api.services import audit, setup_codes, user_csv, user_municipality
from api.services.org_units import Resolver
from api.services.scope import Actor, Capability, Scope
from api.services.unit_paths import SEPARATOR
from api.services.user_csv import ImportRow, Problem
from api.services.users import add_accounts

_FIELDS = ("full_name", "role")
_CHUNK = 500  # e-mail addresses per IN (...) lookup


@dataclass(frozen=True, slots=True)
class ImportResult:
    dry_run: bool
    records: int
    created: int
    updated: int
    unchanged: int
    problems: list[Problem]
    codes: list[setup_codes.IssuedCode] = field(default_factory=list)


def _existing(session: Session, emails: Iterable[str]) -> dict[str, User]:
    wanted = list(emails)
    found: dict[str, User] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for user in session.exec(select(User).where(col(User.email).in_(chunk))):
            found[user.email] = user
    return found


def _changes(
    user: User, row: ImportRow, municipality: Municipality, units: dict[int, int | None]
) -> dict[str, object]:
    """What the row changes; the unit only if the file has a unit column (``units``)."""
    wanted: dict[str, object] = {name: getattr(row, name) for name in _FIELDS}
    wanted["municipality_number"] = municipality.number
    if row.line in units:
        wanted["unit_id"] = units[row.line]
    return {name: value for name, value in wanted.items() if getattr(user, name) != value}


def _municipalities(
    session: Session, rows: list[ImportRow], names: dict[str, str]
) -> tuple[dict[int, Municipality], list[Problem]]:
    """Each row's municipality (by line), and a problem for each row that names none or several."""
    index = user_municipality.MunicipalityIndex.load(session=session)
    found: dict[int, Municipality] = {}
    problems = []
    for row in rows:
        try:
            found[row.line] = user_municipality.from_input(
                session=session, name=row.municipality, number=row.municipality_number, index=index
            )
        except MunicipalityInvalid as exc:
            column = names.get(row.municipality_column, row.municipality_column)
            problems.append(Problem(row.line, column, exc.detail))
    return found, problems


def _resolve_units(
    session: Session,
    rows: list[ImportRow],
    municipalities: dict[int, Municipality],
    problems: list[Problem],
    column: str,
) -> dict[int, int | None]:
    """Line -> the id of the open unit its path names in its municipality (None: blank)."""
    resolvers: dict[str, Resolver] = {}
    found: dict[int, int | None] = {}
    for row in rows:
        if row.unit_path is None:
            found[row.line] = None
            continue
        number = municipalities[row.line].number
        resolver = resolvers.get(number) or resolvers.setdefault(number, Resolver(session, number))
        unit = resolver.find(row.unit_path)
        if unit is None:
            shown = SEPARATOR.join(row.unit_path)
            message = (
                f"Fant ingen åpen enhet «{shown}» i kommune {number}. Opprett eller importer "
                "enhetene først."
            )
            problems.append(Problem(row.line, column, message))
        else:
            found[row.line] = unit.id
    return found


def problems_as_errors(problems: list[Problem]) -> list[dict[str, object]]:
    return [{"line": p.line, "column": p.column, "message": p.message} for p in problems]


def _only(municipalities: dict[int, Municipality]) -> str | None:
    """The one municipality every row is in, if they share one (for the audit log)."""
    numbers = {m.number for m in municipalities.values()}
    return numbers.pop() if len(numbers) == 1 else None


def _scope_problems(
    actor: Actor,
    scope: Scope,
    rows: list[ImportRow],
    municipalities: dict[int, Municipality],
    existing: dict[str, User],
    names: dict[str, str],
) -> list[Problem]:
    """Rows that would reach outside the actor's scope: another municipality, an account
    the actor may not change, or an installation role from someone not allowed to give it."""
    problems = []
    for row in rows:
        column = names.get(row.municipality_column, row.municipality_column)
        user = existing.get(row.email)
        if user is not None and not scope.covers_municipality(user.municipality_number):
            message = "E-postadressen tilhører en konto du ikke kan endre (en annen kommune)."
            problems.append(Problem(row.line, names.get("email", "email"), message))
        elif user is not None and user.role != "learner" and not actor.is_admin:
            message = (
                "Kontoen har en rolle for hele installasjonen; bare en administrator for hele "
                "installasjonen kan endre den."
            )
            problems.append(Problem(row.line, names.get("email", "email"), message))
        elif not scope.covers_municipality(municipalities[row.line].number):
            message = "Du kan bare importere brukere til kommuner du administrerer."
            problems.append(Problem(row.line, column, message))
        elif not actor.is_admin and row.role != (user.role if user is not None else "learner"):
            message = "Bare en administrator for hele installasjonen kan gi eller endre roller."
            problems.append(Problem(row.line, names.get("role", "role"), message))
    return problems


def import_users(*, session: Session, actor: Actor, data: bytes, dry_run: bool) -> ImportResult:
    """Create and update accounts from a CSV file, or only check it (``dry_run``).

    With any bad row nothing is imported (``ImportInvalid`` lists every problem);
    a dry run reports them instead. Accounts are matched by e-mail address; new
    ones get no password but a single-use setup code each. Every row must stay
    inside the actor's scope.
    """
    scope = actor.require(Capability.MANAGE_PEOPLE)
    admin = actor.user
    parsed = user_csv.parse(data)
    problems = list(parsed.problems)
    municipalities, unmatched = _municipalities(session, parsed.rows, parsed.columns)
    problems += unmatched
    rows = [row for row in parsed.rows if row.line in municipalities]
    units: dict[int, int | None] = {}
    if "unit" in parsed.columns:
        units = _resolve_units(session, rows, municipalities, problems, parsed.columns["unit"])
    existing = _existing(session, (row.email for row in rows))
    problems += _scope_problems(actor, scope, rows, municipalities, existing, parsed.columns)
    for row in rows:
        user = existing.get(row.email)
        if user is not None and admin is not None and user.id == admin.id and row.role != user.role:
            problems.append(Problem(row.line, "role", "Du kan ikke endre din egen rolle."))
    problems.sort(key=lambda p: p.line)
    if problems and not dry_run:
        raise ImportInvalid(problems_as_errors(problems))

    new_rows = [row for row in rows if row.email not in existing]
    changed = [(existing[r.email], r) for r in rows if r.email in existing]
    changed = [
        (user, row) for user, row in changed if _changes(user, row, municipalities[row.line], units)
    ]
    result = ImportResult(
        dry_run=dry_run,
        records=parsed.records,
        created=len(new_rows),
        updated=len(changed),
        unchanged=len(rows) - len(new_rows) - len(changed),
        problems=problems,
    )
    audit.record(
        session=session,
        actor=admin,
        action=audit.Action.USER_IMPORT,
        target="users",
        details={
            "dry_run": dry_run,
            "records": result.records,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "role_changes": sum(1 for user, row in changed if user.role != row.role),
            "errors": len(problems),
        },
        municipality=_only(municipalities),
    )
    if dry_run:
        return result

    for user, row in changed:
        for name, value in _changes(user, row, municipalities[row.line], units).items():
            setattr(user, name, value)
        user_municipality.assign(user, municipalities[row.line])
    now = utcnow()
    users = []
    for row in new_rows:
        user = User(
            email=row.email,
            full_name=row.full_name,
            role=row.role,
            unit_id=units.get(row.line),
            created_at=now,
        )
        user_municipality.assign(user, municipalities[row.line])
        users.append(user)
    add_accounts(session=session, users=users)
    codes = setup_codes.issue_many(session=session, users=users, created_by=admin)
    return dataclasses.replace(result, codes=codes)
