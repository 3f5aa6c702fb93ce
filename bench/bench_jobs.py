"""Background jobs: worker throughput, the cost of enqueuing, and a roster export as a job.

    python bench/bench_jobs.py [--db sqlite|postgres|both] [--jobs 1000] [--certs 500]
                               [--rows 100000] [--repeat 300] [--rounds 2] [--quick]

``--quick`` (200 jobs, 60 certificates, 5,000 learners, one round) checks that it runs.

Per database kind (SQLite file; PostgreSQL database created on
INNOSTUDY_BENCH_POSTGRES_URL, or the local server, and dropped afterwards), each
figure against a baseline measured in the same run:

1. Throughput. (a) ``--jobs`` no-op jobs (``diagnostic.sleep``, seconds=0), enqueued in
   one transaction, run by one and by two ``innostudy worker`` processes; the time runs
   from the enqueuing commit to the latest ``finished_at`` the workers wrote (the parent
   polls only to learn that all are done). Baselines: the task function called directly
   in a loop, and the one-worker figure for the two-worker ratio; the queue run in this
   process (``Worker.drain``, no polling, no second process) sits in between.
   (b) Certificates: ``certificates.render_all`` issues what is missing and renders every
   valid certificate into one ZIP, so it is one job that cannot be split between workers
   (a second worker process would sit idle); its parallelism is the ``processes`` it is
   given. Measured: one job over about ``--certs`` certificates with 1 and 2 processes,
   in certificates per second, against ``render_to_directory`` called directly with the
   same processes on the same data.
2. The cost enqueuing adds to a request: a write transaction holding one audit row,
   without and with one ``jobs.enqueue`` inside, ``--repeat`` times each, interleaved;
   median and p95.
3. The roster as an XLSX job over ``--rows`` learners: from the enqueuing commit to the
   job's end (file stored), and the worker process's peak resident memory (``ru_maxrss``
   after it exits; ``VmHWM`` while idle, before the job, beside it), against the same
   export run directly in a process of its own (``bench_roster.py``'s ``export xlsx``).

1a and 1b keep the fastest of ``--rounds`` runs of each variant, run alternately, so that
a moment when other work takes a core does not decide a ratio.

Workers poll every 0.05 s (INNOSTUDY_JOB_POLL_SECONDS), as in the tests: with the default
1 s a worker idle when the jobs arrive would add up to a second to the first job.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
from bench_roster import (  # noqa: E402
    ADMIN,
    peak_so_far_mb,
    postgres_server,
    run_child,
    scratch_postgres,
)

POLL_SECONDS = "0.05"
SECRET = secrets.token_urlsafe(40)


# ---- children ----------------------------------------------------------------------------


def child_certificates(url: str, out: Path, processes: int) -> None:
    """The baseline for the certificate job: the same data rendered directly, no queue."""
    from api.core.config import Settings
    from api.core.db import make_engine, transaction
    from api.services import certificate_pdfs, content
    from certificates.bulk import render_to_directory

    settings = Settings(database_url=url, secret_key=SECRET)
    engine = make_engine(url)
    started = time.perf_counter()
    with transaction(engine) as session:
        info = content.course_info(settings.content_dir)
        modules = content.live_modules(session=session, info=info, cache=content.RenderCache())
        items = certificate_pdfs.all_render_data(
            session=session, settings=settings, info=info, modules=modules
        )
    written = render_to_directory(items, out, workers=processes)
    print(json.dumps({"rows": written, "seconds": time.perf_counter() - started}), flush=True)


def run_own_child(args: list[str]) -> dict[str, Any]:
    """A child of this script (``run_child`` runs ``bench_roster.py``'s), with its peak memory."""
    process = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, cwd=ROOT)
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"child {args} failed: {output}")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


# ---- the database and the worker processes -----------------------------------------------


def settings_for(url: str, data_dir: Path) -> Any:
    from api.core.config import Settings

    return Settings(database_url=url, data_dir=data_dir, secret_key=SECRET)


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    peak_mb: float | None = None

    def stop(self) -> None:
        """SIGTERM, wait, and read the process's peak resident memory."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            _, status, usage = os.wait4(self.process.pid, 0)
            self.process.returncode = os.waitstatus_to_exitcode(status)
            self.peak_mb = usage.ru_maxrss / 1024
        self.log.close()

    def tail(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return b"\n".join(self.log.read().splitlines()[-15:]).decode(errors="replace")


def start_worker(url: str, data_dir: Path, queues: str, concurrency: int) -> WorkerProcess:
    """``innostudy worker`` in a process of its own, importing this checkout's code."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "INNOSTUDY_DATABASE_URL": url,
        "INNOSTUDY_DATA_DIR": str(data_dir),
        "INNOSTUDY_SECRET_KEY": SECRET,
        "INNOSTUDY_JOB_POLL_SECONDS": POLL_SECONDS,
        "INNOSTUDY_LOG_FORMAT": "json",
    }
    command = [
        sys.executable,
        "-c",
        "from api.cli import app; app(prog_name='innostudy')",
        "worker",
        "--concurrency",
        str(concurrency),
        "--queues",
        queues,
    ]
    log = tempfile.TemporaryFile(prefix="innostudy-bench-worker-")  # noqa: SIM115  (stop closes it)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    return WorkerProcess(process, log)


@contextmanager
def workers(
    engine: Any, url: str, tmp: Path, count: int, queues: str, concurrency: int
) -> Iterator[list[WorkerProcess]]:
    """``count`` worker processes, registered, with nothing left to do in their queues (a
    worker enqueues the nightly clean-up when it starts; on ``default`` it runs it first)."""
    from sqlalchemy import func, select
    from sqlmodel import col

    from api.data.models import Job, JobState, JobWorker

    started = [start_worker(url, tmp, queues, concurrency) for _ in range(count)]
    try:

        def ready() -> bool:
            for worker in started:
                if worker.process.poll() is not None:
                    raise RuntimeError(f"worker exited:\n{worker.tail()}")
            with engine.connect() as connection:
                live = connection.execute(select(func.count()).select_from(JobWorker)).scalar()
                busy = connection.execute(
                    select(func.count()).where(
                        col(Job.state).in_([JobState.QUEUED, JobState.RUNNING]),
                        col(Job.queue).in_(queues.split(",")),
                    )
                ).scalar()
            return bool(live == count and busy == 0)

        wait_until(ready, timeout=60)
        yield started
    finally:
        for worker in started:
            worker.stop()


def wait_until(predicate: Callable[[], bool], *, timeout: float, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("timed out")
        time.sleep(every)


def clear_jobs(engine: Any) -> None:
    from sqlalchemy import delete

    from api.data.models import Job, JobWorker

    with engine.begin() as connection:
        connection.execute(delete(Job))
        connection.execute(delete(JobWorker))


def finish(engine: Any, ids: list[int], committed: datetime, timeout: float) -> dict[str, Any]:
    """Wait for the jobs to end; seconds from ``committed`` to the last ``finished_at``."""
    from sqlalchemy import func, select
    from sqlmodel import col

    from api.data.models import Job, JobState

    ended = (JobState.SUCCEEDED, JobState.DEAD, JobState.CANCELLED)

    def done() -> bool:
        with engine.connect() as connection:
            left = connection.execute(
                select(func.count()).where(col(Job.id).in_(ids), col(Job.state).not_in(ended))
            ).scalar()
        return bool(left == 0)

    wait_until(done, timeout=timeout, every=0.05)
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                col(Job.state),
                col(Job.attempt),
                col(Job.started_at),
                col(Job.finished_at),
                col(Job.result),
                col(Job.last_error),
            ).where(col(Job.id).in_(ids))
        ).all()
    failed = [row for row in rows if row.state != JobState.SUCCEEDED]
    if failed:
        raise RuntimeError(f"{len(failed)} jobs did not succeed: {failed[0].last_error}")
    last = max(row.finished_at for row in rows)
    return {
        "seconds": (last - committed).total_seconds(),
        "waited_s": (min(row.started_at for row in rows) - committed).total_seconds(),
        "attempts": sum(row.attempt for row in rows),
        "results": [json.loads(row.result or "{}") for row in rows],
    }


def enqueue_sleeps(engine: Any, count: int) -> tuple[list[int], datetime]:
    from api.core.db import transaction
    from api.services import jobs
    from api.services.job_tasks import SLEEP

    with transaction(engine, write=True) as session:
        ids = [
            jobs.enqueue(session=session, kind=SLEEP, payload={"seconds": 0}).id
            for _ in range(count)
        ]
    return [i for i in ids if i is not None], datetime.now(UTC)


# ---- 1. throughput -----------------------------------------------------------------------


def bench_noop(engine: Any, url: str, tmp: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    """No-op jobs per second, each way the fastest of ``args.rounds`` runs."""
    from api.services import job_tasks
    from api.services.worker import Worker

    count, results = args.jobs, []

    def add(run_by: str, runs: list[dict[str, Any]]) -> None:
        best = min(runs, key=lambda run: run["seconds"])
        results.append(
            {
                "run_by": run_by,
                "jobs": count,
                "per_s": count / best["seconds"],
                "rounds": len(runs),
                **best,
            }
        )
        print(
            f"  no-op {run_by:<24} {count:>6} jobs {best['seconds']:8.3f} s "
            f"{count / best['seconds']:>12,.0f} jobs/s",
            flush=True,
        )

    def direct() -> dict[str, Any]:
        context: Any = SimpleNamespace(worker_name="direct")  # all the task reads at 0 s
        started = time.perf_counter()
        for _ in range(count):
            job_tasks.sleep(context, seconds=0)
        return {"seconds": time.perf_counter() - started}

    def drained() -> dict[str, Any]:
        clear_jobs(engine)
        worker = Worker(engine, settings_for(url, tmp), schedules=())
        _, committed = enqueue_sleeps(engine, count)
        worker.drain(limit=count)
        return {"seconds": (datetime.now(UTC) - committed).total_seconds()}

    def processes(number: int) -> dict[str, Any]:
        clear_jobs(engine)
        with workers(engine, url, tmp, number, "default", args.concurrency) as running:
            ids, committed = enqueue_sleeps(engine, count)
            done = finish(engine, ids, committed, timeout=600)
        if done["attempts"] != count:
            raise RuntimeError(f"{done['attempts']} tries for {count} jobs")
        return {
            "seconds": done["seconds"],
            "waited_s": done["waited_s"],
            "workers_used": len({result["worker"] for result in done["results"]}),
            "worker_peak_mb": max(worker.peak_mb or 0 for worker in running),
        }

    add("direct call", [direct() for _ in range(args.rounds)])
    add("Worker.drain, in-process", [drained() for _ in range(args.rounds)])
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    for _ in range(args.rounds):  # alternated, so a busy moment on the machine hits both
        for number in runs:
            runs[number].append(processes(number))
    for number, found in runs.items():
        add(f"{number} worker process{'es' if number > 1 else ''}", found)
    return results


def bench_certificates(engine: Any, url: str, tmp: Path, rounds: int) -> list[dict[str, Any]]:
    """One bundle job per run, against rendering directly; the fastest of ``rounds`` each."""
    from api.core.db import transaction
    from api.services import job_tasks

    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    clear_jobs(engine)
    with workers(engine, url, tmp, 1, "bulk", 1):
        for _ in range(rounds):
            for processes in (1, 2):
                with transaction(engine, write=True) as session:
                    job = job_tasks.request_certificate_bundle(
                        session=session, admin=None, processes=processes
                    )
                committed = datetime.now(UTC)
                assert job.id is not None
                done = finish(engine, [job.id], committed, timeout=1800)
                rendered = int(done["results"][0]["rendered"])
                out = str(tmp / f"pdf-{processes}")
                direct = run_own_child(
                    [
                        "--child",
                        "certificates",
                        "--url",
                        url,
                        "--processes",
                        str(processes),
                        "--out",
                        out,
                    ]
                )
                if direct["rows"] != rendered:
                    raise RuntimeError(f"direct rendered {direct['rows']}, the job {rendered}")
                for run_by, seconds in (("direct", direct["seconds"]), ("job", done["seconds"])):
                    runs.setdefault((run_by, processes), []).append(
                        {
                            "run_by": run_by,
                            "processes": processes,
                            "certificates": rendered,
                            "seconds": seconds,
                            "per_s": rendered / seconds,
                            "waited_s": done["waited_s"] if run_by == "job" else 0.0,
                        }
                    )
    results = []
    for found in runs.values():
        best = min(found, key=lambda run: run["seconds"])
        results.append({**best, "rounds": len(found)})
        print(
            f"  certificates {best['run_by']:<7} {best['processes']} proc "
            f"{best['certificates']:>6} {best['seconds']:8.2f} s {best['per_s']:8.1f} /s",
            flush=True,
        )
    return results


# ---- 2. the cost of enqueuing ------------------------------------------------------------


def bench_enqueue(engine: Any, repeat: int) -> dict[str, Any]:
    from api.core.db import transaction
    from api.services import audit, jobs
    from api.services.job_tasks import SLEEP

    def write(with_job: bool) -> float:
        started = time.perf_counter()
        with transaction(engine, write=True) as session:
            audit.record(session=session, actor=None, action="bench.write", target="bench")
            if with_job:
                jobs.enqueue(session=session, kind=SLEEP, payload={"seconds": 0})
        return time.perf_counter() - started

    clear_jobs(engine)
    for _ in range(20):  # warm up: pool, statement caches
        write(False)
        write(True)
    plain: list[float] = []
    enqueued: list[float] = []
    for _ in range(repeat):  # interleaved, so a busy moment on the machine hits both
        plain.append(write(False))
        enqueued.append(write(True))
    clear_jobs(engine)

    def summary(times: list[float]) -> dict[str, float]:
        ms = sorted(t * 1000 for t in times)
        return {"median_ms": statistics.median(ms), "p95_ms": ms[int(0.95 * (len(ms) - 1))]}

    result: dict[str, Any] = {
        "repeat": repeat,
        "without": summary(plain),
        "with": summary(enqueued),
    }
    print(
        f"  enqueue: without {result['without']['median_ms']:.2f} ms, with "
        f"{result['with']['median_ms']:.2f} ms (median of {repeat})",
        flush=True,
    )
    return result


# ---- 3. the roster as a job --------------------------------------------------------------


def bench_roster_job(engine: Any, url: str, tmp: Path) -> dict[str, Any]:
    from sqlmodel import select

    from api.core.db import transaction
    from api.data.models import JobFile, User
    from api.services import job_tasks
    from api.services.contracts import RosterFilters
    from api.services.scope import actor_for

    direct = run_child(["--child", "export-xlsx", "--url", url, "--out", str(tmp / "direct.xlsx")])
    print(
        f"  roster xlsx direct {direct['rows']:>8} rows {direct['seconds']:7.2f} s "
        f"{direct['peak_mb']:6.1f} MB",
        flush=True,
    )
    clear_jobs(engine)
    with workers(engine, url, tmp, 1, "bulk", 1) as running:
        idle_mb = peak_so_far_mb(running[0].process.pid)
        with transaction(engine, write=True) as session:
            admin = session.exec(select(User).where(User.email == ADMIN)).one()
            job = job_tasks.request_roster_export(
                session=session,
                actor=actor_for(session=session, user=admin),
                filters=RosterFilters(),
                format="xlsx",
                delimiter="semicolon",
            )
        committed = datetime.now(UTC)
        assert job.id is not None
        done = finish(engine, [job.id], committed, timeout=1800)
        with transaction(engine) as session:
            stored = session.exec(select(JobFile).where(JobFile.job_id == job.id)).one()
            size, stored_at = stored.size, stored.created_at
    rows = int(done["results"][0]["rows"])
    if rows != direct["rows"]:
        raise RuntimeError(f"the job exported {rows} rows, the direct export {direct['rows']}")
    job_result = {
        "rows": rows,
        "seconds": done["seconds"],
        "waited_s": done["waited_s"],
        "peak_mb": running[0].peak_mb,
        "idle_mb": idle_mb,
        "bytes": size,
        "file_stored_s": (stored_at - committed).total_seconds(),
    }
    print(
        f"  roster xlsx job    {rows:>8} rows {done['seconds']:7.2f} s "
        f"{job_result['peak_mb']:6.1f} MB (idle worker {idle_mb or 0:.0f} MB)",
        flush=True,
    )
    return {"direct": direct, "job": job_result}


# ---- the run -----------------------------------------------------------------------------


def build(url: str, learners: int) -> dict[str, Any]:
    """A migrated database with an administrator and ``learners`` learners (bench_roster)."""
    return run_child(["--child", "build", "--url", url, "--rows", str(learners)])


def issue_certificates(engine: Any) -> int:
    """Issue every completed learner's certificate up front, so the job's own issuing step
    finds none. The built roster's certificates go first: their codes are test codes,
    which the renderer refuses as file names."""
    from sqlalchemy import delete, func, select
    from sqlmodel import col

    from api.core.config import SHIPPED_CONTENT
    from api.core.db import transaction
    from api.data.models import Certificate
    from api.services import certificates, content

    info = content.course_info(SHIPPED_CONTENT)
    with transaction(engine, write=True) as session:
        session.execute(delete(Certificate))
        certificates.issue_missing(session=session, info=info)
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).where(
                    col(Certificate.revoked_at).is_(None),
                    col(Certificate.course_version) == info.version,
                )
            ).scalar_one()
        )


def bench_database(
    kind: str, urls: Callable[[str], str], args: argparse.Namespace, tmp: Path
) -> dict[str, Any]:
    from api.core.db import make_engine
    from api.services import job_tasks  # noqa: F401  (registers the kinds of job)

    print(f"== {kind}", flush=True)
    result: dict[str, Any] = {"database": kind}
    # About 30 % of the built learners have completed the course.
    queue_url = urls("queue")
    build(queue_url, max(10, round(args.certs / 0.30)))
    engine = make_engine(queue_url)
    try:
        print(f"  {issue_certificates(engine)} valid certificates", flush=True)
        result["enqueue"] = bench_enqueue(engine, args.repeat)
        result["noop"] = bench_noop(engine, queue_url, tmp, args)
        result["certificates"] = bench_certificates(engine, queue_url, tmp, args.rounds)
    finally:
        engine.dispose()
    roster_url = urls("roster")
    built = build(roster_url, args.rows)
    print(f"  built {args.rows} learners in {built['seconds']:.1f} s", flush=True)
    engine = make_engine(roster_url)
    try:
        result["roster"] = bench_roster_job(engine, roster_url, tmp)
    finally:
        engine.dispose()
    return result


def ratio(value: float, base: float) -> str:
    if not base:
        return "-"
    share = value / base
    return f"{share:.2f}" if share >= 0.1 else f"{share:.1e}"  # the queue vs a bare call


def print_tables(results: list[dict[str, Any]]) -> None:
    print("\n1a. No-op jobs (diagnostic.sleep, 0 s): enqueuing commit to last finished_at")
    print("| database | run by | jobs | s | jobs/s | ms/job | vs direct | vs 1 worker |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for db in results:
        direct = db["noop"][0]["per_s"]
        one = next(r["per_s"] for r in db["noop"] if r["run_by"].startswith("1 "))
        for r in db["noop"]:
            vs_one = ratio(r["per_s"], one) if "process" in r["run_by"] else ""
            print(
                f"| {db['database']} | {r['run_by']} | {r['jobs']:,} | {r['seconds']:.3f} | "
                f"{r['per_s']:,.0f} | {1000 / r['per_s']:.3f} | {ratio(r['per_s'], direct)} "
                f"| {vs_one} |"
            )
    print("\n1b. Certificates: one certificates.render_all job vs render_to_directory directly")
    print(
        "| database | processes | certificates | direct s | job s | (job waited s) "
        "| direct /s | job /s | job/direct (rate) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for db in results:
        for processes in (1, 2):
            d, j = (
                next(
                    r
                    for r in db["certificates"]
                    if r["run_by"] == name and r["processes"] == processes
                )
                for name in ("direct", "job")
            )
            print(
                f"| {db['database']} | {processes} | {j['certificates']:,} | "
                f"{d['seconds']:.2f} | {j['seconds']:.2f} | {j['waited_s']:.2f} | "
                f"{d['per_s']:.1f} | "
                f"{j['per_s']:.1f} | {ratio(j['per_s'], d['per_s'])} |"
            )
    print("\n2. A write transaction (one audit row) without and with one jobs.enqueue")
    print(
        "| database | n | median without ms | median with ms | ratio | p95 without ms "
        "| p95 with ms | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for db in results:
        e = db["enqueue"]
        a, b = e["without"], e["with"]
        print(
            f"| {db['database']} | {e['repeat']} | {a['median_ms']:.2f} | "
            f"{b['median_ms']:.2f} | {ratio(b['median_ms'], a['median_ms'])} | "
            f"{a['p95_ms']:.2f} | {b['p95_ms']:.2f} | {ratio(b['p95_ms'], a['p95_ms'])} |"
        )
    print("\n3. Roster XLSX: as a job (worker process) vs the export run directly")
    print(
        "| database | rows | direct s | job s | job/direct | direct peak MB | worker peak MB "
        "| (idle worker MB) | job/direct memory |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for db in results:
        d, j = db["roster"]["direct"], db["roster"]["job"]
        print(
            f"| {db['database']} | {j['rows']:,} | {d['seconds']:.2f} | {j['seconds']:.2f} | "
            f"{ratio(j['seconds'], d['seconds'])} | {d['peak_mb']:.0f} | "
            f"{j['peak_mb']:.0f} | {j['idle_mb'] or 0:.0f} | "
            f"{ratio(j['peak_mb'], d['peak_mb'])} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    # Sizes: (full run, --quick); an option given on the command line wins over both.
    sizes = {
        "jobs": (1000, 200, "no-op jobs per run"),
        "certs": (500, 60, "certificates, about"),
        "rows": (100_000, 5000, "learners for the roster export"),
        "repeat": (300, 100, "transactions per variant in 2"),
        "rounds": (2, 1, "runs of each variant in 1a and 1b (the fastest kept)"),
    }
    for name, (full, quick, text) in sizes.items():
        parser.add_argument(f"--{name}", type=int, help=f"{text} (default {full}; quick {quick})")
    parser.add_argument("--concurrency", type=int, default=1, help="threads per worker queue")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a quick check")
    parser.add_argument("--child")
    parser.add_argument("--url")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--processes", type=int, default=1)
    args, _ = parser.parse_known_args()  # scripts/bench passes every benchmark's options
    if args.child == "certificates":
        child_certificates(args.url, args.out, args.processes)
        return
    for name, (full, quick, _) in sizes.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)

    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="innostudy-bench-") as directory:
        tmp = Path(directory)
        if args.db in ("sqlite", "both"):
            results.append(
                bench_database("sqlite", lambda name: f"sqlite:///{tmp / name}.db", args, tmp)
            )
        if args.db in ("postgres", "both"):
            server = postgres_server()
            if server is None:
                print("== postgresql: no server (set INNOSTUDY_BENCH_POSTGRES_URL); skipped")
            else:
                drops: list[Callable[[], None]] = []

                def scratch(_name: str) -> str:
                    url, drop = scratch_postgres(server)
                    drops.append(drop)
                    return str(url)

                try:
                    results.append(bench_database("postgresql", scratch, args, tmp))
                finally:
                    for drop in drops:
                        drop()
    print_tables(results)
    out = BENCH / "results" / "jobs.json"
    out.parent.mkdir(exist_ok=True)
    settings = {k: v for k, v in vars(args).items() if k not in ("child", "url", "out")}
    out.write_text(json.dumps({"args": settings, "results": results}, indent=2, default=str) + "\n")
    print(f"\n(saved to {out.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
