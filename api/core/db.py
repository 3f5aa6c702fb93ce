"""Engine creation: SQLite pragmas and write transactions, PostgreSQL pooling."""

from __future__ import annotations

import sqlite3
import threading
import weakref
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

WRITE = {"innostudy_write": True}
_BUSY_TIMEOUT_MS = 15000


class WriteBusy(Exception):
    """Another writer holds the SQLite database, and the transaction was not to wait."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred-only).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    cursor.close()


class _SQLiteWriteGate:
    """Serialise write transactions within the process before SQLite's own lock.

    A write transaction takes SQLite's lock up front (BEGIN IMMEDIATE): reading
    and then writing in a deferred transaction fails at once if another writer
    committed in between. Threads of one process queue on this lock instead of
    on SQLite's busy handler, which polls with sleeps of up to 100 ms; other
    processes still wait through busy_timeout.

    Requests never wait here for each other: they queue first, asynchronously,
    on their event loop's write lock (``api.core.admission``), so a thread only
    finds this lock held by the event loop's own inline write (microseconds) or
    by a short write outside a request (an audit row, the CLI).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def enter(self, dbapi_connection: Any) -> None:
        """Take both locks for ``dbapi_connection``, waiting for them (worker threads only)."""
        self.lock.acquire()
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise

    def enter_nowait(self, dbapi_connection: Any) -> None:
        """Take both locks for a connection whose busy_timeout is 0, or raise ``WriteBusy``."""
        if not self.lock.acquire(blocking=False):
            raise WriteBusy()
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            self.lock.release()
            if is_busy(exc):  # another process writes
                raise WriteBusy() from exc
            raise
        except BaseException:
            self.lock.release()
            raise

    def begin(self, connection: Any) -> None:
        if not connection.get_execution_options().get("innostudy_write", False):
            connection.exec_driver_sql("BEGIN")
            return
        self.lock.acquire()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise
        connection.info["innostudy_gate"] = True

    def end(self, connection: Any) -> None:
        if connection.info.pop("innostudy_gate", False):
            self.lock.release()


def is_busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds a lock (SQLITE_BUSY)."""
    return exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY


# The write gate of each SQLite engine made by ``make_engine``.
_GATES: weakref.WeakKeyDictionary[Engine, _SQLiteWriteGate] = weakref.WeakKeyDictionary()

# How many requests of one event loop may use the database at once (``api.core.admission``),
# and how many health checks besides them. Each admitted request uses at most one worker
# thread at a time and one pooled connection (two while it records an audit row of its own),
# and on SQLite the one writer holding the event loop's write lock comes on top. anyio's
# thread limiter has 40 tokens, far more than these: a request holding a connection or a lock
# always gets a thread to finish with, and a thread never waits for a pooled connection.
REQUEST_SLOTS = 8
HEALTH_SLOTS = 2


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Connections to a file cost little: keep enough for every admitted request, and
        # open more rather than wait (max_overflow=-1) for work outside the admission, such
        # as a roster streaming to a slow client.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": _BUSY_TIMEOUT_MS / 1000},
            pool_size=2 * REQUEST_SLOTS + HEALTH_SLOTS + 2,
            max_overflow=-1,
        )
        gate = _SQLiteWriteGate()
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", gate.begin)
        event.listen(engine, "commit", gate.end)
        event.listen(engine, "rollback", gate.end)
        _GATES[engine] = gate
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    # Every admitted request and health check has a pooled connection waiting for it; the
    # overflow covers audit rows written beside a request's own transaction and downloads.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=2 * REQUEST_SLOTS + HEALTH_SLOTS,
        max_overflow=REQUEST_SLOTS + 2,
    )


def sqlite_gate(engine: Engine) -> _SQLiteWriteGate | None:
    """The write gate of an SQLite engine made by ``make_engine``; None for others."""
    return _GATES.get(engine)


def connect_nowait(engine: Engine) -> sqlite3.Connection:
    """A new connection to ``engine``'s SQLite file, outside its pool, that never waits.

    Its busy_timeout is 0: a statement that would wait for another connection's
    lock fails at once with SQLITE_BUSY instead (``is_busy``). In WAL mode
    readers never wait for writers, so that is rare: only writes, and only while
    another process writes.
    """
    args, options = engine.dialect.create_connect_args(engine.url)
    connection = sqlite3.connect(
        args[0], timeout=0, check_same_thread=False, uri=bool(options.get("uri", False))
    )
    try:
        _sqlite_pragmas(connection, None)
        connection.execute("PRAGMA busy_timeout=0")
    except BaseException:
        connection.close()
        raise
    return connection


@contextmanager
def transaction(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on any error."""
    bind = engine.execution_options(**WRITE) if write else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def dbapi_write(engine: Engine) -> Iterator[Any]:
    """A write transaction on a pooled DBAPI connection: committed at the end, else rolled back.

    For hot paths that run a few plain statements, without the cost of a
    SQLAlchemy connection, in a worker thread (it may wait for SQLite's lock; the
    event loop writes on its own connection, ``api.core.admission``). On SQLite
    it goes through the same write gate as ``transaction(write=True)``.
    """
    gate = _GATES.get(engine)
    if gate is None and engine.dialect.name == "sqlite":
        raise RuntimeError("dbapi_write needs an SQLite engine made by make_engine (its gate)")
    pooled = engine.raw_connection()
    try:
        connection: Any = pooled.driver_connection
        if gate is not None:
            gate.enter(connection)
        try:
            yield connection
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            if gate is not None:
                gate.lock.release()
    finally:
        pooled.close()


def one_at_a_time(connection: Connection, name: str) -> None:
    """Make every other transaction that calls this with ``name`` wait until this one ends.

    For work that several processes may start at once (web processes starting on
    several machines each upgrade the schema and import the content): on
    PostgreSQL a transaction-level advisory lock; on SQLite the write lock that a
    write transaction already holds does the same.
    """
    if connection.dialect.name == "postgresql":
        key = zlib.crc32(name.encode()) - 2**31  # a stable signed 32-bit key
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


class ForeignKeyViolation(RuntimeError):
    """A migration left rows that point at nothing (SQLite, where keys are checked at the end)."""


@contextmanager
def schema_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for a schema change (``api.data.migrate``), with SQLite's foreign keys
    off while it runs.

    On SQLite a batch migration rebuilds a table: it copies the rows and drops the old
    table, and with foreign keys on, that drop deletes (ON DELETE CASCADE) or refuses
    because of every row elsewhere that refers to it. SQLite's own procedure for
    rebuilding a table: keys off (only possible outside a transaction), and every key
    checked before the commit.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        driver = connection.connection.driver_connection
        assert driver is not None
        if sqlite:
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise ForeignKeyViolation(f"broken foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                driver.execute("PRAGMA foreign_keys=ON")
