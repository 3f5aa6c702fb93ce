"""The database a command works on: named in its output, and checked before use.

Only ``db upgrade`` and ``serve`` create or migrate the schema. Every other
command refuses a database that is missing or behind, and says what to run:
a migration is a step the operator takes on purpose (after a backup, once for
all servers on PostgreSQL), and a mistyped ``INNOSTUDY_DATABASE_URL`` or data
directory must not quietly become a new, empty database. A command that only
reads never creates a database file.
"""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from api.cli.common import context, err
from api.core.config import Settings
from api.core.db import make_engine
from api.data import migrate

UPGRADE = "Kjør: innostudy db upgrade"


def shown_url(url: str) -> str:
    """The URL as an operator may see it: any password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def announce(settings: Settings) -> str:
    """Print which database the command uses (on stderr: stdout may be a CSV)."""
    shown = shown_url(settings.effective_database_url)
    err.print(f"Database: {shown}", markup=False, highlight=False)
    return shown


def fail(message: str) -> typer.Exit:
    err.print(message, markup=False, highlight=False)
    return typer.Exit(1)


def unreachable(url: str) -> typer.Exit:
    """The Norwegian message for a database that does not answer."""
    path = sqlite_file(url)
    if path is not None:
        return fail(
            f"Får ikke åpnet databasefilen {path}: sjekk at mappen finnes og at du har "
            "skrivetilgang til den."
        )
    return fail(
        f"Får ikke kontakt med databasen {shown_url(url)}: sjekk at databaseserveren kjører, "
        "og at INNOSTUDY_DATABASE_URL har riktig adresse, brukernavn og passord."
    )


def problem(exc: DBAPIError) -> str:
    """A database error in the middle of a command, in Norwegian (the change is rolled back)."""
    text = str(exc.orig)
    if "no such table" in text or "UndefinedTable" in type(exc.orig).__name__:
        return f"Databasen mangler tabeller. {UPGRADE}"
    if "locked" in text:
        return "Databasen er opptatt med en annen skriving: prøv igjen om litt."
    if isinstance(exc, OperationalError):
        return "Mistet kontakten med databasen; det som var påbegynt, ble ikke lagret."
    return "Databasen avviste endringen; det som var påbegynt, ble ikke lagret."


def revision(engine: Engine, url: str) -> str | None:
    """The schema revision, or a Norwegian message and exit 1 if the database does not answer."""
    try:
        return migrate.current(engine)
    except DBAPIError:
        raise unreachable(url) from None


def ready(settings: Settings, *, named: bool = True) -> Engine:
    """The configured database, named, and checked: it exists, answers, has the current schema."""
    url = settings.effective_database_url
    shown = announce(settings) if named else shown_url(url)
    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise fail(f"Databasen {shown} finnes ikke ennå. {UPGRADE}")
    engine = make_engine(url)
    found, expected = revision(engine, url), migrate.head()
    if found is None:
        raise fail(f"Databasen {shown} har ingen tabeller ennå. {UPGRADE}")
    if found != expected:
        if found not in migrate.known():
            raise fail(
                f"Databasen {shown} har skjemaversjon {found}, som er nyere enn denne "
                f"versjonen av innostudy (som kjenner versjon {expected}): oppdater innostudy."
            )
        raise fail(
            f"Databasen {shown} har en eldre skjemaversjon ({found}); denne versjonen av "
            f"innostudy trenger {expected}. {UPGRADE}"
        )
    return engine


def upgrade(settings: Settings) -> str:
    """Create or migrate the schema; returns what was done, in Norwegian."""
    announce(settings)
    url = settings.effective_database_url
    try:
        engine = make_engine(url)  # creates the SQLite file's folder
    except OSError:
        raise unreachable(url) from None
    try:
        before = migrate.upgrade(engine)
    except DBAPIError:
        raise unreachable(url) from None
    after = migrate.head()
    if before is None:
        return f"Opprettet databaseskjemaet (versjon {after})."
    if before != after:
        return f"Oppgraderte databaseskjemaet fra versjon {before} til {after}."
    return f"Databaseskjemaet er allerede oppdatert (versjon {after})."


def engine() -> Engine:
    """The configured database of an administration command (``ready``)."""
    return ready(context.settings())
