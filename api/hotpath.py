"""The learner hot path: token check, current-revision lookup and writes without the ORM.

``GET /api/v1/modules/{slug}`` is the most frequent request. Its answer depends
only on the module's current revision, so the JSON is rendered once per revision
and the request itself needs two indexed lookups. Through a new ORM session they
cost about 100 µs each; on a pooled DBAPI connection about 10 µs. On SQLite that
is an in-process B-tree read, cheaper than handing the work to a thread, so it
runs inline; on PostgreSQL (a network round trip) it runs in a worker thread.

Quiz attempts and read marks write through ``Statements`` for the same reason,
inline on SQLite when nothing can make them wait (``api.deps.WriteUnit``,
``api.services.progress_writes``).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.models import utcnow
from api.security import token_digest
from api.services.content import LiveModule, RenderCache

T = TypeVar("T")

_TOKEN_SQL = """
SELECT u.id, u.role FROM auth_token t JOIN "user" u ON u.id = t.user_id
WHERE t.token_hash = :digest AND t.revoked_at IS NULL AND t.expires_at > :now AND u.is_active
"""
_MODULE_SQL = """
SELECT id, current_revision FROM course_module WHERE slug = :slug AND archived_at IS NULL
"""
_LIVE_MODULES_SQL = """
SELECT id, current_revision FROM course_module WHERE archived_at IS NULL ORDER BY position, slug
"""
# SQLAlchemy stores SQLite datetimes as naive UTC text in this format.
_SQLITE_TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f"


@lru_cache(maxsize=256)
def _pyformat(sql: str) -> str:
    """``:name`` parameters in psycopg's style (``%(name)s``)."""
    return re.sub(r":(\w+)", r"%(\1)s", sql)


def _bind_timestamp(value: datetime | None, sqlite: bool) -> object:
    if value is None or not sqlite:
        return value
    return value.astimezone(UTC).strftime(_SQLITE_TIMESTAMP)


class Statements:
    """Plain SQL on a DBAPI connection, inside the transaction it is in.

    SQL is written with ``:name`` parameters; timestamps go in and come out as
    aware UTC datetimes, as ``api.models.UTCDateTime`` stores them. Statements run
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
        return _bind_timestamp(value, self.sqlite)

    def datetime(self, value: object) -> datetime | None:
        """A timestamp column's value as an aware UTC datetime."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class NotRendered(Exception):
    """A module revision is not in the render cache yet; rendering takes tens of milliseconds."""


def _cached(cache: RenderCache, module_id: int, revision: int) -> LiveModule:
    content = cache.get((module_id, revision))
    if content is None:
        raise NotRendered()
    return LiveModule(id=module_id, revision=revision, content=content)


def cached_module(db: Statements, cache: RenderCache, slug: str) -> LiveModule | None:
    """The live module ``slug`` as ``content.live_module`` gives it, or None if there is none.

    One indexed query; ``NotRendered`` if its current revision is not in ``cache``.
    """
    row = db.one(_MODULE_SQL, {"slug": slug})
    return _cached(cache, int(row[0]), int(row[1])) if row else None


def cached_live_modules(db: Statements, cache: RenderCache) -> list[LiveModule]:
    """The course's current modules in order, as ``content.live_modules`` gives them.

    One query; ``NotRendered`` if a current revision is not in ``cache``.
    """
    return [_cached(cache, int(i), int(revision)) for i, revision in db.all(_LIVE_MODULES_SQL, {})]


@dataclass(frozen=True, slots=True)
class EncodedJson:
    """A response body encoded once: plain, and gzip-compressed for clients that accept it.

    A module's JSON is about 25 KB; sending it costs more than everything else
    in the request, and compressing it per request would cost more still.
    """

    plain: bytes
    gzip: bytes

    @classmethod
    def of(cls, body: bytes) -> EncodedJson:
        return cls(body, gzip.compress(body, compresslevel=6, mtime=0))

    def response(self, accept_encoding: str | None) -> Response:
        headers = {"Vary": "Accept-Encoding"}
        if accept_encoding and "gzip" in accept_encoding:
            headers["Content-Encoding"] = "gzip"
            return Response(self.gzip, media_type="application/json", headers=headers)
        return Response(self.plain, media_type="application/json", headers=headers)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: enough to authorise, without loading the account."""

    id: int
    role: str


class HotPath:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.inline = engine.dialect.name == "sqlite"

    def _fetch(self, sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
        connection = self.engine.raw_connection()
        try:
            return self.statements(connection.driver_connection).one(sql, params)
        finally:
            connection.close()

    async def _run(self, function: Callable[[], T]) -> T:
        return function() if self.inline else await run_in_threadpool(function)

    async def principal(self, token: str) -> Principal | None:
        params = {"digest": token_digest(token), "now": _bind_timestamp(utcnow(), self.inline)}
        row = await self._run(lambda: self._fetch(_TOKEN_SQL, params))
        return Principal(int(row[0]), str(row[1])) if row else None

    def statements(self, dbapi_connection: Any) -> Statements:
        return Statements(dbapi_connection, sqlite=self.inline)

    async def module_ref(self, slug: str) -> tuple[int, int] | None:
        """(module id, current revision) of a live module."""
        row = await self._run(lambda: self._fetch(_MODULE_SQL, {"slug": slug}))
        return (int(row[0]), int(row[1])) if row else None
