"""Worker processes (``innostudy worker``) on PostgreSQL: 200 jobs, each run exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.core.db import transaction
from api.data.models import Job, JobState
from api.services import jobs
from api.services.job_tasks import SLEEP

INNOSTUDY = str(Path(sys.executable).parent / "innostudy")


def _start(engine: Engine, tmp_path: Path, name: str) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    env = {
        **os.environ,
        "INNOSTUDY_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "INNOSTUDY_DATA_DIR": str(tmp_path),
        "INNOSTUDY_SECRET_KEY": "k" * 40,
        "INNOSTUDY_JOB_LEASE_SECONDS": "1.5",
        "INNOSTUDY_JOB_POLL_SECONDS": "0.05",
        "INNOSTUDY_LOG_FORMAT": "json",
    }
    log = (tmp_path / f"{name}.log").open("w+b")
    process = subprocess.Popen(
        [INNOSTUDY, "worker", "--concurrency", "2"], env=env, stdout=log, stderr=log
    )
    return process, log


def _runs(log: IO[bytes]) -> list[dict[str, object]]:
    log.seek(0)
    lines = [json.loads(line) for line in log.read().splitlines() if line.startswith(b"{")]
    return [line for line in lines if line.get("event") == "job"]


def _wait(predicate: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def test_two_worker_processes_run_each_job_exactly_once(
    engine: Engine, db_kind: str, tmp_path: Path
) -> None:
    if db_kind != "postgres":
        pytest.skip("several worker processes on one database: PostgreSQL's case")
    workers = [_start(engine, tmp_path, f"worker{n}") for n in (1, 2)]
    try:
        with transaction(engine, write=True) as session:
            ids = [
                jobs.enqueue(session=session, kind=SLEEP, payload={"seconds": 0}).id
                for _ in range(200)
            ]

        def all_done() -> bool:
            with Session(engine) as session:
                states = session.exec(select(Job.state).where(col(Job.id).in_(ids))).all()
            return all(state == JobState.SUCCEEDED for state in states)

        _wait(all_done)
        runs = Counter(
            run["job_id"] for _, log in workers for run in _runs(log) if run["kind"] == SLEEP
        )  # besides them, the nightly clean-up, enqueued once by whichever worker came first
        assert sorted(runs) == sorted(ids) and set(runs.values()) == {1}
        with Session(engine) as session:
            tries = session.exec(select(Job.attempt).where(col(Job.id).in_(ids))).all()
            results = session.exec(select(Job.result).where(col(Job.id).in_(ids))).all()
        assert set(tries) == {1}
        by_worker = Counter(
            json.loads(result or "{}")["worker"].split(":")[1] for result in results
        )
        assert len(by_worker) == 2, by_worker  # both processes took a share

    finally:
        for process, log in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, log in workers:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
