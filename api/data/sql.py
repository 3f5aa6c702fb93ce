"""Hand-written SQL: the few statements on the hot paths, and how they run.

Every other query goes through SQLModel. These run on the DBAPI connection,
inside whatever transaction it is in, because a benchmark showed the ORM's
cost there (``bench/bench_api.py``). ``tests/api/test_sql.py`` checks each
statement's tables and columns against ``api.data.models.metadata``, so a
rename fails a test rather than a request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection

from api.data import timestamps

TOKEN_SQL = """
SELECT u.id, u.role FROM auth_token t JOIN "user" u ON u.id = t.user_id
WHERE t.token_hash = :digest AND t.revoked_at IS NULL AND t.expires_at > :now AND u.is_active
"""
MODULE_SQL = """
SELECT id, current_revision FROM course_module WHERE slug = :slug AND archived_at IS NULL
"""
LIVE_MODULES_SQL = """
SELECT id, current_revision FROM course_module WHERE archived_at IS NULL ORDER BY position, slug
"""


@lru_cache(maxsize=256)
def _pyformat(sql: str) -> str:
    """``:name`` parameters in psycopg's style (``%(name)s``)."""
    return re.sub(r":(\w+)", r"%(\1)s", sql)


def bind_timestamp(value: datetime | None, sqlite: bool) -> object:
    """``value`` as a parameter, for callers without a ``Statements`` (``api.http.hotpath``)."""
    return timestamps.bind(value, sqlite=sqlite)


class Statements:
    """Plain SQL on a DBAPI connection, inside the transaction it is in.

    SQL is written with ``:name`` parameters; timestamps go in and come out as
    aware UTC datetimes, through the codec ``api.data.models.UTCDateTime`` uses. Statements run
    here bypass SQLAlchemy's events and the ORM's identity map.
    """

    def __init__(self, dbapi_connection: Any, *, sqlite: bool) -> None:
        self.sqlite = sqlite
        # Row locks on PostgreSQL; SQLite's write transaction already excludes other writers.
        self.for_update = "" if sqlite else " FOR UPDATE"
        self._dbapi = dbapi_connection

    @classmethod
    def of(cls, connection: Connection) -> Statements:
        """Statements in a SQLAlchemy connection's transaction (e.g. a session's)."""
        sqlite = connection.dialect.name == "sqlite"
        return cls(connection.connection.driver_connection, sqlite=sqlite)

    def _execute(self, sql: str, params: Mapping[str, object]) -> Any:
        return self._dbapi.execute(sql if self.sqlite else _pyformat(sql), params)

    def one(self, sql: str, params: Mapping[str, object]) -> tuple[Any, ...] | None:
        cursor = self._execute(sql, params)
        row = cursor.fetchone()
        cursor.close()
        return tuple(row) if row is not None else None

    def all(self, sql: str, params: Mapping[str, object]) -> list[tuple[Any, ...]]:
        cursor = self._execute(sql, params)
        rows = [tuple(row) for row in cursor.fetchall()]
        cursor.close()
        return rows

    def run(self, sql: str, params: Mapping[str, object]) -> None:
        self._execute(sql, params).close()

    def timestamp(self, value: datetime | None) -> object:
        """``value`` as a statement parameter."""
        return timestamps.bind(value, sqlite=self.sqlite)

    def datetime(self, value: object) -> datetime | None:
        """A timestamp column's value as an aware UTC datetime."""
        return timestamps.read(value)
