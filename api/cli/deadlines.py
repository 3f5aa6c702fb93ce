"""The ``innostudy deadlines`` commands: completion deadlines per municipality or unit."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from sqlmodel import Session

from api.cli.common import OPERATOR, context, err, out, run
from api.cli.database import ready
from api.core.db import transaction
from api.core.errors import DomainError
from api.data.models import CompletionDeadline
from api.services import audit, deadlines, org_units

deadlines_app = typer.Typer(
    no_args_is_help=True, help="Frister for å fullføre kurset, per kommune eller enhet"
)


def _where(deadline: CompletionDeadline) -> str:
    if deadline.unit_id is not None:
        return f"enhet {deadline.unit_id}"
    return f"kommune {deadline.municipality_number}"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        err.print(f"«{text}» er ikke en dato. Skriv den som ÅÅÅÅ-MM-DD, for eksempel 2027-03-31.")
        raise typer.Exit(2) from None


@deadlines_app.command("set")
def deadlines_set(
    due_on: Annotated[str, typer.Argument(help="Fristen, ÅÅÅÅ-MM-DD")],
    municipality: Annotated[
        str | None, typer.Option("--municipality", help="Kommunen (nummer eller entydig navn)")
    ] = None,
    unit: Annotated[int | None, typer.Option("--unit", help="Id-en til enheten")] = None,
) -> None:
    """Sett (eller flytt) fristen for en kommune eller en enhet (med alt under den)."""
    day = _day(due_on)
    if (municipality is None) == (unit is None):
        err.print("Gi enten --municipality eller --unit.")
        raise typer.Exit(2)
    engine = ready(context.settings())
    number = None
    if municipality is not None:
        try:
            with transaction(engine) as session:
                number = org_units.find_municipality(session=session, text=municipality).number
        except DomainError as exc:
            err.print(exc.detail, markup=False)
            raise typer.Exit(1) from None

    def work(session: Session) -> CompletionDeadline:
        return deadlines.set_deadline(
            session=session, actor=OPERATOR, due_on=day, municipality_number=number, unit_id=unit
        )

    found = run(engine, audit.Action.DEADLINE_SET, "deadlines", work)
    out.print(f"Frist {found.due_on.isoformat()} for {_where(found)} (nr. {found.id}).")


@deadlines_app.command("list")
def deadlines_list() -> None:
    """Vis alle fristene, den nærmeste først."""
    with transaction(ready(context.settings())) as session:
        found = deadlines.list_deadlines(session=session, actor=OPERATOR)
    if not found:
        out.print("Ingen frister er satt.")
    for deadline in found:
        out.print(f"{deadline.id}: {deadline.due_on.isoformat()}  {_where(deadline)}")


@deadlines_app.command("remove")
def deadlines_remove(
    deadline_id: Annotated[int, typer.Argument(help="Nummeret på fristen (se «list»)", min=1)],
) -> None:
    """Fjern en frist (ingen flere påminnelser om den)."""

    def work(session: Session) -> None:
        deadlines.remove_deadline(session=session, actor=OPERATOR, deadline_id=deadline_id)

    run(ready(context.settings()), audit.Action.DEADLINE_REMOVE, "deadlines", work)
    out.print("Fristen er fjernet.")
