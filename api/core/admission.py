"""How requests reach the database without ever blocking the event loop.

The rule: all waiting for the database happens on the event loop, asynchronously.
No worker thread waits for a pooled connection, a lock or another thread while
holding what another request needs, and the event loop itself never waits at all.

- A request that uses a session takes a *slot* first (``REQUEST_SLOTS`` per event
  loop, an ``asyncio.Semaphore``). Slots are fewer than the pooled connections and
  far fewer than anyio's worker threads, so an admitted request always finds a
  connection and a thread, and finishes.
- On SQLite a request that writes takes the event loop's *write lock* instead (an
  ``asyncio.Lock``; a slot of its own, as there is only one writer): writers queue
  here, asynchronously, not in threads on the process-wide write gate of
  ``api.core.db``. Before this, a writer's transaction stayed open between the
  thread calls FastAPI makes for one request, while up to 40 threads blocked on
  the gate or on pool checkout, holding every thread the writer needed to commit.
- On SQLite the event loop also has *its own connection*, outside the pool, with
  busy_timeout 0. The hot paths (``api.http.hotpath``) read and write on it inline,
  which costs less than a thread hand-off; in WAL mode a read never waits, and a
  write that would wait (another process writes) fails at once and is retried in a
  worker thread. Before this, the event loop took a pooled connection and waited in
  ``Engine.raw_connection`` when the pool was exhausted.
  Its commits never checkpoint the log (an fsync of the database file, tens of
  milliseconds on a busy disk): every ``CHECKPOINT_EVERY`` inline writes a worker
  thread checkpoints instead.
- A request holds one turn at most: its plain look-ups beside its session (a
  page's visitor and module list, ``api.http.deps``) use the turn it holds, so
  an admitted request needs at most two pooled connections, and the pool has them.
- Health checks have ``HEALTH_SLOTS`` of their own, so ``/healthz`` answers while
  every request slot is busy; so do readiness and metrics (``health_read``), with a
  time limit.

Asyncio primitives belong to one event loop; an engine can serve several (tests
run each app on its own), so the state is kept per engine and per event loop.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
from sqlalchemy import Engine

from api.core.db import (
    HEALTH_SLOTS,
    REQUEST_SLOTS,
    WriteBusy,
    connect_nowait,
    is_busy,
    sqlite_gate,
)

logger = logging.getLogger("innostudy")
# Whether the running request holds a turn (``Admission.request``).
_admitted: ContextVar[bool] = ContextVar("innostudy_admitted", default=False)
# SQLite's own automatic checkpoint runs at 1,000 pages of log; an inline write adds a few.
CHECKPOINT_EVERY = 250
T = TypeVar("T")
# Health reads whose caller stopped waiting (``Admission.health_read``): kept until they end.
_UNFINISHED: set[asyncio.Task[Any]] = set()


@dataclass
class _LoopState:
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(REQUEST_SLOTS))
    health: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(HEALTH_SLOTS))
    write: asyncio.Lock = field(default_factory=asyncio.Lock)
    connection: sqlite3.Connection | None = None
    writes: int = 0  # inline writes since the last checkpoint was started
    checkpoint: asyncio.Future[None] | None = None


class Admission:
    """One engine's admission: request slots, the SQLite write lock, the loop's connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.gate = sqlite_gate(engine)
        # Inline work needs a connection of its own to the same database: a file.
        database = engine.url.database or ""
        in_memory = database in ("", ":memory:") or "mode=memory" in database
        self.inline = self.gate is not None and not in_memory
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def _state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            with self._lock:
                state = self._loops.setdefault(loop, _LoopState())
        return state

    @asynccontextmanager
    async def request(self, *, write: bool) -> AsyncIterator[None]:
        """Wait, on the event loop, until the request may use the database; a write on
        SQLite waits for the write lock (and needs no slot: there is one writer).

        A read inside a request that is admitted already (its session holds a turn,
        and a page's plain look-ups run beside it) goes ahead: waiting for a second
        turn while holding one deadlocks once every turn is held that way.
        """
        if not write and _admitted.get():
            yield
            return
        state = self._state()
        gate = state.write if write and self.gate is not None else state.slots
        async with gate:
            token = _admitted.set(True)
            try:
                yield
            finally:
                _admitted.reset(token)

    @asynccontextmanager
    async def health_check(self) -> AsyncIterator[None]:
        """A slot reserved for health checks, apart from the requests' slots."""
        async with self._state().health:
            yield

    async def health_read(self, work: Callable[[], T], *, timeout: float) -> T:
        """``work()`` in a worker thread and a health-check slot; ``TimeoutError`` after
        ``timeout`` seconds (waiting for the slot included).

        The slot stays taken until the thread ends, not until the caller stops waiting:
        a database that hangs ties up ``HEALTH_SLOTS`` threads at most, and the checks
        after them time out waiting for a slot.
        """

        async def held() -> T:
            async with self.health_check():
                return await anyio.to_thread.run_sync(work)

        task = asyncio.ensure_future(held())
        _UNFINISHED.add(task)
        task.add_done_callback(_forget)
        return await asyncio.wait_for(asyncio.shield(task), timeout)

    def writing(self) -> bool:
        """Whether a request of this event loop holds, or waits for, the write lock."""
        return self._state().write.locked()

    @asynccontextmanager
    async def write_turn(self) -> AsyncIterator[None]:
        """The write lock, for inline writes that must wait for a request's write to end."""
        async with self._state().write:
            yield

    def connection(self) -> sqlite3.Connection | None:
        """The event loop's own SQLite connection (busy_timeout 0), or None if there is none.

        Use it only on the event loop, and never across an ``await``: the loop runs
        one thing at a time, so nothing else can use the connection meanwhile.
        """
        if not self.inline:
            return None
        state = self._state()
        if state.connection is None:
            try:
                state.connection = connect_nowait(self.engine)
                state.connection.execute("PRAGMA wal_autocheckpoint=0")  # see _checkpoint
            except sqlite3.OperationalError as exc:
                if is_busy(exc):  # e.g. another process is changing the journal mode
                    return None
                raise
        return state.connection

    @contextmanager
    def inline_write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on the event loop's connection; ``WriteBusy`` if it would wait.

        Committed when the block ends, rolled back on any error. Never waits: the
        write gate is taken only if free (it is held by a worker thread's write
        otherwise), and SQLite's lock only if no other process holds it.
        """
        connection = self.connection()
        if connection is None or self.gate is None:
            raise WriteBusy()
        self.gate.enter_nowait(connection)
        try:
            yield connection
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            self.gate.lock.release()
        self._count_write()

    def _count_write(self) -> None:
        state = self._state()
        state.writes += 1
        running = state.checkpoint is not None and not state.checkpoint.done()
        if state.writes >= CHECKPOINT_EVERY and not running:
            state.writes = 0
            loop = asyncio.get_running_loop()
            state.checkpoint = loop.run_in_executor(None, self._checkpoint)
            state.checkpoint.add_done_callback(_log_failure)

    def _checkpoint(self) -> None:
        """Copy the log into the database file (in a worker thread, never waiting for anyone)."""
        pooled = self.engine.raw_connection()
        try:
            cursor = pooled.cursor()
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            cursor.close()
        finally:
            pooled.close()


def _forget(task: asyncio.Task[Any]) -> None:
    _UNFINISHED.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: a late failure was answered as a timeout already


def _log_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("WAL checkpoint failed", exc_info=future.exception())


_ADMISSIONS: weakref.WeakKeyDictionary[Engine, Admission] = weakref.WeakKeyDictionary()
_ADMISSIONS_LOCK = threading.Lock()


def admission(engine: Engine) -> Admission:
    """The admission of ``engine`` (one per engine, shared by every app that uses it)."""
    found = _ADMISSIONS.get(engine)
    if found is None:
        with _ADMISSIONS_LOCK:
            found = _ADMISSIONS.setdefault(engine, Admission(engine))
    return found
