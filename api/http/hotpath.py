"""The learner hot path: token check, current-revision lookup and writes without the ORM.

``GET /api/v1/modules/{slug}`` is the most frequent request. Its answer depends
only on the module's current revision, so the JSON is rendered once per revision
and the request itself needs two indexed lookups. Through a new ORM session they
cost about 100 µs each; on a pooled DBAPI connection about 10 µs. On SQLite that
is an in-process B-tree read, cheaper than handing the work to a thread, so it
runs inline; on PostgreSQL (a network round trip) it runs in a worker thread.

Quiz attempts and read marks write through ``Statements`` for the same reason,
inline on SQLite when nothing can make them wait (``api.http.deps.WriteUnit``,
``api.services.progress_writes``).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.core.security import token_digest
from api.data.models import utcnow
from api.data.sql import MODULE_SQL, TOKEN_SQL, Statements, bind_timestamp

T = TypeVar("T")


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
        params = {"digest": token_digest(token), "now": bind_timestamp(utcnow(), self.inline)}
        row = await self._run(lambda: self._fetch(TOKEN_SQL, params))
        return Principal(int(row[0]), str(row[1])) if row else None

    def statements(self, dbapi_connection: Any) -> Statements:
        return Statements(dbapi_connection, sqlite=self.inline)

    async def module_ref(self, slug: str) -> tuple[int, int] | None:
        """(module id, current revision) of a live module."""
        row = await self._run(lambda: self._fetch(MODULE_SQL, {"slug": slug}))
        return (int(row[0]), int(row[1])) if row else None
