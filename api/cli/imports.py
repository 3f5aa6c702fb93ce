"""``innostudy import gift``: a GIFT file as a module's quiz, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import audited, context, err, out
from api.cli.database import engine
from api.core.errors import DomainError, ImportInvalid
from api.services import audit
from course.messages import number

import_app = typer.Typer(no_args_is_help=True, help="Import av innhold fra andre systemer")


@import_app.command("gift")
def import_gift(
    slug: Annotated[str, typer.Argument(metavar="SLUG", help="Modulen som får quizen")],
    file: Annotated[
        Path, typer.Argument(metavar="FIL", exists=True, dir_okay=False, help="GIFT-filen")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Vis hva som ville skjedd, uten å lagre")
    ] = False,
) -> None:
    """Erstatt quizen i en modul med spørsmålene i en GIFT-fil (ett og flere riktige svar).
    Ingenting lagres hvis filen har feil."""
    from api.services import gift_exchange

    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        err.print(f"{file}: filen er ikke UTF-8-tekst. Lagre den som UTF-8 og prøv igjen.",
                  markup=False)  # fmt: skip
        raise typer.Exit(1) from None
    settings = context.settings()
    info, cache = context.course_context(settings)
    try:
        result = audited(
            engine(),
            audit.Action.MODULE_GIFT_IMPORT,
            f"module:{slug}",
            lambda session: gift_exchange.import_gift(
                session=session, info=info, cache=cache, slug=slug, text=text, author=None,
                dry_run=dry_run,
            ),
        )  # fmt: skip
    except ImportInvalid as exc:
        for problem in exc.errors:
            err.print(f"{file}:{problem['line']}: {problem['message']}", markup=False)
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    questions = number(result.questions)
    if result.dry_run:
        out.print(f"Prøvekjøring: {questions} spørsmål ville erstattet quizen i «{slug}». "
                  "Ingenting er lagret.", markup=False)  # fmt: skip
    elif result.revision is None:
        out.print(f"Quizen i «{slug}» har allerede disse {questions} spørsmålene.", markup=False)
    else:
        out.print(f"Importerte {questions} spørsmål til «{slug}» (revisjon {result.revision}).",
                  markup=False)  # fmt: skip
