"""Workers: threads that take jobs from the queue and run them (``api.services.jobs``).

``innostudy worker`` runs one as a process of its own, on any machine that reaches
the database; ``innostudy serve`` runs one inside the web process unless
``INNOSTUDY_INPROCESS_WORKER=0``. Each queue a worker serves gets threads of its
own, so a long bulk export never holds up the jobs of another queue. A heartbeat
thread renews the leases of the running tries, passes on cancellations, puts back
jobs whose worker died, enqueues the scheduled jobs (once per slot, by key), and
enqueues a job of each kind that says it has work waiting (``Task.pending``).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from api.core.config import Settings
from api.core.db import WRITE
from api.data.models import Job, JobState, utcnow
from api.services import jobs
from api.services.jobs import REGISTRY, Claimed, Registry

logger = logging.getLogger("innostudy.jobs")
OSLO = ZoneInfo("Europe/Oslo")


class JobCancelledError(Exception):
    """Raised inside a task (by ``JobContext.check_cancelled``) when someone cancelled the job."""


@dataclass(frozen=True)
class Schedule:
    """A job enqueued once a day at ``at`` (Norwegian time), however many workers run."""

    name: str
    kind: str
    at: clock_time

    def slot(self, now: datetime) -> date:
        """The day of the latest slot that has begun at ``now``."""
        local = now.astimezone(OSLO)
        return local.date() if local.time() >= self.at else local.date() - timedelta(days=1)

    def key(self, now: datetime) -> str:
        return f"schedule:{self.name}:{self.slot(now).isoformat()}"


SCHEDULES = (
    Schedule("nightly-clean-up", "maintenance.clean_up", clock_time(3, 0)),
    Schedule("deadline-reminders", "email.deadline_reminders", clock_time(8, 0)),
)


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A short write transaction (on SQLite through the engine's write gate)."""
    with engine.execution_options(**WRITE).begin() as connection:
        yield connection


class JobContext:
    """What a running task gets: the database, the settings, and ways to report back."""

    def __init__(self, worker: Worker, claimed: Claimed, cancel: threading.Event) -> None:
        self.engine = worker.engine
        self.settings = worker.settings
        self.job_id = claimed.id
        self.attempt = claimed.attempt
        self.created_by = claimed.created_by
        self.worker_name = worker.name
        self._claimed = claimed
        self._cancel = cancel
        self._reported: tuple[float, int | None, str | None] = (-1.0, None, None)

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise JobCancelledError()

    def progress(self, percent: int | None, message: str | None = None) -> None:
        """Record how far the job has come; written at most twice a second. Checks cancellation."""
        self.check_cancelled()
        at, last_percent, last_message = self._reported
        now = time.monotonic()
        if (percent, message) == (last_percent, last_message) or now - at < 0.5:
            return
        with writing(self.engine) as connection:
            jobs.report_progress(connection, self._claimed, percent=percent, message=message)
        self._reported = (now, percent, message)

    def store_file(self, *, filename: str, media_type: str, content: bytes) -> None:
        keep = timedelta(days=self.settings.job_file_days)
        with writing(self.engine) as connection:
            jobs.store_file(
                connection,
                self._claimed,
                filename=filename,
                media_type=media_type,
                content=content,
                keep=keep,
            )


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Worker:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        queues: Sequence[str] = jobs.QUEUES,
        concurrency: int = 1,
        registry: Registry = REGISTRY,
        schedules: Sequence[Schedule] = SCHEDULES,
        name: str | None = None,
    ) -> None:
        unknown = set(queues) - set(jobs.QUEUES)
        if unknown or not queues:
            raise ValueError(f"unknown queues: {sorted(unknown)}")
        self.engine = engine
        self.settings = settings
        self.queues = tuple(queues)
        self.concurrency = concurrency
        self.registry = registry
        self.schedules = tuple(schedules)
        self.name = name or worker_name()
        self.lease = timedelta(seconds=settings.job_lease_seconds)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._running: dict[int, tuple[Claimed, threading.Event]] = {}
        self._threads: list[threading.Thread] = []

    # -- running -----------------------------------------------------------------------

    def start(self) -> None:
        with writing(self.engine) as connection:
            jobs.register_worker(connection, worker=self.name, queues=self.queues)
        self.tick()
        for queue in self.queues:
            for number in range(self.concurrency):
                self._spawn(self._run_queue, f"{queue}-{number + 1}", [queue])
        self._spawn(self._beat, "heartbeat")
        logger.info(
            "worker started",
            extra={"event": "worker_started", "worker": self.name, "queues": list(self.queues)},
        )

    def _spawn(self, target: Any, label: str, *args: Any) -> None:
        thread = threading.Thread(
            target=target, args=args, name=f"innostudy-worker-{label}", daemon=True
        )
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking jobs, let the running ones finish (up to ``timeout``), and sign off."""
        self._stop.set()
        jobs.wake_local_workers()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()
        try:
            with writing(self.engine) as connection:
                jobs.unregister_worker(connection, worker=self.name)
        except Exception:  # the database is gone: the row ages out of "live workers"
            logger.warning("worker could not sign off", exc_info=True)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _run_queue(self, queues: list[str]) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_once(queues)
            except Exception:  # the database is unreachable, say: wait and try again
                logger.exception("worker poll failed", extra={"event": "worker_error"})
                ran = False
            if not ran:
                jobs.wait_for_work(self.settings.job_poll_seconds)

    def _beat(self) -> None:
        interval = max(0.05, self.settings.job_lease_seconds / 3)
        while not self._stop.wait(interval):
            try:
                self.tick()
            except Exception:
                logger.exception("worker heartbeat failed", extra={"event": "worker_error"})

    def tick(self) -> None:
        """Renew leases, pass on cancellations, put back lost jobs, enqueue scheduled ones."""
        with self._lock:
            running = dict(self._running)
        with writing(self.engine) as connection:
            jobs.seen_worker(connection, worker=self.name, queues=self.queues)
            cancel = jobs.heartbeat(
                connection,
                worker=self.name,
                running=[claimed for claimed, _ in running.values()],
                lease=self.lease,
            )
            jobs.reap(connection)
        for job_id in cancel:
            running[job_id][1].set()
        self.enqueue_scheduled()
        self.enqueue_pending()

    def enqueue_pending(self) -> None:
        """A job of each kind that has work waiting (``Task.pending``) and none queued."""
        watched = {
            task.kind: task.pending
            for task in self.registry.tasks.values()
            if task.pending is not None
        }
        if not watched:
            return
        with self.engine.connect() as connection:
            wanted = [
                kind for kind, pending in watched.items() if pending(connection, self.settings)
            ]
            if wanted:
                busy = jobs.waiting_kinds(connection, wanted)
                wanted = [kind for kind in wanted if kind not in busy]
        if not wanted:
            return
        with Session(self.engine.execution_options(**WRITE)) as session:
            for kind in wanted:
                jobs.enqueue(session=session, kind=kind, registry=self.registry)
            session.commit()

    def enqueue_scheduled(self, now: datetime | None = None) -> None:
        now = now or utcnow()
        keys = {schedule.key(now): schedule for schedule in self.schedules}
        if not keys:
            return
        with self.engine.connect() as connection:
            known = set(
                connection.execute(
                    select(col(Job.idempotency_key)).where(col(Job.idempotency_key).in_(keys))
                ).scalars()
            )
        missing = [(key, schedule) for key, schedule in keys.items() if key not in known]
        if not missing:
            return
        with Session(self.engine.execution_options(**WRITE)) as session:
            for key, schedule in missing:
                jobs.enqueue(
                    session=session, kind=schedule.kind, idempotency_key=key, registry=self.registry
                )
            session.commit()

    def run_once(self, queues: Sequence[str] | None = None) -> bool:
        """Take one due job from ``queues`` (all of this worker's by default) and run it."""
        queues = list(queues or self.queues)
        with self.engine.connect() as connection:
            if not jobs.has_due(connection, queues):
                return False
        with writing(self.engine) as connection:
            jobs.reap(connection)
            claimed = jobs.claim(connection, worker=self.name, queues=queues, lease=self.lease)
        if claimed is None:
            return False
        self.run(claimed)
        return True

    def run(self, claimed: Claimed) -> None:
        cancel = threading.Event()
        with self._lock:
            self._running[claimed.id] = (claimed, cancel)
        started = time.perf_counter()
        outcome = "succeeded"
        error: str | None = None
        try:
            task = self.registry.get(claimed.kind)
            result = task.run(JobContext(self, claimed, cancel), **claimed.payload)
        except JobCancelledError:
            outcome = "cancelled"
            with writing(self.engine) as connection:
                held = jobs.cancelled(connection, claimed)
        except Exception as exc:
            error = "".join(traceback.format_exception(exc))
            delay = jobs.backoff(
                claimed.attempt,
                base=self.settings.job_retry_base_seconds,
                cap=self.settings.job_retry_max_seconds,
            )
            with writing(self.engine) as connection:
                state = jobs.fail(connection, claimed, error, retry_in=delay)
            held = state is not None
            outcome = "dead" if state is JobState.DEAD else "retrying"
        else:
            with writing(self.engine) as connection:
                held = jobs.succeed(connection, claimed, _mapping(result))
        finally:
            with self._lock:
                self._running.pop(claimed.id, None)
        if not held:
            outcome = "lease_lost"  # another worker has taken the job since: its try counts
        logger.info(
            "job %s",
            outcome,
            extra={
                "event": "job",
                "job_id": claimed.id,
                "kind": claimed.kind,
                "attempt": claimed.attempt,
                "worker": self.name,
                "outcome": outcome,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                **({"error": error.strip().splitlines()[-1]} if error else {}),
            },
        )

    def drain(self, *, limit: int = 10_000) -> int:
        """Run due jobs in this thread until none is left (the CLI's fallback, and tests)."""
        done = 0
        while done < limit and self.run_once():
            done += 1
        return done


def _mapping(result: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if result is not None and not isinstance(result, Mapping):
        raise TypeError("a task returns a mapping or None")
    return result
