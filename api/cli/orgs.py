"""The ``innostudy orgs`` commands: a municipality's organisation units."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlmodel import Session

from api.cli.common import OPERATOR, audited, context, err, out, print_invalid, run
from api.cli.database import ready
from api.core.db import transaction
from api.core.errors import DomainError, ImportInvalid
from api.data.models import OrgUnit
from api.services import audit, org_import, org_units
from api.services.contracts import UnitCreate, UnitUpdate
from api.services.org_units import TreeNode
from course.messages import count, number

orgs_app = typer.Typer(no_args_is_help=True, help="Organisasjonsenheter i en kommune")
LIST_HEADER = ("id", "enhet", "organisasjonsnummer", "personer", "status")
Municipality = Annotated[
    str, typer.Option("--municipality", help="Kommunenummeret (eller et entydig kommunenavn)")
]


def _number(text: str) -> str:
    """The municipality's number, from a number or a name that matches only one."""
    try:
        with transaction(ready(context.settings())) as session:
            return org_units.find_municipality(session=session, text=text).number
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None


def _unit_id(municipality_number: str, unit: str) -> int:
    """A unit by its id, or by its path in the municipality."""
    if unit.isdigit():
        return int(unit)
    try:
        with transaction(ready(context.settings())) as session:
            found = org_units.unit_for_path(
                session=session, municipality_number=municipality_number, path=unit
            )
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    assert found.id is not None
    return found.id


def _node_json(node: TreeNode) -> dict[str, object]:
    unit = node.unit
    return {
        "id": unit.id,
        "parent_id": unit.parent_id,
        "name": unit.name,
        "label": node.label,
        "org_number": unit.org_number,
        "depth": unit.depth,
        "people": node.people,
        "closed_at": unit.closed_at.isoformat() if unit.closed_at else None,
    }


@orgs_app.command("list")
def orgs_list(
    municipality: Municipality,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv JSON")] = False,
    include_closed: Annotated[
        bool, typer.Option("--closed/--open-only", help="Ta med nedlagte enheter")
    ] = True,
) -> None:
    """Vis enhetstreet, én enhet per linje (innrykket etter nivå, tabulatorseparert)."""
    municipality_number = _number(municipality)
    with transaction(ready(context.settings())) as session:
        nodes = org_units.tree(
            session=session,
            municipality_number=municipality_number,
            include_closed=include_closed,
        )
    if as_json:
        print(json.dumps([_node_json(n) for n in nodes], ensure_ascii=False, indent=2))
        return
    print("\t".join(LIST_HEADER))
    for node in nodes:
        unit = node.unit
        state = "nedlagt" if unit.closed_at else "åpen"
        name = "  " * unit.depth + unit.name
        print("\t".join((str(unit.id), name, unit.org_number or "", str(node.people), state)))
    if not nodes:
        err.print(f"Kommune {municipality_number} har ingen enheter ennå.")


def _done(unit: OrgUnit, what: str) -> None:
    out.print(f"{what}: {unit.name} (id {unit.id})", markup=False)


@orgs_app.command("create")
def orgs_create(
    name: Annotated[str, typer.Argument(help="Navnet på enheten")],
    municipality: Municipality,
    parent: Annotated[
        str | None, typer.Option("--parent", help="Overordnet enhet: id eller sti")
    ] = None,
    org_number: Annotated[
        str | None, typer.Option("--org-number", help="Organisasjonsnummeret (ni sifre)")
    ] = None,
) -> None:
    """Opprett en enhet øverst i kommunen, eller under en annen enhet."""
    municipality_number = _number(municipality)
    parent_id = _unit_id(municipality_number, parent) if parent else None
    try:
        data = UnitCreate(name=name, parent_id=parent_id, org_number=org_number)
    except ValidationError as exc:
        print_invalid(exc, {"name": "NAME", "org_number": "--org-number"})
        raise typer.Exit(2) from None
    unit = run(
        ready(context.settings()),
        audit.Action.UNIT_CREATE,
        audit.municipality_target(municipality_number),
        lambda s: org_units.create_unit(
            session=s, actor=OPERATOR, municipality_number=municipality_number, data=data
        ),
    )
    _done(unit, "Opprettet")


def _change(unit_id: int, action: str, work: Callable[[Session], OrgUnit], done: str) -> None:
    unit = run(ready(context.settings()), action, audit.unit_target(unit_id), work)
    _done(unit, done)


@orgs_app.command("rename")
def orgs_rename(
    unit: Annotated[str, typer.Argument(help="Enheten: id eller sti")],
    name: Annotated[str, typer.Argument(help="Det nye navnet")],
    municipality: Municipality,
) -> None:
    """Gi en enhet nytt navn."""
    unit_id = _unit_id(_number(municipality), unit)
    try:
        data = UnitUpdate(name=name)
    except ValidationError as exc:
        print_invalid(exc, {"name": "NAME"})
        raise typer.Exit(2) from None

    def work(session: Session) -> OrgUnit:
        return org_units.update_unit(session=session, actor=OPERATOR, unit_id=unit_id, data=data)

    _change(unit_id, audit.Action.UNIT_RENAME, work, "Nytt navn")


@orgs_app.command("move")
def orgs_move(
    unit: Annotated[str, typer.Argument(help="Enheten: id eller sti")],
    municipality: Municipality,
    parent: Annotated[
        str | None, typer.Option("--parent", help="Ny overordnet enhet: id eller sti")
    ] = None,
    top: Annotated[bool, typer.Option("--top", help="Flytt enheten øverst i kommunen")] = False,
) -> None:
    """Flytt en enhet (med alt under den) under en annen enhet, eller øverst (--top)."""
    if (parent is None) == (not top):
        err.print("Oppgi enten --parent eller --top.", markup=False)
        raise typer.Exit(2)
    municipality_number = _number(municipality)
    unit_id = _unit_id(municipality_number, unit)
    parent_id = _unit_id(municipality_number, parent) if parent else None

    def work(session: Session) -> OrgUnit:
        return org_units.move_unit(
            session=session, actor=OPERATOR, unit_id=unit_id, parent_id=parent_id
        )

    _change(unit_id, audit.Action.UNIT_MOVE, work, "Flyttet")


@orgs_app.command("close")
def orgs_close(
    unit: Annotated[str, typer.Argument(help="Enheten: id eller sti")],
    municipality: Municipality,
    subtree: Annotated[
        bool, typer.Option("--subtree", help="Legg også ned alle åpne enheter under den")
    ] = False,
) -> None:
    """Legg ned en enhet; den blir stående i historikken og rapportene."""
    unit_id = _unit_id(_number(municipality), unit)

    def work(session: Session) -> OrgUnit:
        return org_units.close_unit(
            session=session, actor=OPERATOR, unit_id=unit_id, subtree=subtree
        )

    _change(unit_id, audit.Action.UNIT_CLOSE, work, "Nedlagt")


@orgs_app.command("unmatched")
def orgs_unmatched() -> None:
    """List kontoene med en avdeling fra før enhetene som ikke kunne plasseres i en enhet."""
    with transaction(ready(context.settings())) as session:
        users = org_units.unmatched_departments(session=session, actor=OPERATOR)
    print("\t".join(("id", "e-post", "kommunenummer", "avdeling")))
    for user in users:
        fields = (str(user.id), user.email, user.municipality_number or "")
        print("\t".join((*fields, user.department_unmatched or "")))
    if not users:
        err.print("Alle avdelinger er plassert i enheter.")


@orgs_app.command("import")
def orgs_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV-filen")],
    municipality: Municipality,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Bare vis hva som ville blitt opprettet")
    ] = False,
) -> None:
    """Importer en enhetsstruktur (kolonnen sti), alt eller ingenting; viser fil:linje: melding."""
    municipality_number = _number(municipality)
    data = file.read_bytes()
    try:
        result = audited(
            ready(context.settings()),
            audit.Action.UNIT_IMPORT,
            audit.municipality_target(municipality_number),
            lambda s: org_import.import_units(
                session=s,
                actor=OPERATOR,
                municipality_number=municipality_number,
                data=data,
                dry_run=dry_run,
            ),
        )
    except ImportInvalid as exc:
        _print_problems(file, exc.errors)
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    _print_problems(file, org_import.problems_as_errors(result.problems))
    for change in result.created:
        out.print(f"+ {change.path}", markup=False)
    for change in result.updated:
        out.print(f"~ {change.path}: organisasjonsnummer {change.org_number}", markup=False)
    would = "ville blitt " if dry_run else ""
    out.print(
        f"{count(result.records, 'linje', 'linjer')}: "
        f"{count(len(result.created), 'enhet', 'enheter')} {would}opprettet, "
        f"{number(len(result.updated))} {would}endret, {number(result.unchanged)} uendret",
        markup=False,
    )
    if dry_run:
        out.print("Tørrkjøring: ingenting er endret.", markup=False)
    if result.problems:
        raise typer.Exit(1)


def _print_problems(file: Path, problems: list[dict[str, object]]) -> None:
    for problem in problems:
        column = f" {problem['column']}:" if problem["column"] else ""
        err.print(f"{file}:{problem['line']}:{column} {problem['message']}", markup=False)
