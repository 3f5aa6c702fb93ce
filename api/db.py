"""Engine creation: SQLite pragmas and write transactions, PostgreSQL pooling."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

WRITE = {"innostudy_write": True}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred-only).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
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
