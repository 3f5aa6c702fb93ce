"""Run Alembic migrations programmatically (used by ``serve``, the CLI and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from api.core.db import one_at_a_time, schema_transaction

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Migrate to ``revision``; returns the revision the database had (None: no schema)."""
    config = alembic_config(engine)
    with schema_transaction(engine) as connection:
        one_at_a_time(connection, "innostudy schema upgrade")  # the others then find it done
        before = MigrationContext.configure(connection).get_current_revision()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return before


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate back to ``revision`` (for operators undoing a release, and the tests)."""
    config = alembic_config(engine)
    with schema_transaction(engine) as connection:
        one_at_a_time(connection, "innostudy schema upgrade")
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def head() -> str:
    """The revision the code expects: the newest migration."""
    found = _scripts().get_current_head()
    assert found is not None, "the migrations have no head"
    return found


def known() -> set[str]:
    """Every revision the migrations know."""
    return {script.revision for script in _scripts().walk_revisions()}


def current(engine: Engine) -> str | None:
    """The database's revision; ``None`` when no migration has run (no schema yet)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check(engine: Engine) -> None:
    """Raise if the models and the migrations have drifted apart."""
    config = alembic_config(engine)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.check(config)


def revision(engine: Engine, message: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
