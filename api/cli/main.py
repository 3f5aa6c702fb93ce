"""The ``innostudy`` command."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from sqlmodel import Session, select

from api.cli import admin as cli_admin
from api.cli import badges as cli_badges
from api.cli import database
from api.cli import jobs as cli_jobs
from api.cli import xapi as cli_xapi
from api.cli.common import OPERATOR, ROLE_NAMES, err, out, print_invalid
from api.cli.usage import NorwegianGroup
from api.core.config import Settings
from api.core.db import transaction
from api.data.models import AccountRole, Role
from course.loader import load_course
from course.messages import count, number, predicate
from course.models import Severity

app = typer.Typer(
    cls=NorwegianGroup,
    no_args_is_help=True,
    help="innostudy: innovasjonsstudiet for kommunesektoren",
)
db_app = typer.Typer(no_args_is_help=True, help="Databasen")
users_app = typer.Typer(no_args_is_help=True, help="Brukerkontoer")
content_app = typer.Typer(no_args_is_help=True, help="Kursinnholdet")
certificates_app = typer.Typer(no_args_is_help=True, help="Kursbevis")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(content_app, name="content")
app.add_typer(certificates_app, name="certificates")
app.add_typer(cli_jobs.jobs_app, name="jobs")
app.add_typer(cli_badges.badges_app, name="badges")
app.add_typer(cli_xapi.xapi_app, name="xapi")
app.command("worker")(cli_jobs.worker)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = f"INNOSTUDY_{str(error['loc'][0]).upper()} " if error["loc"] else ""
            err.print(f"Feil i innstillingene: {name}{predicate(error)}", markup=False)
        raise typer.Exit(2) from None


@app.command()
def validate(
    directory: Annotated[
        Path | None, typer.Argument(help="Innholdsmappen (standard: INNOSTUDY_CONTENT_DIR)")
    ] = None,
) -> None:
    """Sjekk en innholdsmappe; skriver én linje per problem: fil:linje: melding."""
    directory = directory or _settings().content_dir
    result = load_course(directory)
    for problem in result.problems:
        print(problem, file=sys.stderr if problem.severity is Severity.ERROR else sys.stdout)
    if result.course is None:
        print(f"{number(len(result.errors))} feil i {directory}", file=sys.stderr)
        raise typer.Exit(1)
    course = result.course
    print(
        f"OK: {count(len(course.modules), 'modul', 'moduler')}, "
        f"{count(course.question_count, 'spørsmål', 'spørsmål')}, "
        f"{count(course.step_count, 'oppgave', 'oppgaver')}, "
        f"{count(course.word_count, 'ord', 'ord')}"
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Opprett databaseskjemaet, eller oppgrader det til nyeste versjon."""
    out.print(database.upgrade(_settings()), markup=False)


def _sync(settings: Settings, directory: Path, *, named: bool = True) -> list[str]:
    from api.services.content import sync_content

    result = load_course(directory)
    if result.course is None:
        for problem in result.errors:
            print(problem, file=sys.stderr)  # one line each, as `validate` prints: never wrapped
        raise typer.Exit(1)
    with transaction(database.ready(settings, named=named), write=True) as session:
        return sync_content(session=session, course=result.course)


def _changed(changed: list[str], done: str) -> str:
    """``3 moduler endret: a, b, c``."""
    names = f": {', '.join(changed)}" if changed else ""
    return f"{count(len(changed), 'modul', 'moduler')} {done}{names}"


@content_app.command("sync")
def content_sync(directory: Annotated[Path | None, typer.Argument()] = None) -> None:
    """Importer en innholdsmappe: endrede filer blir nye revisjoner."""
    settings = _settings()
    changed = _sync(settings, directory or settings.content_dir)
    out.print(_changed(changed, "endret"), markup=False)


@content_app.command("export")
def content_export(directory: Path) -> None:
    """Skriv gjeldende revisjoner tilbake som NN-slug.md-filer, med course.toml."""
    import shutil

    from api.services.content import current_sources

    settings = _settings()
    with transaction(database.ready(settings)) as session:
        sources = current_sources(session=session)
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(settings.content_dir / "course.toml", directory / "course.toml")
    for name, source in sources:
        (directory / name).write_bytes(source.encode("utf-8"))
    out.print(f"Skrev {count(len(sources), 'modul', 'moduler')} til {directory}", markup=False)


@users_app.command("add")
def users_add(
    email: str,
    name: Annotated[str, typer.Option("--name", help="Fullt navn")],
    municipality: Annotated[str, typer.Option("--municipality", help="Kommunenavn eller -nummer")],
    role: Annotated[AccountRole, typer.Option("--role", help="Rollen")] = AccountRole.LEARNER,
    municipality_number: Annotated[
        str | None, typer.Option("--municipality-number", help="Kommunenummeret")
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="Enheten, som sti: «Helse og omsorg/Hjemmetjenesten»"),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Les passordet fra standard inn")
    ] = False,
) -> None:
    """Opprett en konto."""
    from api.core.errors import DomainError
    from api.services import org_units
    from api.services.admin_users import create_user
    from api.services.contracts import UserCreate

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    try:
        data = UserCreate(
            email=email,
            full_name=name,
            role=Role(role.value),
            municipality=municipality,
            municipality_number=municipality_number,
            password=password,
        )
    except ValidationError as exc:
        print_invalid(exc, ADD_OPTIONS)
        raise typer.Exit(2) from None
    settings = _settings()
    try:
        with transaction(database.ready(settings), write=True) as session:
            if unit is not None:
                found = org_units.unit_for_path(
                    session=session, municipality_number=data.municipality_number, path=unit
                )
                data = data.model_copy(update={"unit_id": found.id})
            user = create_user(session=session, actor=OPERATOR, data=data)
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    out.print(f"Opprettet {ROLE_NAMES[Role(user.role)]} {user.email} (id {user.id})", markup=False)


ADD_OPTIONS = {
    "email": "EMAIL",
    "full_name": "--name",
    "municipality": "--municipality",
    "municipality_number": "--municipality-number",
    "unit_id": "--unit",
    "password": "passordet",
}


# (e-mail, name, role, in the demo unit): the leader leads the demo unit, the municipal
# administrator administers Asker, and the learner works in the unit the leader leads.
DEMO_ACCOUNTS = (
    ("admin@demo.innostudy.no", "Ada Administrator", Role.ADMIN, False),
    ("instruktor@demo.innostudy.no", "Ivar Instruktør", Role.INSTRUCTOR, False),
    ("kommune@demo.innostudy.no", "Kåre Kommuneadmin", Role.MUNICIPAL_ADMIN, False),
    ("leder@demo.innostudy.no", "Lise Leder", Role.LEADER, False),
    ("deltaker@demo.innostudy.no", "Kari Nordmann", Role.LEARNER, True),
)
DEMO_MUNICIPALITY, DEMO_UNIT = "3203", "Helse og omsorg"  # Asker


def _demo_unit(session: Session) -> int:
    from api.services import org_units
    from api.services.contracts import UnitCreate

    found = org_units.resolve_path(
        session=session, municipality_number=DEMO_MUNICIPALITY, path=DEMO_UNIT
    )
    if found is None:
        found = org_units.create_unit(
            session=session,
            actor=OPERATOR,
            municipality_number=DEMO_MUNICIPALITY,
            data=UnitCreate(name=DEMO_UNIT),
        )
    assert found.id is not None
    return found.id


@app.command()
def demo() -> None:
    """Opprett demokontoer (én gang) og vis hvordan man logger inn med dem."""
    import secrets

    from api.services import roles
    from api.services.admin_users import create_user
    from api.services.contracts import UserCreate
    from api.services.users import get_user_by_email

    settings = _settings()
    credentials = settings.data_dir / "demo-accounts.txt"
    lines = credentials.read_text().splitlines() if credentials.exists() else []
    known = {line.split()[0] for line in lines if line.strip()}
    with transaction(database.ready(settings), write=True) as session:
        unit_id = _demo_unit(session)
        for email, name, role, in_unit in DEMO_ACCOUNTS:
            if email in known or get_user_by_email(session=session, email=email) is not None:
                continue
            password = secrets.token_urlsafe(12)
            scoped = role in (Role.LEADER, Role.MUNICIPAL_ADMIN)
            user = create_user(
                session=session,
                actor=OPERATOR,
                data=UserCreate(
                    email=email,
                    full_name=name,
                    role=Role.LEARNER if scoped else role,
                    municipality_number=DEMO_MUNICIPALITY,
                    unit_id=unit_id if in_unit else None,
                    password=password,
                ),
            )
            if scoped:
                roles.grant(
                    session=session,
                    actor=OPERATOR,
                    user_id=user.id or 0,
                    role=role,
                    municipality=DEMO_MUNICIPALITY if role == Role.MUNICIPAL_ADMIN else None,
                    unit_id=unit_id if role == Role.LEADER else None,
                )
            lines.append(f"{email}  {password}  ({ROLE_NAMES[role]})")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    credentials.touch(mode=0o600)
    credentials.write_text("\n".join(lines) + "\n")
    out.print("\n[bold]Logg inn med en av disse demokontoene[/bold] (e-post, passord, rolle):")
    for line in lines:
        out.print(f"  {line}", markup=False)
    out.print(f"(lagret i {credentials})\n", markup=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Adressen å lytte på")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Porten")] = 8000,
    workers: Annotated[int, typer.Option(help="Antall arbeidsprosesser")] = 1,
) -> None:
    """Oppgrader databasen, importer innholdsmappen og start tjeneren."""
    import uvicorn

    settings = _settings()
    out.print(database.upgrade(settings), markup=False)
    changed = _sync(settings, settings.content_dir, named=False)  # named by the upgrade
    out.print("Innhold: " + _changed(changed, "importert eller endret"), markup=False)
    out.print(f"innostudy kjører på http://{host}:{port}  (API-dokumentasjon: /docs)")
    with _shared_metrics(workers):
        # Each request is logged once, by the app (api.http.observe): no uvicorn access log.
        uvicorn.run(
            "api.main:app",
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            access_log=False,
        )


@contextmanager
def _shared_metrics(workers: int) -> Iterator[None]:
    """With several processes on one port, a scrape reaches any one of them: they share
    their request counts through files (prometheus_client's multiprocess mode)."""
    import os
    import shutil
    import tempfile

    name = "PROMETHEUS_MULTIPROC_DIR"
    if workers <= 1 or os.environ.get(name):
        yield
        return
    directory = tempfile.mkdtemp(prefix="innostudy-metrics-")
    os.environ[name] = directory  # the processes uvicorn starts inherit it
    try:
        yield
    finally:
        del os.environ[name]
        shutil.rmtree(directory, ignore_errors=True)


def _course_context(settings: Settings) -> tuple[Any, Any]:
    from api.services.content import RenderCache, course_info

    return course_info(settings.content_dir), RenderCache()


@certificates_app.command("render")
def certificates_render(
    code: str,
    output: Annotated[Path, typer.Option("-o", "--output", help="PDF-filen som skal skrives")],
) -> None:
    """Lag PDF-en til ett kursbevis, etter koden."""
    from api.core.errors import DomainError
    from api.services import certificate_pdfs, content

    settings = _settings()
    info, cache = _course_context(settings)
    try:
        with transaction(database.ready(settings)) as session:
            modules = content.live_modules(session=session, info=info, cache=cache)
            pdf = certificate_pdfs.certificate_pdf_by_code(
                session=session, code=code, info=info, settings=settings, modules=modules
            )
    except DomainError as exc:  # mistyped, unknown, revoked, or the holder's data erased
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    output.write_bytes(pdf.content)
    out.print(f"Skrev {output}", markup=False)


@certificates_app.command("render-all")
def certificates_render_all(
    output: Annotated[Path, typer.Option("-o", "--output", help="Mappen for PDF-ene")],
    workers: Annotated[
        int | None, typer.Option(min=1, max=256, help="Prosesser (standard: alle kjerner)")
    ] = None,
) -> None:
    """Utsted manglende kursbevis til alle som har fullført, og lag alle PDF-ene (som en
    bakgrunnsjobb; uten en arbeidsprosess i gang kjøres den her)."""
    import io
    import json
    import zipfile

    from api.cli.jobs import follow
    from api.data.models import Job, JobFile, JobState
    from api.services import job_tasks, jobs

    settings = _settings()
    engine = database.ready(settings)
    with transaction(engine, write=True) as session:
        job = job_tasks.request_certificate_bundle(session=session, admin=None, processes=workers)
    assert job.id is not None
    out.print(f"Jobb {job.id} startet.", markup=False)
    finished: Job = follow(engine, settings, job.id, queue=jobs.REGISTRY.get(job.kind).queue)
    if finished.state != JobState.SUCCEEDED:
        err.print(f"Jobben endte som «{finished.state}»: {finished.last_error or ''}", markup=False)
        raise typer.Exit(1)
    with transaction(engine) as session:
        file = session.exec(select(JobFile).where(JobFile.job_id == job.id)).one()
    output.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(file.content)) as archive:
        archive.extractall(output)
    result = json.loads(finished.result or "{}")
    out.print(
        f"{count(result.get('issued', 0), 'nytt kursbevis', 'nye kursbevis')} utstedt; "
        f"skrev {count(result.get('rendered', 0), 'PDF', 'PDF-er')} til {output}",
        markup=False,
    )


# Administration: users list/update/deactivate/reactivate/role/reset-password/erase/import,
# roster export, reports municipalities (the api/cli_admin package).
cli_admin.register(app, users_app, settings=_settings, course_context=_course_context)
