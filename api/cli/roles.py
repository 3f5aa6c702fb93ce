"""The ``innostudy roles`` commands: grant, revoke and list a person's roles and scopes."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session

from api.cli.common import OPERATOR, ROLE_NAMES, context, err, out, run
from api.cli.database import ready
from api.core.db import transaction
from api.core.errors import DomainError
from api.data.models import Role
from api.services import admin_users, audit, org_units
from api.services import roles as role_service

roles_app = typer.Typer(no_args_is_help=True, help="Roller og hva de gjelder for")
Email = Annotated[str, typer.Argument(help="E-postadressen til personen")]
RoleArg = Annotated[
    Role,
    typer.Argument(help="leader, municipal_admin, instructor eller admin", case_sensitive=False),
]
MunicipalityOpt = Annotated[
    str | None,
    typer.Option("--municipality", help="Kommunen rollen gjelder (nummer eller entydig navn)"),
]
UnitOpt = Annotated[int | None, typer.Option("--unit", help="Id-en til enheten rollen gjelder")]


def _user_id(email: str) -> int:
    try:
        with transaction(ready(context.settings())) as session:
            user = admin_users.get_user_by_email_or_404(
                session=session, actor=OPERATOR, email=email
            )
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    assert user.id is not None
    return user.id


def _municipality(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        with transaction(ready(context.settings())) as session:
            return org_units.find_municipality(session=session, text=text).number
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None


def _describe(found: role_service.RoleSet) -> list[str]:
    lines = []
    with transaction(ready(context.settings())) as session:
        labels = org_units.labels_of(
            session=session, unit_ids=(a.unit_id for a in found.assignments)
        )
    for a in found.assignments:
        if a.unit_id is not None:
            where = f"enhet {a.unit_id} ({labels.get(a.unit_id, '')})"
        elif a.municipality_number is not None:
            where = f"kommune {a.municipality_number}"
        else:
            where = "hele installasjonen"
        lines.append(f"{ROLE_NAMES[a.role]}: {where}")
    return lines or ["deltaker (ingen andre roller)"]


def _print(found: role_service.RoleSet) -> None:
    out.print(f"Roller for {found.user.email}:", markup=False, highlight=False)
    for line in _describe(found):
        out.print(f"  {line}", markup=False, highlight=False)


@roles_app.command("grant")
def roles_grant(
    email: Email,
    role: RoleArg,
    municipality: MunicipalityOpt = None,
    unit: UnitOpt = None,
) -> None:
    """Gi en person en rolle: leder (--unit eller --municipality), kommuneadministrator
    (--municipality), instruktør eller administrator (uten omfang)."""
    user_id, number = _user_id(email), _municipality(municipality)

    def work(session: Session) -> tuple[role_service.RoleSet, bool]:
        return role_service.grant(
            session=session,
            actor=OPERATOR,
            user_id=user_id,
            role=role,
            municipality=number,
            unit_id=unit,
        )

    found, created = run(
        ready(context.settings()), audit.Action.ROLE_GRANT, audit.user_target(user_id), work
    )
    out.print("Tildelt." if created else "Personen hadde allerede rollen.", markup=False)
    _print(found)


@roles_app.command("revoke")
def roles_revoke(
    email: Email,
    role: RoleArg,
    municipality: MunicipalityOpt = None,
    unit: UnitOpt = None,
) -> None:
    """Ta fra en person en rolle (med det omfanget den ble gitt med)."""
    user_id, number = _user_id(email), _municipality(municipality)

    def work(session: Session) -> role_service.RoleSet:
        return role_service.revoke(
            session=session,
            actor=OPERATOR,
            user_id=user_id,
            role=role,
            municipality=number,
            unit_id=unit,
        )

    found = run(
        ready(context.settings()), audit.Action.ROLE_REVOKE, audit.user_target(user_id), work
    )
    out.print("Fjernet.", markup=False)
    _print(found)


@roles_app.command("list")
def roles_list(email: Email) -> None:
    """Vis rollene til en person og hva de gjelder for."""
    user_id = _user_id(email)
    try:
        with transaction(ready(context.settings())) as session:
            found = role_service.roles_of(session=session, actor=OPERATOR, user_id=user_id)
            _ = found.user.email
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    _print(found)
