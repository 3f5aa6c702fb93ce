"""The job queue's semantics on SQLite and PostgreSQL, with real workers (threads) and tasks."""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from api.core.config import Settings
from api.core.db import transaction
from api.core.errors import JobFinished
from api.data.models import Job, JobState
from api.services import jobs
from api.services.jobs import Registry
from api.services.worker import JobContext, Schedule, Worker


def _settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "job_lease_seconds": 30,
        "job_poll_seconds": 0.05,
        "job_retry_base_seconds": 0,
        "job_retry_max_seconds": 0,
    }
    return Settings(**(values | overrides))


def _job(engine: Engine, job_id: int) -> Job:
    with Session(engine) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def _enqueue(engine: Engine, registry: Registry, kind: str, **kwargs: Any) -> int:
    with transaction(engine, write=True) as session:
        job = jobs.enqueue(session=session, kind=kind, registry=registry, **kwargs)
        assert job.id is not None
        return job.id


@pytest.fixture
def registry() -> Registry:
    return Registry()


def test_enqueue_in_a_rolled_back_transaction_enqueues_nothing(
    engine: Engine, registry: Registry
) -> None:
    registry.task("t.noop")(lambda ctx: None)

    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction(engine, write=True) as session:
        jobs.enqueue(session=session, kind="t.noop", registry=registry)
        raise Refused()
    with Session(engine) as session:
        assert session.exec(select(Job)).all() == []
    worker = Worker(engine, _settings(), registry=registry, schedules=())
    assert worker.drain() == 0


def test_a_job_runs_once_and_keeps_its_result(engine: Engine, registry: Registry) -> None:
    seen: list[dict[str, Any]] = []

    @registry.task("t.echo")
    def echo(ctx: JobContext, *, word: str) -> dict[str, Any]:
        seen.append({"word": word, "attempt": ctx.attempt})
        return {"echo": word}

    job_id = _enqueue(engine, registry, "t.echo", payload={"word": "hei"})
    worker = Worker(engine, _settings(), registry=registry, schedules=())
    assert worker.drain() == 1
    assert seen == [{"word": "hei", "attempt": 1}]
    job = _job(engine, job_id)
    assert (job.state, job.attempt, job.result, job.progress_percent) == (
        JobState.SUCCEEDED,
        1,
        '{"echo": "hei"}',
        100,
    )
    assert worker.drain() == 0


def test_the_same_idempotency_key_gives_one_job(engine: Engine, registry: Registry) -> None:
    registry.task("t.noop")(lambda ctx: None)
    first = _enqueue(engine, registry, "t.noop", idempotency_key="k-1")
    again = _enqueue(engine, registry, "t.noop", idempotency_key="k-1")
    other = _enqueue(engine, registry, "t.noop", idempotency_key="k-2")
    assert first == again != other


def test_a_failing_job_is_retried_with_backoff_and_ends_dead_with_its_error(
    engine: Engine, registry: Registry
) -> None:
    tries: list[datetime] = []

    @registry.task("t.broken", max_attempts=3)
    def broken(ctx: JobContext) -> None:
        tries.append(datetime.now(UTC))
        raise RuntimeError(f"tjenesten svarte ikke (forsøk {ctx.attempt})")

    job_id = _enqueue(engine, registry, "t.broken")
    worker = Worker(
        engine, _settings(job_retry_base_seconds=0.2, job_retry_max_seconds=5), registry=registry
    )
    assert worker.drain() == 1  # the first try; the second is not due yet
    job = _job(engine, job_id)
    assert job.state == JobState.QUEUED and job.attempt == 1
    assert "forsøk 1" in (job.last_error or "")
    wait = (job.run_after - datetime.now(UTC)).total_seconds()
    assert 0.0 < wait <= 0.2  # equal jitter: between half the ceiling and the ceiling
    deadline = time.monotonic() + 10
    while _job(engine, job_id).state == JobState.QUEUED and time.monotonic() < deadline:
        worker.drain()
        time.sleep(0.02)
    job = _job(engine, job_id)
    assert job.state == JobState.DEAD
    assert job.attempt == 3 and len(tries) == 3
    assert "RuntimeError: tjenesten svarte ikke (forsøk 3)" in (job.last_error or "")
    assert job.finished_at is not None
    # The waits grew: the second gap's ceiling is twice the first's.
    assert tries[1] - tries[0] >= timedelta(seconds=0.1)
    assert tries[2] - tries[1] >= timedelta(seconds=0.2)


def test_backoff_is_exponential_capped_and_jittered() -> None:
    rng = random.Random(7)
    waits = [jobs.backoff(n, base=10, cap=60, rng=rng) for n in range(1, 6)]
    ceilings = [10, 20, 40, 60, 60]
    for wait, ceiling in zip(waits, ceilings, strict=True):
        assert ceiling / 2 <= wait <= ceiling
    assert len({round(w, 6) for w in waits}) == 5  # jitter: no two the same


def test_a_cancelled_job_does_not_run(engine: Engine, registry: Registry, admin: Any) -> None:
    ran: list[int] = []
    registry.task("t.record")(lambda ctx: ran.append(ctx.job_id))
    job_id = _enqueue(engine, registry, "t.record")
    with transaction(engine, write=True) as session:
        assert jobs.cancel(session=session, caller=admin, job_id=job_id).state == JobState.CANCELLED
    assert Worker(engine, _settings(), registry=registry, schedules=()).drain() == 0
    assert ran == []
    with pytest.raises(JobFinished), transaction(engine, write=True) as session:
        jobs.cancel(session=session, caller=admin, job_id=job_id)
    # Retried, it runs after all.
    with transaction(engine, write=True) as session:
        jobs.retry(session=session, caller=admin, job_id=job_id)
    assert Worker(engine, _settings(), registry=registry, schedules=()).drain() == 1
    assert ran == [job_id]


def test_a_running_job_stops_when_cancelled(engine: Engine, registry: Registry, admin: Any) -> None:
    started = threading.Event()

    @registry.task("t.long")
    def long(ctx: JobContext) -> None:
        started.set()
        for step in range(500):
            time.sleep(0.01)
            ctx.progress(step // 5, "arbeider")

    job_id = _enqueue(engine, registry, "t.long")
    worker = Worker(engine, _settings(job_lease_seconds=0.3), registry=registry, schedules=())
    worker.start()
    try:
        assert started.wait(10)
        with transaction(engine, write=True) as session:
            jobs.cancel(session=session, caller=admin, job_id=job_id)
        deadline = time.monotonic() + 10
        while _job(engine, job_id).state == JobState.RUNNING and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    job = _job(engine, job_id)
    assert job.state == JobState.CANCELLED
    assert job.progress_percent is not None and job.progress_percent < 100


def test_a_job_whose_worker_died_is_taken_again_after_its_lease(
    engine: Engine, registry: Registry
) -> None:
    runs: list[str] = []
    registry.task("t.once")(lambda ctx: runs.append(ctx.worker_name))
    job_id = _enqueue(engine, registry, "t.once")
    lease = timedelta(seconds=0.5)
    with engine.begin() as connection:  # a worker takes the job, then vanishes
        claimed = jobs.claim(connection, worker="gone", queues=["default"], lease=lease)
    assert claimed is not None and claimed.id == job_id
    other = Worker(engine, _settings(), registry=registry, schedules=(), name="survivor")
    assert other.drain() == 0  # the lease still holds
    time.sleep(0.6)
    assert other.drain() == 1
    assert runs == ["survivor"]
    job = _job(engine, job_id)
    assert (job.state, job.attempt) == (JobState.SUCCEEDED, 2)
    # The dead worker's late report changes nothing: its try is over.
    with engine.begin() as connection:
        assert not jobs.succeed(connection, claimed, {"late": True})
        assert jobs.fail(connection, claimed, "late", retry_in=0) is None
    assert _job(engine, job_id).result is None


def test_a_lost_job_on_its_last_try_ends_dead(engine: Engine, registry: Registry) -> None:
    registry.task("t.fragile", max_attempts=1)(lambda ctx: None)
    job_id = _enqueue(engine, registry, "t.fragile")
    with engine.begin() as connection:
        jobs.claim(connection, worker="gone", queues=["default"], lease=timedelta(seconds=0))
    time.sleep(0.01)
    with engine.begin() as connection:
        assert jobs.reap(connection) == 1
    job = _job(engine, job_id)
    assert job.state == JobState.DEAD and job.last_error == jobs.LOST_WORKER


def test_queues_keep_bulk_work_apart_and_priority_orders_a_queue(
    engine: Engine, registry: Registry
) -> None:
    order: list[str] = []
    registry.task("t.bulk", queue="bulk")(lambda ctx, name: order.append(name))
    registry.task("t.low")(lambda ctx, name: order.append(name))
    registry.task("t.high", priority=10)(lambda ctx, name: order.append(name))
    _enqueue(engine, registry, "t.bulk", payload={"name": "bulk"})
    _enqueue(engine, registry, "t.low", payload={"name": "low"})
    _enqueue(engine, registry, "t.high", payload={"name": "high"})
    default_only = Worker(engine, _settings(), queues=["default"], registry=registry, schedules=())
    assert default_only.drain() == 2
    assert order == ["high", "low"]
    assert (
        Worker(engine, _settings(), queues=["bulk"], registry=registry, schedules=()).drain() == 1
    )
    assert order == ["high", "low", "bulk"]


def test_a_scheduled_job_runs_once_per_slot_with_two_workers(
    engine: Engine, registry: Registry
) -> None:
    ran: list[str] = []
    registry.task("t.nightly")(lambda ctx: ran.append(ctx.worker_name))
    schedule = Schedule("test-nightly", "t.nightly", datetime.min.time())
    workers = [
        Worker(engine, _settings(), registry=registry, schedules=[schedule], name=f"w{n}")
        for n in (1, 2)
    ]
    barrier = threading.Barrier(2)

    def tick_and_run(worker: Worker) -> None:
        barrier.wait()
        for _ in range(3):
            worker.enqueue_scheduled()
            worker.drain()

    threads = [threading.Thread(target=tick_and_run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(ran) == 1
    with Session(engine) as session:
        keys = session.exec(select(Job.idempotency_key)).all()
    assert keys == [schedule.key(datetime.now(UTC))]
    # The next day's slot is a job of its own.
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    workers[0].enqueue_scheduled(now=tomorrow)
    workers[1].enqueue_scheduled(now=tomorrow)
    with Session(engine) as session:
        assert len(session.exec(select(Job)).all()) == 2


def test_clean_up_removes_expired_files_and_old_finished_jobs(
    engine: Engine, registry: Registry
) -> None:
    registry.task("t.file")(
        lambda ctx: ctx.store_file(filename="a.csv", media_type="text/csv", content=b"x")
    )
    old = _enqueue(engine, registry, "t.file")
    fresh = _enqueue(engine, registry, "t.file")
    Worker(engine, _settings(), registry=registry, schedules=()).drain()
    long_ago = datetime.now(UTC) - timedelta(days=40)
    with engine.begin() as connection:
        connection.execute(update(Job).where(col(Job.id) == old).values(finished_at=long_ago))
    later = datetime.now(UTC) + timedelta(days=8)  # past the 7 days a file is kept
    with transaction(engine, write=True) as session:
        removed = jobs.clean_up(session=session, keep_finished=timedelta(days=30), now=later)
    assert removed == {"files": 2, "jobs": 1}
    with Session(engine) as session:
        assert [job.id for job in session.exec(select(Job))] == [fresh]
