"""Jobs in every state for the job pages' tests, made with the queue's own functions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from api.core.db import transaction
from api.data.models import utcnow
from api.services import job_tasks, jobs
from api.services.worker import Worker, writing
from tests.web.conftest import web_settings


def enqueue(
    engine: Engine,
    *,
    kind: str = job_tasks.SLEEP,
    payload: dict[str, Any] | None = None,
    created_by: int | None = None,
    later: bool = False,
) -> int:
    """A queued job; with ``later``, one that no worker takes for an hour."""
    run_after = utcnow() + timedelta(hours=1) if later else None
    with transaction(engine, write=True) as session:
        job = jobs.enqueue(
            session=session, kind=kind, payload=payload, created_by=created_by, run_after=run_after
        )
        assert job.id is not None
        return job.id


def dead(
    engine: Engine,
    error: str,
    *,
    payload: dict[str, Any] | None = None,
    created_by: int | None = None,
) -> int:
    """A test job whose every try failed with ``error`` (run again, it works: it only waits)."""
    job_id = enqueue(engine, payload=payload, created_by=created_by)
    state = None
    while state != "dead":
        with writing(engine) as connection:
            claimed = jobs.claim(
                connection, worker="test", queues=jobs.QUEUES, lease=timedelta(minutes=1)
            )
            assert claimed is not None and claimed.id == job_id
            state = jobs.fail(connection, claimed, error, retry_in=0)
            assert state in ("queued", "dead")
    return job_id


def drain(engine: Engine, directory: Path) -> int:
    """Run every due job in this thread, as a worker would."""
    return Worker(engine, web_settings(directory), schedules=()).drain()
