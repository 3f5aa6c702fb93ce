"""The ``innostudy municipalities`` commands: the municipality register."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import OPERATOR, audited, context, err, out, run
from api.cli.database import ready
from api.core.db import transaction
from api.core.errors import DomainError, ImportInvalid
from api.data.models import WrittenForm
from api.data.timestamps import oslo_today
from api.services import audit, municipalities, municipality_import, written_forms
from course.messages import count, number

municipalities_app = typer.Typer(no_args_is_help=True, help="Kommuneregisteret (SSBs KLASS 131)")

LIST_HEADER = ("nummer", "navn", "offisielt navn", "fylke", "målform", "gyldig til")


@municipalities_app.command("list")
def municipalities_list(
    county: Annotated[
        str | None, typer.Option("--county", help="Bare dette fylket (to sifre, f.eks. 46)")
    ] = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            help="Del av navnet (store/små bokstaver og aksenter likegyldig) eller nummeret",
        ),
    ] = None,
    ended: Annotated[bool, typer.Option("--ended", help="Ta med avsluttede kommuner")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv JSON")] = False,
) -> None:
    """List kommunene i alfabetisk rekkefølge, én per linje (tabulatorseparert)."""
    with transaction(ready(context.settings())) as session:
        found = municipalities.search(
            session=session, text=search, county=county, include_ended=ended
        )
    if as_json:
        rows = [
            {
                "number": m.number,
                "name": m.name,
                "klass_name": m.klass_name,
                "county_number": m.county_number,
                "county_name": m.county_name,
                "written_form": m.written_form,
                "valid_from": m.valid_from.isoformat(),
                "valid_to": m.valid_to.isoformat() if m.valid_to else None,
            }
            for m in found
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    print("\t".join(LIST_HEADER))
    for m in found:
        until = m.valid_to.isoformat() if m.valid_to else ""
        county_text = f"{m.county_number} {m.county_name}"
        print("\t".join((m.number, m.name, m.klass_name, county_text, m.written_form, until)))
    if not found:
        err.print("Ingen kommuner passer.")


def _effective(value: str | None) -> date:
    if value is None:
        return oslo_today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        err.print(f"«--valid-from» «{value}» er ikke en dato (ÅÅÅÅ-MM-DD).", markup=False)
        raise typer.Exit(2) from None


@municipalities_app.command("import")
def municipalities_import(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="KLASS 131-kodelisten (CSV)")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Bare vis hva som ville endret seg")
    ] = False,
    changes: Annotated[
        Path | None,
        typer.Option(
            "--changes",
            exists=True,
            dir_okay=False,
            help="Endringstabell gammelt -> nytt nummer (CSV)",
        ),
    ] = None,
    valid_from: Annotated[
        str | None,
        typer.Option("--valid-from", help="Første gyldige dag for filen (standard: i dag)"),
    ] = None,
) -> None:
    """Oppdater kommuneregisteret fra SSBs klassifikasjon 131, alt eller ingenting."""
    effective = _effective(valid_from)
    data = file.read_bytes()
    change_data = changes.read_bytes() if changes is not None else None
    try:
        result = audited(
            ready(context.settings()),
            audit.Action.MUNICIPALITY_IMPORT,
            "municipalities",
            lambda session: municipality_import.import_klass(
                session=session,
                admin=None,
                data=data,
                changes=change_data,
                effective=effective,
                dry_run=dry_run,
            ),
        )
    except ImportInvalid as exc:
        paths = {"codes": file, "changes": changes}
        for problem in exc.errors:
            column = f" {problem['column']}:" if problem["column"] else ""
            place = f"{paths[problem['file']]}:{problem['line']}:{column}"
            err.print(f"{place} {problem['message']}", markup=False)
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    _report(file, result)


def _report(file: Path, result: municipality_import.ImportResult) -> None:
    for warning in result.warnings:
        err.print(f"{file}:{warning.line}: {warning.message}", markup=False)
    for m in result.created:
        out.print(f"+ {m.number} {m.klass_name}", markup=False)
    for renamed in result.renamed:
        out.print(f"~ {renamed.number} «{renamed.old}» -> «{renamed.new}»", markup=False)
    for m in result.reinstated:
        out.print(f"+ {m.number} {m.klass_name} (gyldig igjen)", markup=False)
    for m in result.ended:
        out.print(f"- {m.number} {m.klass_name}", markup=False)
    for change in result.changes:
        out.print(
            f"> {change.old_number} {change.old_name} -> {change.new_number} "
            f"fra {change.changed_on.isoformat()} ({KIND_NAMES[change.kind]})",
            markup=False,
        )
    would = "ville blitt " if result.dry_run else ""
    out.print(
        f"{count(result.records, 'kommune', 'kommuner')} i filen: "
        f"{number(len(result.created))} {would}lagt til, "
        f"{number(len(result.renamed))} {would}omdøpt, "
        f"{number(len(result.ended))} {would}avsluttet, "
        f"{number(len(result.reinstated))} {would}gjenopprettet, "
        f"{number(result.unchanged)} uendret; "
        f"{count(len(result.changes), 'nummerendring', 'nummerendringer')} {would}lagt til",
        markup=False,
    )
    if result.dry_run:
        out.print("Tørrkjøring: ingenting er endret.", markup=False)


@municipalities_app.command("written-form")
def municipalities_written_form(
    number_: Annotated[str, typer.Argument(metavar="NUMMER", help="Kommunenummeret (fire sifre)")],
    form: Annotated[
        WrittenForm, typer.Argument(metavar="MÅLFORM", help="nynorsk, bokmål, nøytral eller ukjent")
    ],
) -> None:
    """Sett kommunens offisielle målform (språkvedtaket)."""
    found = run(
        ready(context.settings()),
        audit.Action.WRITTEN_FORM_SET,
        audit.municipality_target(number_),
        lambda session: written_forms.set_written_form(
            session=session, actor=OPERATOR, number=number_, form=form
        ),
    )
    out.print(f"{found.number} {found.name}: {found.written_form}", markup=False)


@municipalities_app.command("written-forms")
def municipalities_written_forms(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="CSV med kommunenummer og målform"),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Bare vis hva som ville endret seg")
    ] = False,
) -> None:
    """Sett målformen for mange kommuner fra en CSV-fil (kommunenummer;målform), alt eller
    ingenting."""
    data = file.read_bytes()
    try:
        result = audited(
            ready(context.settings()),
            audit.Action.WRITTEN_FORM_IMPORT,
            "municipalities",
            lambda session: written_forms.import_written_forms(
                session=session, actor=OPERATOR, data=data, dry_run=dry_run
            ),
        )
    except ImportInvalid as exc:
        for problem in exc.errors:
            column = f" {problem['column']}:" if problem["column"] else ""
            err.print(f"{file}:{problem['line']}:{column} {problem['message']}", markup=False)
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    for change in result.changed:
        out.print(f"~ {change.number} {change.name}: {change.old} -> {change.new}", markup=False)
    would = "ville blitt " if result.dry_run else ""
    out.print(
        f"{count(result.records, 'kommune', 'kommuner')} i filen: "
        f"{number(len(result.changed))} {would}endret, {number(result.unchanged)} uendret",
        markup=False,
    )
    if result.dry_run:
        out.print("Tørrkjøring: ingenting er endret.", markup=False)


KIND_NAMES = {"renumbered": "nytt nummer", "merged": "sammenslått", "split": "delt"}
