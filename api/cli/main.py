"""The ``innostudy`` command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from api.cli import admin as cli_admin
from api.cli.common import err, out
from api.core.config import Settings
from api.core.db import make_engine, transaction
from api.data.models import Role
from course.loader import load_course
from course.messages import count, number
from course.models import Severity

app = typer.Typer(no_args_is_help=True, help="innostudy: innovasjonsstudiet for kommunesektoren")
db_app = typer.Typer(no_args_is_help=True, help="Database commands")
users_app = typer.Typer(no_args_is_help=True, help="User accounts")
content_app = typer.Typer(no_args_is_help=True, help="Course content")
certificates_app = typer.Typer(no_args_is_help=True, help="Certificates (kursbevis)")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(content_app, name="content")
app.add_typer(certificates_app, name="certificates")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            err.print(f"configuration error: {error['msg']}", markup=False)
        raise typer.Exit(2) from None


@app.command()
def validate(
    directory: Annotated[Path, typer.Argument(help="Content directory")] = Path("modules"),
) -> None:
    """Check a content directory; prints one line per problem as file:line: message."""
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
        f"{count(course.word_count, 'ord', 'ord')}"
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date."""
    from api.data import migrate

    settings = _settings()
    migrate.upgrade(make_engine(settings.effective_database_url))
    out.print("database is up to date")


def _sync(settings: Settings, directory: Path) -> list[str]:
    from api.services.content import sync_content

    result = load_course(directory)
    if result.course is None:
        for problem in result.errors:
            print(problem, file=sys.stderr)  # one line each, as `validate` prints: never wrapped
        raise typer.Exit(1)
    with transaction(make_engine(settings.effective_database_url), write=True) as session:
        return sync_content(session=session, course=result.course)


@content_app.command("sync")
def content_sync(directory: Annotated[Path | None, typer.Argument()] = None) -> None:
    """Import a content directory: changed files become new revisions."""
    settings = _settings()
    changed = _sync(settings, directory or settings.content_dir)
    out.print(f"{len(changed)} module(s) changed" + (f": {', '.join(changed)}" if changed else ""))


@content_app.command("export")
def content_export(directory: Path) -> None:
    """Write the current revisions back as NN-slug.md files, with course.toml."""
    import shutil

    from api.services.content import current_sources

    settings = _settings()
    with transaction(make_engine(settings.effective_database_url)) as session:
        sources = current_sources(session=session)
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(settings.content_dir / "course.toml", directory / "course.toml")
    for name, source in sources:
        (directory / name).write_bytes(source.encode("utf-8"))
    out.print(f"wrote {len(sources)} module(s) to {directory}", markup=False)


@users_app.command("add")
def users_add(
    email: str,
    name: Annotated[str, typer.Option("--name", help="Full name")],
    municipality: Annotated[str, typer.Option("--municipality")],
    role: Annotated[Role, typer.Option("--role")] = Role.LEARNER,
    municipality_number: Annotated[str | None, typer.Option("--municipality-number")] = None,
    department: Annotated[str | None, typer.Option("--department")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin")
    ] = False,
) -> None:
    """Create an account."""
    from api.core.errors import DomainError
    from api.services.admin_users import create_user
    from api.services.contracts import UserCreate

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    try:
        data = UserCreate(
            email=email,
            full_name=name,
            role=role,
            municipality=municipality,
            municipality_number=municipality_number,
            department=department,
            password=password,
        )
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            err.print(f"{field}: {error['msg']}", markup=False)
        raise typer.Exit(2) from None
    settings = _settings()
    try:
        with transaction(make_engine(settings.effective_database_url), write=True) as session:
            user = create_user(session=session, admin=None, data=data)
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    out.print(f"created {user.role} {user.email} (id {user.id})", markup=False)


DEMO_ACCOUNTS = (
    ("admin@demo.innostudy.no", "Ada Administrator", Role.ADMIN),
    ("instruktor@demo.innostudy.no", "Ivar Instruktør", Role.INSTRUCTOR),
    ("deltaker@demo.innostudy.no", "Kari Nordmann", Role.LEARNER),
)


@app.command()
def demo() -> None:
    """Create demo accounts (once) and print how to log in with them."""
    import secrets

    from api.services.admin_users import create_user
    from api.services.contracts import UserCreate
    from api.services.users import get_user_by_email

    settings = _settings()
    credentials = settings.data_dir / "demo-accounts.txt"
    lines = credentials.read_text().splitlines() if credentials.exists() else []
    known = {line.split()[0] for line in lines if line.strip()}
    with transaction(make_engine(settings.effective_database_url), write=True) as session:
        for email, name, role in DEMO_ACCOUNTS:
            if email in known or get_user_by_email(session=session, email=email) is not None:
                continue
            password = secrets.token_urlsafe(12)
            create_user(
                session=session,
                admin=None,
                data=UserCreate(
                    email=email,
                    full_name=name,
                    role=role,
                    municipality="Asker",
                    municipality_number="3203",
                    password=password,
                ),
            )
            lines.append(f"{email}  {password}  ({role.value})")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    credentials.touch(mode=0o600)
    credentials.write_text("\n".join(lines) + "\n")
    out.print("\n[bold]Logg inn med en av disse demokontoene[/bold] (e-post, passord, rolle):")
    for line in lines:
        out.print(f"  {line}", markup=False)
    out.print(f"(lagret i {credentials})\n", markup=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Upgrade the database, import the content directory, and serve."""
    import uvicorn

    from api.data import migrate

    settings = _settings()
    migrate.upgrade(make_engine(settings.effective_database_url))
    changed = _sync(settings, settings.content_dir)
    out.print(f"content: {len(changed)} module(s) imported or changed")
    out.print(f"innostudy at http://{host}:{port}  (API docs: /docs)")
    uvicorn.run("api.main:app", host=host, port=port, workers=workers, proxy_headers=True)


def _course_context(settings: Settings) -> tuple[Any, Any]:
    from api.services.content import RenderCache, course_info

    return course_info(settings.content_dir), RenderCache()


@certificates_app.command("render")
def certificates_render(
    code: str,
    output: Annotated[Path, typer.Option("-o", "--output", help="PDF file to write")],
) -> None:
    """Render one certificate's PDF by its code."""
    from api.core.errors import CertificateNotFound
    from api.services import certificates, content
    from certificates.render import render_certificate

    settings = _settings()
    info, cache = _course_context(settings)
    try:
        with transaction(make_engine(settings.effective_database_url)) as session:
            certificate = certificates.by_code(session=session, code=code)
            modules = content.live_modules(session=session, info=info, cache=cache)
            data = certificates.render_data(
                certificate=certificate,
                settings=settings,
                info=info,
                modules=certificates.completed_modules(
                    session=session, user_id=certificate.user_id, modules=modules
                ),
            )
    except CertificateNotFound as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    output.write_bytes(render_certificate(data))
    out.print(f"wrote {output}", markup=False)


@certificates_app.command("render-all")
def certificates_render_all(
    output: Annotated[Path, typer.Option("-o", "--output", help="Directory for the PDFs")],
    workers: Annotated[int | None, typer.Option(help="Processes (default: all cores)")] = None,
) -> None:
    """Issue missing certificates to every learner who completed, then render all PDFs."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from api.services import certificates, content
    from certificates.bulk import render_to_directory

    settings = _settings()
    info, cache = _course_context(settings)
    engine = make_engine(settings.effective_database_url)
    with transaction(engine, write=True) as session:
        issued = certificates.issue_missing(session=session, info=info)
    with transaction(engine) as session:
        modules = content.live_modules(session=session, info=info, cache=cache)
        items = certificates.all_render_data(
            session=session, settings=settings, info=info, modules=modules
        )
    out.print(f"{issued} new certificate(s) issued; rendering {len(items)} PDF(s)")
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=out,
    ) as progress:
        task = progress.add_task("Kursbevis", total=len(items))
        written = render_to_directory(
            items,
            output,
            workers=workers,
            on_progress=lambda done: progress.update(task, completed=done),
        )
    out.print(f"wrote {written} PDF(s) to {output}", markup=False)


# Administration: users list/update/deactivate/reactivate/role/reset-password/erase/import,
# roster export, reports municipalities (the api/cli_admin package).
cli_admin.register(app, users_app, settings=_settings, course_context=_course_context)
