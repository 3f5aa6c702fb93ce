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

from api.cli.common import audited, context, engine, err, out, run
from api.core.db import transaction
from api.core.errors import DomainError, ImportInvalid
from api.data.models import Role, User
from api.services import admin_users, audit, privacy, setup_codes, user_import
from api.services.users import get_user_by_email


def _user_id(db: Engine, email: str) -> int:
    with transaction(db) as session:
        user = get_user_by_email(session=session, email=email)
    if user is None or user.id is None:
        err.print(f"no user with the e-mail address {email}", markup=False)
        raise typer.Exit(1)
    return user.id


def _change(email: str, action: str, work: Callable[[Session, int], User], done: str) -> None:
    """An audited change to the account with this e-mail address; prints the result."""
    db = engine()
    user_id = _user_id(db, email)
    user = run(db, action, audit.user_target(user_id), lambda session: work(session, user_id))
    state = "active" if user.is_active else "deactivated"
    out.print(f"{done}: {user.email} (id {user.id}, {user.role}, {state})", markup=False)


def users_list(
    role: Annotated[Role | None, typer.Option("--role")] = None,
    municipality: Annotated[str | None, typer.Option(help="Name or number")] = None,
    search: Annotated[str | None, typer.Option(help="Part of the name or e-mail")] = None,
) -> None:
    """List accounts (not erased ones): id, e-mail, name, role, municipality, state."""
    with transaction(engine()) as session:
        users = admin_users.search_users(
            session=session, role=role, text=search, municipality=municipality
        )
    # Tab-separated, one account a line: easy to read, and to pipe into other tools.
    for user in users:
        active = "active" if user.is_active else "deactivated"
        fields = (str(user.id), user.email, user.full_name, user.role, user.municipality, active)
        out.print("\t".join(fields), markup=False, highlight=False, soft_wrap=True)


def users_update(
    email: str,
    name: Annotated[str | None, typer.Option("--name")] = None,
    new_email: Annotated[str | None, typer.Option("--email")] = None,
    municipality: Annotated[str | None, typer.Option("--municipality")] = None,
    municipality_number: Annotated[str | None, typer.Option("--municipality-number")] = None,
    department: Annotated[str | None, typer.Option("--department")] = None,
) -> None:
    """Change an account's name, e-mail address, municipality or department."""
    from api.services.contracts import UserUpdate

    given = {
        "email": new_email,
        "full_name": name,
        "municipality": municipality,
        "municipality_number": municipality_number,
        "department": department,
    }
    try:
        data = UserUpdate(**{k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        for error in exc.errors():
            err.print(f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}", markup=False)
        raise typer.Exit(2) from None

    def work(session: Session, user_id: int) -> User:
        return admin_users.update_user(session=session, admin=None, user_id=user_id, data=data)

    _change(email, audit.Action.USER_UPDATE, work, "updated")


def users_deactivate(email: str) -> None:
    """Stop an account from logging in and end its sessions; its history stays."""

    def work(session: Session, user_id: int) -> User:
        return admin_users.deactivate(session=session, admin=None, user_id=user_id)

    _change(email, audit.Action.USER_DEACTIVATE, work, "deactivated")


def users_reactivate(email: str) -> None:
    """Let a deactivated account log in again."""

    def work(session: Session, user_id: int) -> User:
        return admin_users.reactivate(session=session, admin=None, user_id=user_id)

    _change(email, audit.Action.USER_REACTIVATE, work, "reactivated")


def users_role(email: str, role: Role) -> None:
    """Make an account a learner, instructor or administrator."""

    def work(session: Session, user_id: int) -> User:
        return admin_users.change_role(session=session, admin=None, user_id=user_id, role=role)

    _change(email, audit.Action.USER_ROLE_CHANGE, work, "new role")


def users_erase(
    email: str, yes: Annotated[bool, typer.Option("--yes", help="Do not ask")] = False
) -> None:
    """Erase a person's data (name, e-mail, answers); counts and scores stay. Cannot be undone."""
    if not yes:
        typer.confirm(f"Erase the personal data of {email} for good?", abort=True)

    def work(session: Session, user_id: int) -> User:
        return privacy.erase_user(session=session, admin=None, user_id=user_id)

    _change(email, audit.Action.USER_ERASE, work, "erased")


def users_reset_password(email: str) -> None:
    """Print a single-use code and link with which the person sets a new password."""
    db = engine()
    user_id = _user_id(db, email)
    issued = run(
        db,
        audit.Action.USER_PASSWORD_RESET,
        audit.user_target(user_id),
        lambda s: admin_users.reset_password(session=s, admin=None, user_id=user_id),
    )
    out.print(f"code: {issued.code}", markup=False)
    url = setup_codes.setup_url(context.settings().base_url, issued.code)
    out.print(f"link: {url}", markup=False)
    out.print(f"valid until: {issued.expires_at:%Y-%m-%d %H:%M} UTC", markup=False)


def users_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV file")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only check the file")] = False,
    codes: Annotated[
        Path | None, typer.Option("--codes", help="Write the setup codes to this CSV file")
    ] = None,
) -> None:
    """Import employees from CSV, all or nothing; prints every problem as file:line: message."""
    data = file.read_bytes()
    try:
        result = audited(
            engine(),
            audit.Action.USER_IMPORT,
            "users",
            lambda s: user_import.import_users(session=s, admin=None, data=data, dry_run=dry_run),
        )
    except ImportInvalid as exc:
        _print_problems(file, exc.errors)
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    _print_problems(file, user_import.problems_as_errors(result.problems))
    would = "would be " if dry_run else ""
    out.print(
        f"{result.records} row(s): {result.created} {would}created, "
        f"{result.updated} {would}updated, {result.unchanged} unchanged",
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
        writer.writerows(rows)
    out.print(f"wrote {len(rows)} setup code(s) to {path}", markup=False)


COMMANDS: dict[str, Callable[..., None]] = {
    "list": users_list,
    "update": users_update,
    "deactivate": users_deactivate,
    "reactivate": users_reactivate,
    "role": users_role,
    "reset-password": users_reset_password,
    "erase": users_erase,
    "import": users_import,
}
