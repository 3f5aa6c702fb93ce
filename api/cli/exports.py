"""``innostudy export scorm`` and ``export gift``: a SCORM package or the quizzes as GIFT."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from api.cli.common import context, err, out, print_invalid, writable
from api.cli.database import engine
from api.core.db import transaction
from api.core.errors import DomainError, ModuleNotFound
from api.services.contracts import CourseForm, ScormExport
from course.messages import number
from course.scorm import ScormVersion

export_app = typer.Typer(no_args_is_help=True, help="Eksport av kurset til andre systemer")


@export_app.command("scorm")
def export_scorm(
    output: Annotated[Path, typer.Argument(metavar="UT.zip", help="Zip-filen som skal skrives")],
    version: Annotated[
        ScormVersion, typer.Option("--version", help="SCORM 1.2 (Moodle) eller 2004 (4. utgave)")
    ],
    module: Annotated[
        str | None, typer.Option("--module", help="Bare denne modulen (slug); ellers hele kurset")
    ] = None,
    form: Annotated[CourseForm, typer.Option("--form", help="Målform")] = CourseForm.BOKMAL,
    quiz: Annotated[
        bool, typer.Option("--quiz/--no-quiz", help="Ta med quizene (og dermed fasiten)")
    ] = True,
) -> None:
    """Lag en SCORM-pakke til et LMS som Moodle. Med quiz inneholder pakken også fasiten:
    den retter svarene i deltakerens nettleser."""
    from api.services import scorm_export

    try:  # the same model as the API's query and the instructor page's form
        request = ScormExport(version=version, module=module, form=form, quiz=quiz)
    except ValidationError as exc:
        print_invalid(exc, {"module": "--module"})
        raise typer.Exit(2) from None
    writable(output)
    settings = context.settings()
    info, cache = context.course_context(settings)
    try:
        with transaction(engine()) as session:
            package = scorm_export.scorm_package(
                session=session, info=info, cache=cache, request=request
            )
    except ModuleNotFound:
        err.print(f"Modulen «{module}» finnes ikke i kurset.", markup=False)
        raise typer.Exit(1) from None
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    output.write_bytes(package.content)
    size = number(round(len(package.content) / 1024))
    note = "" if quiz else " (uten quiz)"
    out.print(f"Skrev SCORM {version.value}-pakken{note} til {output} ({size} kB)", markup=False)


@export_app.command("gift")
def export_gift(
    output: Annotated[Path, typer.Argument(metavar="UT.gift", help="GIFT-filen som skal skrives")],
    module: Annotated[
        str | None, typer.Option("--module", help="Bare denne modulen (slug); ellers hele kurset")
    ] = None,
) -> None:
    """Skriv quizene i GIFT-formatet (Moodles spørsmålsbank), med fasit og forklaringer."""
    from api.services import gift_exchange

    writable(output)
    settings = context.settings()
    info, cache = context.course_context(settings)
    try:
        with transaction(engine()) as session:
            gift = gift_exchange.gift_file(session=session, info=info, cache=cache, module=module)
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    output.write_text(gift.content, encoding="utf-8")
    out.print(f"Skrev {number(gift.questions)} spørsmål i GIFT-formatet til {output}", markup=False)
