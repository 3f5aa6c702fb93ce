from __future__ import annotations

from alembic.util.exc import CommandError
from sqlalchemy import Engine, inspect

from api.data import migrate
from api.data.models import metadata


def test_migrations_match_the_models(engine: Engine) -> None:
    try:
        migrate.check(engine)
    except CommandError as exc:  # pragma: no cover - the message is the diff
        raise AssertionError(f"models and migrations differ: {exc}") from exc


def test_migrations_create_every_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= tables
