"""``innostudy worker`` and ``innostudy jobs ...``: run workers, and look after the queue."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

import typer
from sqlalchemy import Engine

from api.cli import database
from api.cli.common import context, err, out
from api.core import logs
from api.core.config import Settings
from api.core.db import transaction
from api.core.errors import DomainError
from api.data.models import Job, JobState
from api.services import job_tasks, jobs  # job_tasks registers the kinds of job
from api.services.worker import Worker

jobs_app = typer.Typer(no_args_is_help=True, help="Bakgrunnsjobbene")
_STATES = {
    JobState.QUEUED: "i kø",
    JobState.RUNNING: "kjører",
    JobState.SUCCEEDED: "ferdig",
    JobState.DEAD: "feilet",
    JobState.CANCELLED: "avbrutt",
}


def _queues(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in jobs.QUEUES]
    if unknown or not names:
        known = ", ".join(jobs.QUEUES)
        raise typer.BadParameter(f"ukjent kø: {', '.join(unknown) or '(ingen)'} (finnes: {known})")
    return names


def worker(
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Jobber som kjører samtidig, per kø")
    ] = 1,
    queues: Annotated[
        str, typer.Option(help=f"Køene, skilt med komma (standard: {','.join(jobs.QUEUES)})")
    ] = ",".join(jobs.QUEUES),
) -> None:
    """Kjør bakgrunnsjobber til prosessen stoppes (Ctrl+C eller SIGTERM)."""
    chosen = _queues(queues)
    settings = context.settings()
    logs.configure(settings.log_format)
    engine = database.ready(settings)
    runner = Worker(engine, settings, queues=chosen, concurrency=concurrency)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    runner.start()
    err.print(
        f"Arbeidsprosess {runner.name} tar jobber fra {', '.join(chosen)} "
        f"({concurrency} om gangen per kø). Stopp med Ctrl+C.",
        markup=False,
    )
    stop.wait()
    err.print("Stopper: venter på jobbene som kjører …", markup=False)
    runner.stop(timeout=settings.job_lease_seconds)


def _line(job: Job) -> str:
    progress = f"{job.progress_percent} %" if job.progress_percent is not None else ""
    error = job.last_error.strip().splitlines()[-1] if job.last_error else ""
    parts = [
        f"{job.id:>6}",
        f"{job.kind:<24}",
        f"{_STATES.get(JobState(job.state), job.state):<8}",
        f"forsøk {job.attempt}/{job.max_attempts}",
        progress,
        error,
    ]
    return "  ".join(part for part in parts if part)


def _as_json(job: Job) -> dict[str, object]:
    return {
        "id": job.id,
        "kind": job.kind,
        "queue": job.queue,
        "state": job.state,
        "attempt": job.attempt,
        "max_attempts": job.max_attempts,
        "progress_percent": job.progress_percent,
        "progress_message": job.progress_message,
        "last_error": job.last_error,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


@jobs_app.command("list")
def jobs_list(
    state: Annotated[JobState | None, typer.Option(help="Bare jobber i denne tilstanden")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv JSON")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """Vis de nyeste jobbene: tilstand, forsøk, framdrift og siste feil."""
    with transaction(database.ready(context.settings())) as session:
        rows = jobs.list_jobs(session=session, state=state, limit=limit)
    if as_json:
        print(json.dumps([_as_json(job) for job in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        out.print("Ingen jobber.")
    for job in rows:
        out.print(_line(job), markup=False, highlight=False)


def _change(job_id: int, change: Callable[..., Job], done: str) -> None:
    try:
        with transaction(database.ready(context.settings()), write=True) as session:
            job = change(session=session, caller=None, job_id=job_id)
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    out.print(f"Jobb {job.id} {done}.", markup=False)


@jobs_app.command("retry")
def jobs_retry(job_id: Annotated[int, typer.Argument(min=1, max=2**31 - 1)]) -> None:
    """Kjør en feilet eller avbrutt jobb på nytt."""
    _change(job_id, jobs.retry, "er satt i kø igjen")


@jobs_app.command("cancel")
def jobs_cancel(job_id: Annotated[int, typer.Argument(min=1, max=2**31 - 1)]) -> None:
    """Avbryt en jobb: i kø kjører den aldri, kjører den, stopper den ved neste steg."""
    _change(job_id, jobs.cancel, "er avbrutt")


def follow(engine: Engine, settings: Settings, job_id: int, *, queue: str) -> Job:
    """Show a job's progress until it ends. With no live worker on its queue, run it here."""
    from rich.progress import BarColumn, Progress, TextColumn

    lease = timedelta(seconds=max(3 * settings.job_lease_seconds, 10))
    with transaction(engine) as session:
        live = [w for w in jobs.live_workers(session, within=lease) if queue in w.queues.split(",")]
    local: Worker | None = None
    if not live:
        out.print("Ingen arbeidsprosess kjører for denne køen; jobben kjøres her.", markup=False)
        local = Worker(engine, settings, queues=[queue], schedules=())
        local.start()
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[note]}"),
            console=out,
        ) as progress:  # fmt: skip
            task = progress.add_task(f"Jobb {job_id}", total=100, note="")
            while True:
                with transaction(engine) as session:
                    job = session.get(Job, job_id)
                assert job is not None
                progress.update(
                    task, completed=job.progress_percent or 0, note=job.progress_message or ""
                )
                if job.state in (JobState.SUCCEEDED, JobState.DEAD, JobState.CANCELLED):
                    return job
                time.sleep(0.5)
    finally:
        if local is not None:
            local.stop()


__all__ = ["follow", "job_tasks", "jobs_app", "worker"]
