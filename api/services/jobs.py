"""The job queue, stored in the application's own database.

A job is enqueued in the transaction of the change that causes it (``enqueue``
takes the caller's session), so the two commit together or not at all. Workers
(``api.services.worker``) take jobs with ``claim``: on PostgreSQL with
``FOR UPDATE SKIP LOCKED``, so workers on several machines never take the same
job; on SQLite the write lock does the same. A taken job carries a lease that its
worker renews (``heartbeat``); a job whose lease ran out, because its worker was
killed or its machine lost, is put back (``reap``) and taken again. Delivery is
therefore at least once: a task must be safe to run twice, and a job may carry an
idempotency key so that enqueuing the same work twice gives one job.

Every change of state names the try it belongs to (``worker`` and ``attempt``),
so a worker that lost its lease cannot finish, fail or extend a try that another
worker has taken since.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, event, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from api.core import logs
from api.core.db import transaction
from api.core.errors import JobFileMissing, JobFinished, JobNotFound, JobNotRetryable
from api.data.models import Job, JobFile, JobState, JobWorker, Role, User, utcnow
from api.services import audit

logger = logging.getLogger("innostudy.jobs")
QUEUES = ("default", "bulk")
LOST_WORKER = "Arbeidsprosessen stoppet før jobben var ferdig (leiekontrakten gikk ut)."
_ERROR_CHARS = 4000
_FINISHED = (JobState.SUCCEEDED, JobState.DEAD, JobState.CANCELLED)
_RETRYABLE = (JobState.DEAD, JobState.CANCELLED)


class UnknownJobKind(ValueError):
    """A job kind that no task is registered for (a programming error)."""


@dataclass(frozen=True)
class Task:
    """What a kind of job is: the function that does it, its queue, and how often to try."""

    kind: str
    run: Callable[..., Mapping[str, Any] | None]
    queue: str = "default"
    priority: int = 0
    max_attempts: int = 5
    # Whether there is work for this kind (a read, given the worker's connection and
    # settings): a worker then enqueues a job of it unless one is queued or running.
    pending: Callable[[Connection, Any], bool] | None = None


@dataclass
class Registry:
    """The tasks a worker can run, by kind (``api.services.job_tasks`` registers them)."""

    tasks: dict[str, Task] = field(default_factory=dict)

    def task(
        self,
        kind: str,
        *,
        queue: str = "default",
        priority: int = 0,
        max_attempts: int = 5,
        pending: Callable[[Connection, Any], bool] | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        if queue not in QUEUES:
            raise ValueError(f"unknown queue {queue!r}")

        def register(run: Callable[..., Any]) -> Callable[..., Any]:
            if kind in self.tasks:
                raise ValueError(f"job kind {kind!r} registered twice")
            self.tasks[kind] = Task(kind, run, queue, priority, max_attempts, pending)
            return run

        return register

    def get(self, kind: str) -> Task:
        try:
            return self.tasks[kind]
        except KeyError:
            raise UnknownJobKind(kind) from None


REGISTRY = Registry()

# Workers in this process wait on this between polls; a commit that enqueued wakes them.
_wakeup = threading.Condition()


def wake_local_workers() -> None:
    with _wakeup:
        _wakeup.notify_all()


def wait_for_work(timeout: float) -> None:
    with _wakeup:
        _wakeup.wait(timeout)


def _after_commit(session: Session) -> None:
    enqueued: list[tuple[int, str]] = session.info.pop("innostudy_enqueued", [])
    if not enqueued:
        return
    # The request that enqueued (if any) and the job, on one line: the worker's lines
    # name the job, so a log collector can follow a request into its background work.
    request_id = logs.request_id.get()
    for job_id, kind in enqueued:
        extra = {"event": "job_enqueued", "job_id": job_id, "kind": kind}
        logger.info(
            "job enqueued", extra=extra | ({"request_id": request_id} if request_id else {})
        )
    wake_local_workers()


def _after_rollback(session: Session) -> None:
    session.info.pop("innostudy_enqueued", None)  # those jobs were never enqueued


def _mark_enqueued(session: Session, job: Job) -> None:
    assert job.id is not None
    session.info.setdefault("innostudy_enqueued", []).append((job.id, job.kind))


def enqueue(
    *,
    session: Session,
    kind: str,
    payload: Mapping[str, Any] | None = None,
    idempotency_key: str | None = None,
    created_by: int | None = None,
    run_after: datetime | None = None,
    registry: Registry = REGISTRY,
) -> Job:
    """Add a job in the caller's transaction; with a key already used, return that job instead."""
    task = registry.get(kind)
    now = utcnow()
    values = {
        "kind": kind,
        "queue": task.queue,
        "priority": task.priority,
        "payload": json.dumps(dict(payload or {}), ensure_ascii=False, sort_keys=True),
        "idempotency_key": idempotency_key,
        "state": JobState.QUEUED,
        "attempt": 0,
        "max_attempts": task.max_attempts,
        "run_after": run_after or now,
        "cancel_requested": False,
        "created_by": created_by,
        "created_at": now,
    }
    # RETURNING the whole row gives the job without a second query (bench_jobs: the cost
    # that enqueuing adds to a request).
    if idempotency_key is None:
        job: Job = session.scalars(insert(Job).values(**values).returning(Job)).one()
    else:
        dialect = session.get_bind().dialect.name
        statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Job)
        inserted = session.scalars(
            statement.values(**values)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(Job)
        ).one_or_none()
        if inserted is None:  # the key was taken: by this very job, enqueued before
            existing: Job = session.execute(
                select(Job).where(col(Job.idempotency_key) == idempotency_key)
            ).scalar_one()
            return existing
        job = inserted
    _mark_enqueued(session, job)
    return job


@dataclass(frozen=True)
class Claimed:
    """A try of a job that a worker holds: what it needs to run it, and to report on it."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    worker: str
    created_by: int | None


def reap(connection: Connection, *, now: datetime | None = None) -> int:
    """Put back every job whose worker's lease ran out; the last try ends it as dead."""
    now = now or utcnow()
    last_try = col(Job.attempt) >= col(Job.max_attempts)
    result = connection.execute(
        update(Job)
        .where(col(Job.state) == JobState.RUNNING, col(Job.lease_expires_at) < now)
        .values(
            state=case(
                (col(Job.cancel_requested), JobState.CANCELLED),
                (last_try, JobState.DEAD),
                else_=JobState.QUEUED,
            ),
            finished_at=case((last_try | col(Job.cancel_requested), now), else_=None),
            worker=None,
            lease_expires_at=None,
            last_error=LOST_WORKER,
            run_after=now,
        )
    )
    return _count(result)


def waiting_kinds(connection: Connection, kinds: Sequence[str]) -> set[str]:
    """Which of ``kinds`` have a job queued or running."""
    rows = connection.execute(
        select(col(Job.kind))
        .where(col(Job.kind).in_(kinds), col(Job.state).in_([JobState.QUEUED, JobState.RUNNING]))
        .distinct()
    )
    return set(rows.scalars())


def has_due(connection: Connection, queues: Sequence[str], *, now: datetime | None = None) -> bool:
    """Whether some job in ``queues`` is due or lost: a read, so idle polls take no write lock."""
    now = now or utcnow()
    due = (col(Job.state) == JobState.QUEUED) & (col(Job.run_after) <= now)
    lost = (col(Job.state) == JobState.RUNNING) & (col(Job.lease_expires_at) < now)
    found = connection.execute(
        select(col(Job.id)).where(col(Job.queue).in_(queues), due | lost).limit(1)
    ).first()
    return found is not None


def claim(
    connection: Connection, *, worker: str, queues: Sequence[str], lease: timedelta
) -> Claimed | None:
    """Take the most urgent due job in ``queues`` for ``worker``, or None when there is none."""
    now = utcnow()
    candidate = (
        select(col(Job.id))
        .where(
            col(Job.state) == JobState.QUEUED,
            col(Job.queue).in_(queues),
            col(Job.run_after) <= now,
        )
        .order_by(col(Job.priority).desc(), col(Job.run_after), col(Job.id))
        .limit(1)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's write lock serialises claims
        .scalar_subquery()
    )
    row = connection.execute(
        update(Job)
        .where(col(Job.id) == candidate, col(Job.state) == JobState.QUEUED)
        .values(
            state=JobState.RUNNING,
            worker=worker,
            attempt=col(Job.attempt) + 1,
            lease_expires_at=now + lease,
            started_at=now,
            progress_percent=None,
            progress_message=None,
        )
        .returning(
            col(Job.id),
            col(Job.kind),
            col(Job.payload),
            col(Job.attempt),
            col(Job.max_attempts),
            col(Job.created_by),
        )
    ).first()
    if row is None:
        return None
    return Claimed(
        id=row.id,
        kind=row.kind,
        payload=json.loads(row.payload),
        attempt=row.attempt,
        max_attempts=row.max_attempts,
        worker=worker,
        created_by=row.created_by,
    )


def _held(claimed: Claimed) -> Any:
    return (
        (col(Job.id) == claimed.id)
        & (col(Job.state) == JobState.RUNNING)
        & (col(Job.worker) == claimed.worker)
        & (col(Job.attempt) == claimed.attempt)
    )


def heartbeat(
    connection: Connection, *, worker: str, running: Iterable[Claimed], lease: timedelta
) -> set[int]:
    """Renew the leases of the tries ``worker`` holds; return the ids asked to be cancelled."""
    tries = list(running)
    if tries:
        held = [_held(claimed) for claimed in tries]
        connection.execute(update(Job).where(or_(*held)).values(lease_expires_at=utcnow() + lease))
        rows = connection.execute(
            select(col(Job.id)).where(
                col(Job.id).in_([claimed.id for claimed in tries]), col(Job.cancel_requested)
            )
        )
        return {row.id for row in rows}
    return set()


def report_progress(
    connection: Connection, claimed: Claimed, *, percent: int | None, message: str | None
) -> None:
    connection.execute(
        update(Job)
        .where(_held(claimed))
        .values(
            progress_percent=None if percent is None else max(0, min(100, percent)),
            progress_message=None if message is None else message[:200],
        )
    )


def succeed(connection: Connection, claimed: Claimed, result: Mapping[str, Any] | None) -> bool:
    """Finish a try that worked; False when the worker no longer held it (lease lost)."""
    done = connection.execute(
        update(Job)
        .where(_held(claimed))
        .values(
            state=JobState.SUCCEEDED,
            finished_at=utcnow(),
            worker=None,
            lease_expires_at=None,
            progress_percent=100,
            progress_message=None,  # the last throttled report ("0 av 1 …") would be stale
            result=None if result is None else json.dumps(dict(result), ensure_ascii=False),
        )
    )
    return _count(done) == 1


def backoff(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait before try ``attempt + 1``: exponential, capped, with "equal jitter"."""
    ceiling = min(cap, base * 2.0 ** (attempt - 1))
    return ceiling / 2 + (rng or random).uniform(0.0, ceiling / 2)


def fail(
    connection: Connection,
    claimed: Claimed,
    error: str,
    *,
    retry_in: float,
) -> JobState | None:
    """End a try that raised: queued again after ``retry_in`` seconds, or dead on the last try."""
    now = utcnow()
    state = JobState.DEAD if claimed.attempt >= claimed.max_attempts else JobState.QUEUED
    done = connection.execute(
        update(Job)
        .where(_held(claimed))
        .values(
            state=state,
            last_error=error[-_ERROR_CHARS:],
            worker=None,
            lease_expires_at=None,
            run_after=now + timedelta(seconds=retry_in),
            finished_at=now if state is JobState.DEAD else None,
        )
    )
    return state if _count(done) == 1 else None


def cancelled(connection: Connection, claimed: Claimed) -> bool:
    """End a try that stopped because cancellation was asked for."""
    done = connection.execute(
        update(Job)
        .where(_held(claimed))
        .values(state=JobState.CANCELLED, finished_at=utcnow(), worker=None, lease_expires_at=None)
    )
    return _count(done) == 1


def store_file(
    connection: Connection,
    claimed: Claimed,
    *,
    filename: str,
    media_type: str,
    content: bytes,
    keep: timedelta,
) -> None:
    """Keep the file a try produced (replacing one from an earlier try) until it expires."""
    now = utcnow()
    connection.execute(delete(JobFile).where(col(JobFile.job_id) == claimed.id))
    connection.execute(
        insert(JobFile).values(
            job_id=claimed.id,
            filename=filename,
            media_type=media_type,
            size=len(content),
            content=content,
            created_at=now,
            expires_at=now + keep,
        )
    )


def register_worker(connection: Connection, *, worker: str, queues: Sequence[str]) -> None:
    now = utcnow()
    connection.execute(delete(JobWorker).where(col(JobWorker.id) == worker))
    connection.execute(
        insert(JobWorker).values(id=worker, queues=",".join(queues), started_at=now, seen_at=now)
    )


def seen_worker(connection: Connection, *, worker: str, queues: Sequence[str]) -> None:
    """Mark ``worker`` as alive; a row removed meanwhile (by the clean-up) comes back."""
    seen = connection.execute(
        update(JobWorker).where(col(JobWorker.id) == worker).values(seen_at=utcnow())
    )
    if _count(seen) == 0:
        register_worker(connection, worker=worker, queues=queues)


def unregister_worker(connection: Connection, *, worker: str) -> None:
    connection.execute(delete(JobWorker).where(col(JobWorker.id) == worker))


def live_workers(session: Session, *, within: timedelta) -> list[JobWorker]:
    """Workers seen within ``within`` (a worker that stopped cleanly removes itself)."""
    since = utcnow() - within
    return list(session.execute(select(JobWorker).where(col(JobWorker.seen_at) >= since)).scalars())


# Who may see a job: the person who asked for it, and administrators (whose rights
# every job today requires); ``None`` is the command line, which runs the installation.
def _visible(job: Job | None, caller: User | None) -> Job:
    if job is None:
        raise JobNotFound()
    if caller is not None and caller.role != Role.ADMIN and job.created_by != caller.id:
        raise JobNotFound()  # never "forbidden": whether the job exists is not theirs to know
    return job


def get_job(*, session: Session, caller: User | None, job_id: int) -> Job:
    return _visible(session.get(Job, job_id), caller)


@dataclass(frozen=True)
class FileFacts:
    filename: str
    media_type: str
    size: int
    expires_at: datetime


@dataclass(frozen=True)
class JobView:
    job: Job
    file: FileFacts | None


def job_view(*, session: Session, caller: User, job_id: int) -> JobView:
    """A job the caller may see, with the facts of its file (not the content)."""
    job = get_job(session=session, caller=caller, job_id=job_id)
    return JobView(job, file_facts(session, job_id))


def file_facts(session: Session, job_id: int) -> FileFacts | None:
    row = session.execute(
        select(
            col(JobFile.filename),
            col(JobFile.media_type),
            col(JobFile.size),
            col(JobFile.expires_at),
        ).where(col(JobFile.job_id) == job_id, col(JobFile.expires_at) > utcnow())
    ).first()
    return None if row is None else FileFacts(*row)


def job_file(*, session: Session, caller: User, job_id: int) -> JobFile:
    """The file of a job the caller may see, unless it has expired."""
    get_job(session=session, caller=caller, job_id=job_id)
    found = session.execute(
        select(JobFile).where(col(JobFile.job_id) == job_id, col(JobFile.expires_at) > utcnow())
    ).scalar_one_or_none()
    if found is None:
        raise JobFileMissing()
    file: JobFile = found
    return file


def record_download(*, engine: Engine, caller: User, job_id: int, size: int) -> None:
    """Audit a job's file being downloaded, in a short write transaction of its own (the
    download only reads; see ``roster.record_export``)."""
    with transaction(engine, write=True) as session:
        audit.record(
            session=session,
            actor=caller,
            action=audit.Action.JOB_FILE_DOWNLOAD,
            target=f"job:{job_id}",
            details={"size": size},
        )


def list_jobs(
    *,
    session: Session,
    state: JobState | None = None,
    kind: str | None = None,
    before_id: int | None = None,
    limit: int = 200,
) -> list[Job]:
    """The newest jobs first (administrators); ``before_id`` pages on to older ones."""
    query = select(Job).order_by(col(Job.id).desc()).limit(limit)
    if state is not None:
        query = query.where(col(Job.state) == state)
    if kind is not None:
        query = query.where(col(Job.kind) == kind)
    if before_id is not None:
        query = query.where(col(Job.id) < before_id)
    return list(session.execute(query).scalars())


def with_files(*, session: Session, rows: Sequence[Job]) -> list[JobView]:
    """``rows`` as views with the facts of their unexpired files, in one query."""
    ids = [row.id for row in rows]
    found = session.execute(
        select(
            col(JobFile.job_id),
            col(JobFile.filename),
            col(JobFile.media_type),
            col(JobFile.size),
            col(JobFile.expires_at),
        ).where(col(JobFile.job_id).in_(ids), col(JobFile.expires_at) > utcnow())
    )
    files = {job_id: FileFacts(*facts) for job_id, *facts in found}
    return [JobView(row, files.get(row.id or 0)) for row in rows]


def is_finished(job: Job) -> bool:
    return job.state in _FINISHED


def can_cancel(job: Job) -> bool:
    """Whether ``cancel`` would change the job (a job asked to stop is stopping already)."""
    return not is_finished(job) and not job.cancel_requested


def can_retry(job: Job) -> bool:
    return job.state in _RETRYABLE


def cancel(*, session: Session, caller: User | None, job_id: int) -> Job:
    """A queued job is cancelled at once and never runs; a running one is asked to stop."""
    job = get_job(session=session, caller=caller, job_id=job_id)
    if is_finished(job):
        raise JobFinished()
    now = utcnow()
    session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.state) == JobState.QUEUED)
        .values(state=JobState.CANCELLED, finished_at=now, cancel_requested=True)
    )
    session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.state) == JobState.RUNNING)
        .values(cancel_requested=True)
    )
    audit.record(
        session=session, actor=caller, action=audit.Action.JOB_CANCEL, target=f"job:{job_id}"
    )
    session.refresh(job)
    return job


def retry(*, session: Session, caller: User | None, job_id: int) -> Job:
    """Run a dead or cancelled job again, with all its tries."""
    job = get_job(session=session, caller=caller, job_id=job_id)
    changed = session.execute(
        update(Job)
        .where(
            col(Job.id) == job_id,
            col(Job.state).in_(_RETRYABLE),
        )
        .values(
            state=JobState.QUEUED,
            attempt=0,
            run_after=utcnow(),
            cancel_requested=False,
            finished_at=None,
            progress_percent=None,
            progress_message=None,
        )
    )
    if _count(changed) != 1:
        raise JobNotRetryable()
    audit.record(
        session=session, actor=caller, action=audit.Action.JOB_RETRY, target=f"job:{job_id}"
    )
    session.refresh(job)
    _mark_enqueued(session, job)
    return job


def clean_up(
    *, session: Session, keep_finished: timedelta, now: datetime | None = None
) -> dict[str, int]:
    """Delete expired files, and finished jobs (with their files) older than ``keep_finished``."""
    now = now or utcnow()
    files = session.execute(delete(JobFile).where(col(JobFile.expires_at) <= now))
    jobs = session.execute(
        delete(Job).where(
            col(Job.state).in_(_FINISHED),
            col(Job.finished_at) < now - keep_finished,
        )
    )
    return {"files": _count(files), "jobs": _count(jobs)}


def _count(result: Any) -> int:
    """The rows an UPDATE or DELETE changed (a ``CursorResult``)."""
    return int(result.rowcount)


def install(session_class: type[Session] = Session) -> None:
    """Wake this process's workers (and log the jobs) when a transaction that enqueued commits."""
    if not event.contains(session_class, "after_commit", _after_commit):
        event.listen(session_class, "after_commit", _after_commit)
    if not event.contains(session_class, "after_rollback", _after_rollback):
        event.listen(session_class, "after_rollback", _after_rollback)


install()
