"""``innostudy roster export`` and ``innostudy reports municipalities``."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator, Sized
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from rich.table import Table

from api.cli.common import OPERATOR, context, err, out, print_invalid, writable
from api.cli.database import engine
from api.core.collation import norwegian_key
from api.core.db import transaction
from api.core.errors import DomainError
from api.services.contracts import RosterFilters
from api.services.roster_export import neutralise
from course.messages import count

Batch = TypeVar("Batch", bound=Sized)
roster_app = typer.Typer(no_args_is_help=True, help="Deltakeroversikten")
reports_app = typer.Typer(no_args_is_help=True, help="Rapporter")


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


@roster_app.command("export")
def roster_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="Filen som skal skrives")],
    format: Annotated[ExportFormat, typer.Option("--format", help="Filformatet")] = (
        ExportFormat.CSV
    ),
    delimiter: Annotated[str, typer.Option(help="CSV: semicolon, comma eller tab")] = "semicolon",
    municipality: Annotated[str | None, typer.Option(help="Kommunenavn eller -nummer")] = None,
    county: Annotated[str | None, typer.Option(help="Fylkesnavn eller -nummer")] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="Enhets-id: enheten med alt under den")
    ] = None,
    status: Annotated[
        str | None, typer.Option(help="not_started, in_progress eller completed")
    ] = None,
    completed_from: Annotated[str | None, typer.Option(help="Fullført fra ÅÅÅÅ-MM-DD")] = None,
    completed_to: Annotated[str | None, typer.Option(help="Fullført til ÅÅÅÅ-MM-DD")] = None,
) -> None:
    """Skriv deltakeroversikten (én rad per deltaker) som CSV, XLSX eller JSON."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from api.services import content, roster, roster_export

    if delimiter not in roster_export.DELIMITERS:
        choices = ", ".join(roster_export.DELIMITERS)
        err.print(f"«--delimiter» må være en av {choices}", markup=False)
        raise typer.Exit(2)
    separator = roster_export.DELIMITERS[delimiter]
    given = {
        "municipality": municipality,
        "county": county,
        "unit": unit,
        "status": status,
        "completed_from": completed_from,
        "completed_to": completed_to,
    }
    try:  # the same model as the API's and the roster page's filters
        filters = RosterFilters.model_validate({k: v for k, v in given.items() if v})
    except ValidationError as exc:
        print_invalid(exc, {name: f"--{name.replace('_', '-')}" for name in given})
        raise typer.Exit(2) from None
    writable(output)
    settings = context.settings()
    info, cache = context.course_context(settings)
    db = engine()
    try:
        with transaction(db) as session:
            modules = content.live_modules(session=session, info=info, cache=cache)
            spec = roster.new_roster(
                session=session,
                actor=OPERATOR,
                modules=modules,
                course_version=info.version,
                filters=filters,
            )
            total = roster.count_roster(session=session, roster=spec)
    except DomainError as exc:  # a unit that does not exist
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    roster.record_export(engine=db, actor=None, format=format.value, filters=filters)
    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeRemainingColumn(), console=err) as progress:
        task = progress.add_task("Deltakere", total=total)

        def counted(batches: Iterator[Batch]) -> Iterator[Batch]:
            for batch in batches:
                yield batch
                progress.advance(task, len(batch))

        if format is ExportFormat.XLSX:
            records = roster.stream(engine=db, roster=spec)
            roster_export.write_xlsx(counted(records), spec, output)
        else:
            if format is ExportFormat.JSON:
                records = roster.stream(engine=db, roster=spec)
                chunks = roster_export.json_chunks(counted(records), spec)
            else:
                rows = roster.stream_rows(engine=db, roster=spec)
                chunks = roster_export.csv_chunks(counted(rows), spec, delimiter=separator)
            with output.open("wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
    out.print(f"Skrev {count(total, 'deltaker', 'deltakere')} til {output}", markup=False)


class SummaryFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"


@reports_app.command("municipalities")
def reports_municipalities(
    format: Annotated[
        SummaryFormat, typer.Option("--format", help="Tabell eller CSV")
    ] = SummaryFormat.TABLE,
) -> None:
    """Påmeldte, startede og fullførte deltakere per kommune, og andelen som har fullført."""
    from api.services.roster import UNKNOWN_MUNICIPALITY, municipality_summary

    with transaction(engine()) as session:
        rows = municipality_summary(session=session, actor=OPERATOR)
    rows.sort(
        key=lambda r: (
            r.municipality is None,
            norwegian_key(r.municipality or ""),
            r.municipality_number or "",
        )
    )
    header = [
        "kommune", "kommunenummer", "fylke", "påmeldt", "startet", "fullført", "andel fullført"
    ]  # fmt: skip
    if format is SummaryFormat.CSV:
        writer = csv.writer(sys.stdout, delimiter=";")
        writer.writerow(header)
        for r in rows:
            writer.writerow(
                [
                    neutralise(r.municipality or UNKNOWN_MUNICIPALITY),
                    r.municipality_number or "",
                    neutralise(r.county or ""),
                    r.enrolled,
                    r.started,
                    r.completed,
                    f"{r.completion_rate:.4f}",
                ]
            )
        return
    table = Table(*header)
    for r in rows:
        table.add_row(
            r.municipality or UNKNOWN_MUNICIPALITY,
            r.municipality_number or "",
            r.county or "",
            str(r.enrolled),
            str(r.started),
            str(r.completed),
            f"{r.completion_rate:.0%}",
        )
    out.print(table)
