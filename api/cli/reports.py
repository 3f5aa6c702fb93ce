"""``innostudy roster export`` and ``innostudy reports municipalities``."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator, Sized
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from api.cli.common import context, engine, err, out
from api.core.db import make_engine, transaction

Batch = TypeVar("Batch", bound=Sized)
roster_app = typer.Typer(no_args_is_help=True, help="Completion roster")
reports_app = typer.Typer(no_args_is_help=True, help="Reports")


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


@roster_app.command("export")
def roster_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write")],
    format: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.CSV,
    delimiter: Annotated[str, typer.Option(help="CSV: semicolon, comma or tab")] = "semicolon",
    municipality: Annotated[str | None, typer.Option(help="Name or number")] = None,
    department: Annotated[str | None, typer.Option()] = None,
    status: Annotated[str | None, typer.Option(help="not_started, in_progress, completed")] = None,
    completed_from: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    completed_to: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
) -> None:
    """Write the completion roster (one row per learner) as CSV, XLSX or JSON."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from api.services import content, roster, roster_export
    from course.progress import ModuleStatus

    try:
        separator = roster_export.DELIMITERS[delimiter]
        filters = roster.RosterFilters(
            municipality=municipality,
            department=department,
            status=ModuleStatus(status) if status else None,
            completed_from=date.fromisoformat(completed_from) if completed_from else None,
            completed_to=date.fromisoformat(completed_to) if completed_to else None,
        )
    except (KeyError, ValueError) as exc:
        err.print(f"ugyldig filter: {exc}", markup=False)
        raise typer.Exit(2) from None
    settings = context.settings()
    info, cache = context.course_context(settings)
    db = make_engine(settings.effective_database_url)
    with transaction(db) as session:
        modules = content.live_modules(session=session, info=info, cache=cache)
        spec = roster.Roster(roster.roster_modules(modules), info.version, filters)
        total = roster.count_roster(session=session, roster=spec)
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
    out.print(f"wrote {total} learner(s) to {output}", markup=False)


class SummaryFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"


@reports_app.command("municipalities")
def reports_municipalities(
    format: Annotated[SummaryFormat, typer.Option("--format")] = SummaryFormat.TABLE,
) -> None:
    """Learners enrolled, started and completed per municipality, and the completion rate."""
    from api.services.roster import municipality_summary

    with transaction(engine()) as session:
        rows = municipality_summary(session=session)
    header = ["kommune", "kommunenummer", "påmeldt", "startet", "fullført", "andel fullført"]
    if format is SummaryFormat.CSV:
        writer = csv.writer(sys.stdout, delimiter=";")
        writer.writerow(header)
        for r in rows:
            writer.writerow(
                [
                    r.municipality,
                    r.municipality_number or "",
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
            r.municipality,
            r.municipality_number or "",
            str(r.enrolled),
            str(r.started),
            str(r.completed),
            f"{r.completion_rate:.0%}",
        )
    out.print(table)
