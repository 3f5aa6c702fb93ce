"""The learner hot path: token check, current-revision lookup and writes without the ORM.

``GET /api/v1/modules/{slug}`` is the most frequent request. Its answer depends
only on the module's current revision, so the JSON is rendered once per revision
and the request itself needs two indexed lookups. Through a new ORM session they
cost about 100 µs each; on a DBAPI connection about 10 µs. On SQLite that is an
in-process B-tree read, cheaper than handing the work to a thread, so it runs
inline on the event loop's own connection (``api.core.admission``: never a
pooled one, whose checkout could wait, and with busy_timeout 0, so it never
waits; a lookup SQLite refuses as busy goes to a worker thread). On PostgreSQL
(a network round trip) it runs in a worker thread, after taking a request slot.

Quiz attempts and read marks write through ``Statements`` for the same reason,
inline on SQLite when nothing can make them wait (``api.http.deps.WriteUnit``,
``api.services.progress_writes``).
"""

from __future__ import annotations

import gzip
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.core.admission import Admission, admission
from api.core.db import is_busy
from api.core.security import token_digest
from api.data.models import Role, utcnow
from api.data.sql import HEALTH_SQL, MODULE_SQL, TOKEN_SQL, Statements, bind_timestamp

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
    """Who is calling: enough to authorise and greet, without loading the account."""

    id: int
    role: str
    full_name: str
    scoped_roles: frozenset[str] = frozenset()  # leader, municipal_admin: for the menus

    @property
    def roles(self) -> frozenset[str]:
        return self.scoped_roles | {self.role}


class HotPath:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.admission: Admission = admission(engine)
        self.sqlite = engine.dialect.name == "sqlite"
        # Inline on the event loop's own SQLite connection (a file database only).
        self.inline = self.admission.inline

    def _read(self, work: Callable[[Statements], T]) -> T:
        connection = self.engine.raw_connection()
        try:
            return work(self.statements(connection.driver_connection))
        finally:
            connection.close()

    async def read(self, work: Callable[[Statements], T], *, health: bool = False) -> T:
        """``work(statements)``: read-only plain SQL, without ever blocking the event loop.

        Inline on SQLite; otherwise in a worker thread once the request has its turn
        (``health``: in a slot reserved for health checks).
        """
        connection = self.admission.connection() if self.inline else None
        if connection is not None:
            try:
                return work(self.statements(connection))
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise
                # Rare in WAL mode (e.g. another process recovering the log): wait in a thread.
        turn = self.admission.health_check() if health else self.admission.request(write=False)
        async with turn:
            return await run_in_threadpool(self._read, work)

    async def fetch(self, sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """One row of a read-only statement, without ever blocking the event loop."""
        return await self.read(lambda db: db.one(sql, params))

    async def principal(self, token: str) -> Principal | None:
        params = {"digest": token_digest(token), "now": bind_timestamp(utcnow(), self.sqlite)}
        row = await self.fetch(TOKEN_SQL, params)
        if not row:
            return None
        scoped = frozenset(
            r for r, held in ((Role.LEADER, row[3]), (Role.MUNICIPAL_ADMIN, row[4])) if held
        )
        return Principal(int(row[0]), str(row[1]), str(row[2]), scoped)

    def statements(self, dbapi_connection: Any) -> Statements:
        return Statements(dbapi_connection, sqlite=self.sqlite)

    async def module_ref(self, slug: str) -> tuple[int, int] | None:
        """(module id, current revision) of a live module."""
        row = await self.fetch(MODULE_SQL, {"slug": slug})
        return (int(row[0]), int(row[1])) if row else None

    async def check_database(self) -> None:
        """Read from the database (raises if it does not answer), apart from the request slots.

        On SQLite the event loop's own connection reads a table (a real read of the
        file: ``SELECT 1`` alone would not touch it); elsewhere a worker thread runs
        the same statement in one of the slots reserved for health checks.
        """
        await self.read(lambda db: db.one(HEALTH_SQL, {}), health=True)
