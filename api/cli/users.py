"""The ``innostudy users`` commands for administrators."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from api.cli.common import (
    OPERATOR,
    ROLE_NAMES,
    audited,
    context,
    err,
    out,
    print_invalid,
    run,
    writable,
)
from api.cli.database import engine
from api.core.collation import norwegian_key
from api.core.db import transaction
from api.core.errors import DomainError, ImportInvalid
from api.data.models import AccountRole, Role, User
from api.services import (
    admin_users,
    audit,
    invitations,
    org_units,
    privacy,
    setup_codes,
    user_import,
    user_municipality,
)
from api.services.roster_export import neutralise
from api.services.users import get_user_by_email
from course.messages import count, number


def _user_id(db: Engine, email: str) -> int:
    with transaction(db) as session:
        user = get_user_by_email(session=session, email=email)
    if user is None or user.id is None:
        err.print(f"Ingen bruker har e-postadressen {email}", markup=False)
        raise typer.Exit(1)
    return user.id


def _change(email: str, action: str, work: Callable[[Session, int], User], done: str) -> None:
    """An audited change to the account with this e-mail address; prints the result."""
    db = engine()
    user_id = _user_id(db, email)
    user = run(db, action, audit.user_target(user_id), lambda session: work(session, user_id))
    state = "aktiv" if user.is_active else "deaktivert"
    role = ROLE_NAMES[Role(user.role)]
    out.print(f"{done}: {user.email} (id {user.id}, {role}, {state})", markup=False)


def users_list(
    role: Annotated[Role | None, typer.Option("--role", help="Bare denne rollen")] = None,
    municipality: Annotated[str | None, typer.Option(help="Kommunenavn eller -nummer")] = None,
    search: Annotated[str | None, typer.Option(help="Del av navnet eller e-postadressen")] = None,
    unmatched: Annotated[
        bool, typer.Option("--unmatched", help="Bare kontoer uten gyldig kommune")
    ] = False,
) -> None:
    """List kontoene (ikke slettede) i alfabetisk rekkefølge etter navn."""
    with transaction(engine()) as session:
        users = admin_users.search_users(
            session=session,
            actor=OPERATOR,
            role=role,
            text=search,
            municipality=municipality,
            unmatched=unmatched,
        )
    users = sorted(users, key=lambda u: (norwegian_key(u.full_name), norwegian_key(u.email)))
    # Tab-separated, one account a line under a header: easy to read, and to pipe on.
    # The role is shown as --role takes it, so a line can be fed back to `users role`.
    rows = [LIST_HEADER]
    for user in users:
        active = "aktiv" if user.is_active else "deaktivert"
        rows.append(
            (str(user.id), user.email, user.full_name, user.role, _municipality(user), active)
        )
    for fields in rows:
        print("\t".join(fields))  # not through rich: it would turn the tabs into spaces
    if not users:
        err.print("Ingen kontoer passer.")


LIST_HEADER = ("id", "e-post", "navn", "rolle", "kommune", "status")


def _municipality(user: User) -> str:
    """ "Oslo (0301)", or what was given where nothing matched, marked as such."""
    if user.municipality is not None:
        return user_municipality.label(user)
    return f"uten gyldig kommune: «{user.municipality_unmatched or ''}»"


UPDATE_OPTIONS = {
    "email": "--email",
    "full_name": "--name",
    "municipality": "--municipality",
    "municipality_number": "--municipality-number",
    "unit_id": "--unit",
}


def users_update(
    email: str,
    name: Annotated[str | None, typer.Option("--name", help="Nytt navn")] = None,
    new_email: Annotated[str | None, typer.Option("--email", help="Ny e-postadresse")] = None,
    municipality: Annotated[
        str | None, typer.Option("--municipality", help="Kommunenavn eller -nummer")
    ] = None,
    municipality_number: Annotated[
        str | None, typer.Option("--municipality-number", help="Kommunenummeret")
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit",
            help="Hovedenheten, som sti («Helse og omsorg/Hjemmetjenesten»); «» fjerner den",
        ),
    ] = None,
) -> None:
    """Endre navn, e-postadresse, kommune eller enhet for en konto."""
    from api.services.contracts import UserUpdate

    given = {
        "email": new_email,
        "full_name": name,
        "municipality": municipality,
        "municipality_number": municipality_number,
    }
    try:
        data = UserUpdate(**{k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        print_invalid(exc, UPDATE_OPTIONS)
        raise typer.Exit(2) from None

    def work(session: Session, user_id: int) -> User:
        change = data
        if unit is not None:  # a path in the municipality the account has after the change
            number = (
                data.municipality_number
                or admin_users.get_user(
                    session=session, actor=OPERATOR, user_id=user_id
                ).municipality_number
            )
            found = (
                org_units.unit_for_path(session=session, municipality_number=number, path=unit)
                if unit.strip()
                else None
            )
            change = data.model_copy(update={"unit_id": found.id if found else None})
        return admin_users.update_user(
            session=session, actor=OPERATOR, user_id=user_id, data=change
        )

    _change(email, audit.Action.USER_UPDATE, work, "Endret")


def users_deactivate(email: str) -> None:
    """Steng en konto for innlogging og avslutt øktene; historikken blir stående."""

    def work(session: Session, user_id: int) -> User:
        return admin_users.deactivate(session=session, actor=OPERATOR, user_id=user_id)

    _change(email, audit.Action.USER_DEACTIVATE, work, "Deaktivert")


def users_reactivate(email: str) -> None:
    """La en deaktivert konto logge inn igjen."""

    def work(session: Session, user_id: int) -> User:
        return admin_users.reactivate(session=session, actor=OPERATOR, user_id=user_id)

    _change(email, audit.Action.USER_REACTIVATE, work, "Aktivert igjen")


def users_role(email: str, role: AccountRole) -> None:
    """Gjør en konto til deltaker (learner), instruktør (instructor) eller administrator (admin)."""

    def work(session: Session, user_id: int) -> User:
        return admin_users.change_role(
            session=session, actor=OPERATOR, user_id=user_id, role=Role(role.value)
        )

    _change(email, audit.Action.USER_ROLE_CHANGE, work, "Ny rolle")


def users_erase(
    email: str, yes: Annotated[bool, typer.Option("--yes", help="Ikke spør")] = False
) -> None:
    """Slett en persons opplysninger (navn, e-post, svar); tall og poeng blir. Kan ikke angres."""
    if not yes:
        typer.confirm(f"Slette personopplysningene til {email} for godt?", abort=True)

    def work(session: Session, user_id: int) -> User:
        return privacy.erase_user(session=session, actor=OPERATOR, user_id=user_id)

    _change(email, audit.Action.USER_ERASE, work, "Slettet")


def users_reset_password(email: str) -> None:
    """Vis en engangskode og lenke som personen setter nytt passord med."""
    db = engine()
    user_id = _user_id(db, email)
    issued = run(
        db,
        audit.Action.USER_PASSWORD_RESET,
        audit.user_target(user_id),
        lambda s: admin_users.reset_password(session=s, actor=OPERATOR, user_id=user_id),
    )
    out.print(f"kode: {issued.code}", markup=False)
    url = setup_codes.setup_url(context.settings().base_url, issued.code)
    out.print(f"lenke: {url}", markup=False)
    out.print(f"gyldig til: {issued.expires_at:%Y-%m-%d %H:%M} UTC", markup=False)


def users_invite(email: str) -> None:
    """Send personen en invitasjon på e-post med en lenke for å velge passord."""
    db = engine()
    user_id = _user_id(db, email)
    settings = context.settings()
    run(
        db,
        audit.Action.USER_INVITE,
        audit.user_target(user_id),
        lambda s: invitations.invite(session=s, actor=OPERATOR, settings=settings, user_id=user_id),
    )
    out.print("Invitasjonen er lagt i køen og sendes av bakgrunnsjobbene.", markup=False)


def users_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV-filen")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Bare sjekk filen")] = False,
    codes: Annotated[
        Path | None, typer.Option("--codes", help="Skriv oppsettkodene til denne CSV-filen")
    ] = None,
) -> None:
    """Importer ansatte fra CSV, alt eller ingenting; viser hvert problem som fil:linje: melding."""
    if codes is not None:
        writable(codes)  # before any account is made: codes that cannot be written are lost
    data = file.read_bytes()
    try:
        result = audited(
            engine(),
            audit.Action.USER_IMPORT,
            "users",
            lambda s: user_import.import_users(
                session=s, actor=OPERATOR, data=data, dry_run=dry_run
            ),
        )
    except ImportInvalid as exc:
        _print_problems(file, exc.errors)
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    _print_problems(file, user_import.problems_as_errors(result.problems))
    would = "ville blitt " if dry_run else ""
    out.print(
        f"{count(result.records, 'rad', 'rader')}: {number(result.created)} {would}opprettet, "
        f"{number(result.updated)} {would}oppdatert, {number(result.unchanged)} uendret",
        markup=False,
    )
    if result.problems:
        raise typer.Exit(1)
    if result.codes:
        _write_codes(result.codes, codes)


def _print_problems(file: Path, problems: list[dict[str, object]]) -> None:
    for problem in problems:
        column = f" {problem['column']}:" if problem["column"] else ""
        err.print(f"{file}:{problem['line']}:{column} {problem['message']}", markup=False)


def _write_codes(issued: list[setup_codes.IssuedCode], path: Path | None) -> None:
    """Setup codes for new accounts: printed, or written to a CSV file for a mail merge."""
    base_url = context.settings().base_url
    rows = [
        [i.user.email, i.code, setup_codes.setup_url(base_url, i.code), i.expires_at.isoformat()]
        for i in issued
    ]
    if path is None:
        for row in rows:
            out.print("  ".join(row[:3]), markup=False)
        return
    path.touch(mode=0o600)
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["e-post", "kode", "lenke", "gyldig til"])
        # An e-mail address may start with "=" or "+": no cell may run as a formula.
        writer.writerows([[neutralise(cell) for cell in row] for row in rows])
    out.print(f"Skrev {count(len(rows), 'oppsettkode', 'oppsettkoder')} til {path}", markup=False)


COMMANDS: dict[str, Callable[..., None]] = {
    "list": users_list,
    "update": users_update,
    "deactivate": users_deactivate,
    "reactivate": users_reactivate,
    "role": users_role,
    "reset-password": users_reset_password,
    "invite": users_invite,
    "erase": users_erase,
    "import": users_import,
}
