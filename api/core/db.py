"""Engine creation: SQLite pragmas and write transactions, PostgreSQL pooling."""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
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
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def enter(self, dbapi_connection: Any, *, wait: bool) -> None:
        """Take both locks for ``dbapi_connection``; ``WriteBusy`` if held and not ``wait``."""
        if not self.lock.acquire(blocking=wait):
            raise WriteBusy()
        try:
            if wait:
                dbapi_connection.execute("BEGIN IMMEDIATE")
            else:
                _begin_immediate_nowait(dbapi_connection)
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


def _begin_immediate_nowait(dbapi_connection: Any) -> None:
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        dbapi_connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY:  # another process writes
            raise WriteBusy() from exc
        raise
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")


# The write gate of each SQLite engine made by ``make_engine``.
_GATES: weakref.WeakKeyDictionary[Engine, _SQLiteWriteGate] = weakref.WeakKeyDictionary()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        gate = _SQLiteWriteGate()
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", gate.begin)
        event.listen(engine, "commit", gate.end)
        event.listen(engine, "rollback", gate.end)
        _GATES[engine] = gate
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


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
def dbapi_write(engine: Engine, *, wait: bool = True) -> Iterator[Any]:
    """A write transaction on a pooled DBAPI connection: committed at the end, else rolled back.

    For hot paths that run a few plain statements, without the cost of a
    SQLAlchemy connection. On SQLite it goes through the same write gate as
    ``transaction(write=True)``; with ``wait=False`` it raises ``WriteBusy``
    rather than wait for another writer.
    """
    gate = _GATES.get(engine)
    if gate is None and engine.dialect.name == "sqlite":
        raise RuntimeError("dbapi_write needs an SQLite engine made by make_engine (its gate)")
    pooled = engine.raw_connection()
    try:
        connection: Any = pooled.driver_connection
        if gate is not None:
            gate.enter(connection, wait=wait)
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
