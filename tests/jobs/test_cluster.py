"""Several processes on one PostgreSQL database, as a deployment on several machines runs:
two web processes (``innostudy serve`` without their own worker) and two worker processes
(``innostudy worker``), each with a data directory of its own, sharing only the database
and the secret key. Every process is a real subprocess, reached over real HTTP."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.core.db import make_engine, transaction
from api.data import migrate
from api.data.models import CourseModule, Job, JobState, ModuleRevision, Role
from api.services import jobs
from api.services.job_tasks import SLEEP
from course.models import Course
from tests.conftest import Databases
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.postgres_only

INNOSTUDY = str(Path(sys.executable).parent / "innostudy")
LEASE_SECONDS = 1.5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(predicate: Callable[[], object], timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.05)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: IO[bytes]
    url: str = ""

    def runs(self) -> list[dict[str, Any]]:
        """The job runs this worker logged (one JSON line each)."""
        self.log.seek(0)
        lines = [json.loads(line) for line in self.log.read().splitlines() if line[:1] == b"{"]
        return [line for line in lines if line.get("event") == "job"]

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(20)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)
        self.log.close()


@dataclass
class Cluster:
    engine: Engine
    root: Path
    web: list[Process] = field(default_factory=list)
    workers: list[Process] = field(default_factory=list)

    def _env(self, name: str) -> dict[str, str]:
        data_dir = self.root / name  # nothing shared on disk: only the database
        data_dir.mkdir(exist_ok=True)
        return {
            **os.environ,
            "INNOSTUDY_DATABASE_URL": self.engine.url.render_as_string(hide_password=False),
            "INNOSTUDY_DATA_DIR": str(data_dir),
            "INNOSTUDY_SECRET_KEY": "delt-hemmelighet-" + "k" * 32,
            "INNOSTUDY_INPROCESS_WORKER": "0",
            "INNOSTUDY_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "INNOSTUDY_JOB_POLL_SECONDS": "0.05",
            "INNOSTUDY_LOG_FORMAT": "json",
        }

    def _spawn(self, name: str, *args: str) -> Process:
        log = (self.root / f"{name}.log").open("w+b")
        popen = subprocess.Popen([INNOSTUDY, *args], env=self._env(name), stdout=log, stderr=log)
        return Process(name, popen, log)

    def spawn_web(self, name: str) -> Process:
        port = _free_port()
        process = self._spawn(name, "serve", "--port", str(port))
        process.url = f"http://127.0.0.1:{port}"
        self.web.append(process)
        return process

    def wait_web(self, process: Process) -> None:
        def healthy() -> bool:
            if process.popen.poll() is not None:
                log = (self.root / f"{process.name}.log").read_text()
                raise AssertionError(f"{process.name} stopped: {log}")
            try:
                return httpx.get(process.url + "/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(healthy, what=f"{process.name} to answer")

    def start_worker(self, name: str) -> Process:
        process = self._spawn(name, "worker", "--concurrency", "2")
        self.workers.append(process)
        return process

    def holder(self, job_id: int) -> Process | None:
        """The worker process that holds the job's running try (its name carries its pid)."""
        with Session(self.engine) as session:
            job = session.get(Job, job_id)
        if job is None or job.state != JobState.RUNNING or job.worker is None:
            return None
        pid = int(job.worker.split(":")[1])
        return next(process for process in self.workers if process.popen.pid == pid)


@pytest.fixture(scope="module")
def cluster(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The processes, on a new and empty database: both web processes start at once, and
    each upgrades the schema and imports the course (one waits for the other)."""
    engine = make_engine(databases.new_url())
    databases.engines.append(engine)
    cluster = Cluster(engine, tmp_path_factory.mktemp("cluster"))
    try:
        starting = [cluster.spawn_web(f"web{n}") for n in (1, 2)]
        for process in starting:
            cluster.wait_web(process)
        for n in (1, 2):
            cluster.start_worker(f"worker{n}")
        yield cluster
    finally:
        for process in cluster.web + cluster.workers:
            process.stop()


def _states(engine: Engine, ids: list[int]) -> list[JobState]:
    with Session(engine) as session:
        return list(session.exec(select(Job.state).where(col(Job.id).in_(ids))).all())


def _worker_pid(result: str | None) -> int:
    return int(json.loads(result or "{}")["worker"].split(":")[1])


def test_two_web_processes_starting_at_once_upgrade_and_import_the_course_once(
    cluster: Cluster, shipped_course: Course
) -> None:
    with Session(cluster.engine) as session:
        revisions = session.exec(select(ModuleRevision.module_id)).all()
        modules = session.exec(select(CourseModule.slug)).all()
    assert sorted(modules) == sorted(module.slug for module in shipped_course.modules)
    assert sorted(Counter(revisions).values()) == [1] * len(modules)
    assert migrate.current(cluster.engine) == migrate.head()
    said = sorted(
        (cluster.root / f"{process.name}.log").read_text().splitlines()[1]
        for process in cluster.web
    )
    assert said == [
        f"Databaseskjemaet er allerede oppdatert (versjon {migrate.head()}).",
        f"Opprettet databaseskjemaet (versjon {migrate.head()}).",
    ], said


def test_two_worker_processes_run_each_of_200_jobs_exactly_once(cluster: Cluster) -> None:
    engine = cluster.engine
    with transaction(engine, write=True) as session:
        ids = [
            jobs.enqueue(session=session, kind=SLEEP, payload={"seconds": 0}).id for _ in range(200)
        ]
    _wait(lambda: set(_states(engine, ids)) == {JobState.SUCCEEDED}, what="200 jobs")

    runs = Counter(
        run["job_id"]
        for worker in cluster.workers
        for run in worker.runs()
        if run["kind"] == SLEEP and run["job_id"] in ids
    )
    assert sorted(runs) == sorted(ids) and set(runs.values()) == {1}
    with Session(engine) as session:
        done = session.exec(select(Job).where(col(Job.id).in_(ids))).all()
    assert {job.attempt for job in done} == {1}
    by_process = Counter(_worker_pid(job.result) for job in done)
    assert set(by_process) == {worker.popen.pid for worker in cluster.workers}, by_process


def test_a_worker_killed_mid_job_leaves_it_to_the_other_after_the_lease(cluster: Cluster) -> None:
    engine = cluster.engine
    with transaction(engine, write=True) as session:
        job_id = jobs.enqueue(session=session, kind=SLEEP, payload={"seconds": 3, "steps": 30}).id
    _wait(lambda: cluster.holder(job_id) is not None, what="the job to start")
    _wait(lambda: (_progress(engine, job_id) or 0) > 0, what="progress")  # mid-job
    victim = cluster.holder(job_id)
    assert victim is not None
    victim.popen.send_signal(signal.SIGKILL)  # no clean-up of any kind
    victim.popen.wait(10)
    killed_at = time.monotonic()
    survivor = next(worker for worker in cluster.workers if worker is not victim)

    _wait(lambda: _states(engine, [job_id]) == [JobState.SUCCEEDED], what="the second try")
    # Taken again only once the lease had run out, and then exactly once, by the survivor.
    assert time.monotonic() - killed_at >= LEASE_SECONDS * 0.9
    with Session(engine) as session:
        job = session.get(Job, job_id)
    assert job is not None and job.attempt == 2
    assert _worker_pid(job.result) == survivor.popen.pid
    assert [run["outcome"] for run in survivor.runs() if run["job_id"] == job_id] == ["succeeded"]
    assert [run for run in victim.runs() if run["job_id"] == job_id] == []

    cluster.workers.remove(victim)  # the next test gets two workers again
    victim.log.close()
    cluster.start_worker("worker3")


def _progress(engine: Engine, job_id: int) -> int | None:
    with Session(engine) as session:
        job = session.get(Job, job_id)
    return None if job is None else job.progress_percent


def _token(url: str, email: str) -> dict[str, str]:
    answer = httpx.post(url + "/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_an_export_asked_for_through_one_web_process_downloads_through_the_other(
    cluster: Cluster,
) -> None:
    engine = cluster.engine
    admin = make_user(engine, role=Role.ADMIN, email="admin@asker.kommune.no")
    make_user(engine, full_name="Åse Ødegård", email="ase@asker.kommune.no")
    learner = make_user(engine, email="ola@asker.kommune.no")
    first, second = cluster.web
    asked = httpx.post(
        first.url + "/api/v1/reports/roster/exports",
        json={"format": "xlsx"},
        headers=_token(first.url, admin.email),
    )
    assert asked.status_code == 202, asked.text
    status_url = asked.headers["Location"]
    admin_on_second = _token(second.url, admin.email)

    def finished() -> dict[str, Any] | None:
        job: dict[str, Any] = httpx.get(second.url + status_url, headers=admin_on_second).json()
        return job if job["state"] in ("succeeded", "dead", "cancelled") else None

    _wait(finished, what="the export")
    job = finished()
    assert job is not None and job["state"] == "succeeded", job
    download = httpx.get(second.url + job["file"]["url"], headers=admin_on_second)
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    assert "Åse Ødegård" in {cell for row in rows for cell in row}

    learner_on_second = _token(second.url, learner.email)
    for path in (status_url, job["file"]["url"]):
        refused = httpx.get(second.url + path, headers=learner_on_second)
        assert refused.status_code in (403, 404), refused.text
        assert refused.headers["content-type"].startswith("application/json")
