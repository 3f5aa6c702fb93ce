"""The queue's health: how many jobs are in each state, how long due jobs have waited,
and which queues live workers serve. For readiness (``/healthz/ready``) and metrics.

One read of the ``job`` table (a GROUP BY on the claim index's leading columns) and
one of ``job_worker``; both run in a health-check slot with a time limit
(``api.core.admission.Admission.health_read``), so they answer while every request
slot is busy and never hang a probe on a database that does not answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Engine, and_, case, func, select
from sqlmodel import Session, col

from api.core.admission import admission
from api.core.config import Settings
from api.core.errors import DatabaseUnavailable, QueueBacklog
from api.data.models import Job, JobState, utcnow
from api.services import jobs

logger = logging.getLogger("innostudy")
# A probe that waits longer has failed: load balancers give up after a few seconds.
READ_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class QueueFacts:
    due: int  # queued jobs whose run_after has come
    oldest_due_seconds: float | None  # how long the oldest of them has been due
    workers: int  # live workers that take jobs from this queue


@dataclass(frozen=True)
class QueueSnapshot:
    jobs: dict[tuple[str, str], int]  # (state, queue): jobs, every state and queue included
    queues: dict[str, QueueFacts]


@dataclass(frozen=True)
class Readiness:
    queues: dict[str, QueueFacts]
    # Queues that no live worker serves: their jobs wait, but this process can still serve.
    unserved: list[str]


def snapshot(*, session: Session, now: datetime, worker_within: timedelta) -> QueueSnapshot:
    """The counts of jobs by state and queue, and each queue's due jobs and live workers."""
    if session.get_bind().dialect.name == "postgresql":  # a locked table must not hang a probe
        # SET LOCAL statement_timeout: for this read transaction only.
        milliseconds = str(int(READ_TIMEOUT_SECONDS * 1000))
        session.execute(select(func.set_config("statement_timeout", milliseconds, True)))
    due = and_(col(Job.state) == JobState.QUEUED, col(Job.run_after) <= now)
    rows = session.execute(
        select(
            col(Job.state),
            col(Job.queue),
            func.count(),
            func.sum(case((due, 1), else_=0)),
            func.min(case((due, col(Job.run_after)), else_=None)),
        ).group_by(col(Job.state), col(Job.queue))
    ).all()
    counts = {(str(state), queue): 0 for state in JobState for queue in jobs.QUEUES}
    due_count = dict.fromkeys(jobs.QUEUES, 0)
    oldest: dict[str, datetime] = {}
    for state, queue, count, due_jobs, oldest_due in rows:
        counts[(state, queue)] = int(count)
        if due_jobs:
            due_count[queue] = due_count.get(queue, 0) + int(due_jobs)
            oldest[queue] = min(oldest_due, oldest.get(queue, oldest_due))
    serving = dict.fromkeys(jobs.QUEUES, 0)
    for worker in jobs.live_workers(session, within=worker_within):
        for queue in worker.queues.split(","):
            serving[queue] = serving.get(queue, 0) + 1
    queues = {
        queue: QueueFacts(
            due=due_count.get(queue, 0),
            oldest_due_seconds=(
                max(0.0, (now - oldest[queue]).total_seconds()) if queue in oldest else None
            ),
            workers=serving.get(queue, 0),
        )
        for queue in dict.fromkeys([*jobs.QUEUES, *due_count, *serving])
    }
    return QueueSnapshot(counts, queues)


def read_snapshot(engine: Engine, settings: Settings) -> QueueSnapshot:
    """``snapshot`` in a read transaction of its own (call it in a worker thread)."""
    with Session(engine) as session:
        return snapshot(
            session=session,
            now=utcnow(),
            worker_within=timedelta(seconds=settings.job_lease_seconds),
        )


async def check_readiness(*, engine: Engine, settings: Settings) -> Readiness:
    """Whether this process may take traffic: the database answers and no queue is stuck.

    Raises ``DatabaseUnavailable`` when the database fails or does not answer within
    ``READ_TIMEOUT_SECONDS``, and ``QueueBacklog`` when a due job has waited longer than
    ``INNOSTUDY_READY_MAX_QUEUE_AGE_SECONDS``. A queue that no worker serves is reported,
    not refused: this process serves requests all the same, and every web process would
    be refused at once (the workers are shared), which would take the whole site down.
    """
    work = partial(read_snapshot, engine, settings)
    try:
        facts = await admission(engine).health_read(work, timeout=READ_TIMEOUT_SECONDS)
    except TimeoutError:
        logger.warning("readiness: the database did not answer in %s s", READ_TIMEOUT_SECONDS)
        raise DatabaseUnavailable() from None
    except Exception as exc:  # whatever the driver raises, the database is not usable
        logger.warning("readiness: the database failed: %s", type(exc).__name__, exc_info=True)
        raise DatabaseUnavailable() from None
    limit = settings.ready_max_queue_age_seconds
    waited = [
        (fact.oldest_due_seconds, queue)
        for queue, fact in facts.queues.items()
        if fact.oldest_due_seconds is not None
    ]
    if limit and waited and max(waited)[0] > limit:
        age, queue = max(waited)
        raise QueueBacklog(queue=queue, oldest_due_seconds=age, limit_seconds=limit)
    unserved = [queue for queue, fact in facts.queues.items() if fact.workers == 0]
    return Readiness(facts.queues, unserved)
