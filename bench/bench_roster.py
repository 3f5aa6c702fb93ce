"""Roster export speed and peak memory, against the database driver alone, in one run.

    python bench/bench_roster.py [--rows 100000] [--db sqlite|postgres|both]

Builds a scratch database per kind (SQLite file; PostgreSQL database created on
INNOSTUDY_BENCH_POSTGRES_URL, or the local server, and dropped afterwards) with
``--rows`` learners over all modules, then runs each variant in a process of
its own and reads that process's peak resident memory (``ru_maxrss`` from
``wait4``), so measurements do not contaminate each other:

- ``plain csv``: the roster's SQL run with the bare driver (sqlite3 / psycopg,
  server-side cursor) and written with ``csv.writer``: the baseline;
- ``COPY csv`` (PostgreSQL): ``COPY (same query) TO STDOUT WITH CSV``, for context;
- ``export csv`` / ``export xlsx``: the service code the endpoint and the CLI run,
  writing to a file;
- ``HTTP csv`` / ``HTTP xlsx``: ``GET /api/v1/reports/roster`` on a uvicorn server
  process (memory is the server's), streamed to a file by this process, which also
  polls ``/healthz`` meanwhile to show the server stays responsive.

Targets: export CSV >= 0.5 x plain CSV rows/s; peak memory < 150 MB in every variant.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "benk-passord-123"
ADMIN = "admin@benk.kommune.no"


# ---- children: one variant each, timed inside, memory read by the parent -----------------


def _roster(url: str) -> Any:
    from sqlmodel import Session

    from api.core.config import SHIPPED_CONTENT
    from api.core.db import make_engine
    from api.services import content, roster
    from api.services.scope import Scope
    from course.loader import load_course

    course = load_course(SHIPPED_CONTENT).course
    assert course is not None
    engine = make_engine(url)
    with Session(engine) as session:
        modules = content.live_modules(
            session=session, info=course.info, cache=content.RenderCache()
        )
    spec = roster.Roster(
        roster.roster_modules(modules),
        course.info.version,
        roster.RosterFilters(),
        Scope.whole(),
    )
    return engine, spec


def _sql(engine: Any, spec: Any) -> str:
    from api.services.roster import roster_query

    compiled = roster_query(spec).compile(engine, compile_kwargs={"literal_binds": True})
    return str(compiled)


def child_plain(url: str, out: Path) -> int:
    engine, spec = _roster(url)
    sql = _sql(engine, spec)
    engine.dispose()
    started = time.perf_counter()
    count = 0
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if url.startswith("sqlite"):
            import sqlite3

            connection = sqlite3.connect(url.removeprefix("sqlite:///"))
            cursor: Any = connection.execute(sql)
        else:
            import psycopg

            connection = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
            cursor = connection.cursor(name="roster")  # server-side, like the export
            cursor.execute(sql)
        while rows := cursor.fetchmany(1000):
            writer.writerows(rows)
            count += len(rows)
        connection.close()
    _report(count, time.perf_counter() - started)
    return count


def child_copy(url: str, out: Path) -> int:
    import psycopg

    engine, spec = _roster(url)
    sql = _sql(engine, spec)
    engine.dispose()
    started = time.perf_counter()
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:
        cursor = connection.cursor()
        with out.open("wb") as handle, cursor.copy(f"COPY ({sql}) TO STDOUT WITH CSV") as copy:
            for block in copy:
                handle.write(block)
    seconds = time.perf_counter() - started
    with out.open("rb") as handle:
        count = sum(1 for _ in handle)
    _report(count, seconds)
    return count


def child_export(url: str, out: Path, kind: str) -> int:
    from api.services import roster, roster_export

    engine, spec = _roster(url)
    started = time.perf_counter()
    if kind == "xlsx":
        count = roster_export.write_xlsx(roster.stream(engine=engine, roster=spec), spec, out)
    else:
        with out.open("wb") as handle:
            for chunk in roster_export.csv_chunks(
                roster.stream_rows(engine=engine, roster=spec), spec
            ):
                handle.write(chunk)
        with out.open("rb") as handle:
            count = sum(1 for _ in handle) - 1
    _report(count, time.perf_counter() - started)
    return count


def _report(rows: int, seconds: float) -> None:
    print(json.dumps({"rows": rows, "seconds": seconds}), flush=True)


def child_count(out: Path) -> None:
    """Rows in an exported file (header not counted)."""
    if out.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(out, read_only=True)
        rows = sum(1 for _ in book.active.iter_rows(values_only=True)) - 1  # type: ignore[union-attr]
        book.close()
    else:
        with out.open("rb") as handle:
            rows = sum(1 for _ in handle) - 1
    print(json.dumps({"rows": rows, "seconds": 0}), flush=True)


# ---- the parent: data, processes, table --------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_child(args: list[str]) -> dict[str, Any]:
    """Run one variant; its result line plus the child's peak memory in MB."""
    process = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, cwd=ROOT)
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"variant {args} failed: {output}")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def peak_so_far_mb(pid: int) -> float | None:
    """A process's peak resident memory until now (Linux), e.g. a server before the export."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), None)
    return int(line.split()[1]) / 1024 if line else None


def run_http(url: str, data_dir: Path, out: Path, fmt: str) -> dict[str, Any]:
    """The endpoint on a uvicorn process; health checks meanwhile; the server's peak memory."""
    port = free_port()
    env = {
        **os.environ,
        "INNOSTUDY_DATABASE_URL": url,
        "INNOSTUDY_DATA_DIR": str(data_dir),
        "INNOSTUDY_SECRET_KEY": secrets.token_urlsafe(40),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.main:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=600) as http:
            token = http.post("/api/v1/auth/token", data={"username": ADMIN, "password": PASSWORD})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            # Warm up (module rendering, imports): measure the steady state.
            warm = {"format": fmt, "municipality": "ingen"}
            http.get("/api/v1/reports/roster", headers=headers, params=warm).raise_for_status()
            before_mb = peak_so_far_mb(server.pid)
            latencies: list[float] = []
            done = threading.Event()

            def poll() -> None:
                with httpx.Client(base_url=base, timeout=60) as other:
                    while not done.is_set():
                        started = time.perf_counter()
                        other.get("/healthz")
                        latencies.append(time.perf_counter() - started)
                        time.sleep(0.05)

            poller = threading.Thread(target=poll)
            started = time.perf_counter()
            poller.start()
            size = 0
            with (
                out.open("wb") as handle,
                http.stream(
                    "GET", "/api/v1/reports/roster", headers=headers, params={"format": fmt}
                ) as response,
            ):
                response.raise_for_status()
                for chunk in response.iter_raw():
                    handle.write(chunk)
                    size += len(chunk)
            seconds = time.perf_counter() - started
            done.set()
            poller.join()
    finally:
        server.terminate()
        _, _, usage = os.wait4(server.pid, 0)
        server.returncode = 0
    return {
        "rows": run_child(["--child", "count", "--out", str(out)])["rows"],
        "seconds": seconds,
        "peak_mb": usage.ru_maxrss / 1024,
        "server_before_mb": before_mb,
        "healthz_max_ms": max(latencies) * 1000 if latencies else None,
        "healthz_count": len(latencies),
        "bytes": size,
    }


def child_build(url: str, rows: int) -> None:
    from sqlalchemy import text
    from sqlmodel import Session

    from api.core.config import SHIPPED_CONTENT
    from api.core.db import make_engine, transaction
    from api.data import migrate
    from api.data.models import Role
    from api.services.content import sync_content
    from api.services.contracts import UserCreate
    from api.services.users import create_user
    from course.loader import load_course
    from tests.api.roster_data import build_roster

    course = load_course(SHIPPED_CONTENT).course
    assert course is not None
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        sync_content(session=session, course=course)
        session.commit()
    with transaction(engine, write=True) as session:
        create_user(
            session=session,
            data=UserCreate(
                email=ADMIN,
                full_name="Benk Admin",
                role=Role.ADMIN,
                municipality="Asker",
                password=PASSWORD,
            ),
        )
    started = time.perf_counter()
    build_roster(engine, rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    _report(rows, time.perf_counter() - started)


def postgres_server() -> str | None:
    candidate = os.environ.get("INNOSTUDY_BENCH_POSTGRES_URL") or DEFAULT_POSTGRES
    try:
        import psycopg

        psycopg.connect(candidate, connect_timeout=3).close()
    except Exception:
        return None
    return candidate


def scratch_postgres(server: str) -> tuple[str, Any]:
    """A new database on the server (its URL), and a function that drops it."""
    import psycopg

    name = f"innostudy_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlsplit(server)._replace(path=f"/{name}").geturl(), drop


def best_of(runs: int, run: Any) -> dict[str, Any]:
    """The fastest of ``runs`` runs (the machine may be busy), with the highest peak memory."""
    results = [run() for _ in range(runs)]
    best: dict[str, Any] = min(results, key=lambda r: r["seconds"])
    return {**best, "peak_mb": max(r["peak_mb"] for r in results), "runs": runs}


def bench_database(kind: str, url: str, rows: int, tmp: Path, repeat: int) -> list[dict[str, Any]]:
    print(f"== {kind}", flush=True)
    built = run_child(["--child", "build", "--url", url, "--rows", str(rows)])
    print(f"  built {rows} learners in {built['seconds']:.1f} s", flush=True)

    def child(name: str, out: str) -> Any:
        return lambda: run_child(["--child", name, "--url", url, "--out", str(tmp / out)])

    variants: list[tuple[str, Any]] = [("plain csv", child("plain", "plain.csv"))]
    if kind == "postgresql":
        variants.append(("COPY csv", child("copy", "copy.csv")))
    for fmt in ("csv", "xlsx"):
        variants.append((f"export {fmt}", child(f"export-{fmt}", f"export.{fmt}")))
        variants.append(
            (f"HTTP {fmt}", lambda fmt=fmt: run_http(url, tmp, tmp / f"http.{fmt}", fmt))
        )
    results = []
    for name, run in variants:
        result = best_of(repeat if "csv" in name else 1, run)
        result.update(database=kind, variant=name, rows_per_s=result["rows"] / result["seconds"])
        results.append(result)
        extra = ""
        if result.get("healthz_max_ms") is not None:
            extra = f" (server {result['server_before_mb']:.0f} MB before);"
            extra += f" /healthz meanwhile: {result['healthz_count']} answered, slowest "
            extra += f"{result['healthz_max_ms']:.0f} ms"
        print(
            f"  {name:12} {result['rows']:>8} rows {result['seconds']:7.2f} s "
            f"{result['rows_per_s']:>9,.0f} rows/s {result['peak_mb']:6.1f} MB{extra}",
            flush=True,
        )
    return results


def print_table(results: list[dict[str, Any]]) -> None:
    print("\n| database | variant | rows | s | rows/s | peak MB | vs plain csv |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for result in results:
        plain = next(
            r
            for r in results
            if r["database"] == result["database"] and r["variant"] == "plain csv"
        )
        ratio = result["rows_per_s"] / plain["rows_per_s"]
        print(
            f"| {result['database']} | {result['variant']} | {result['rows']:,} | "
            f"{result['seconds']:.2f} | {result['rows_per_s']:,.0f} | {result['peak_mb']:.0f} | "
            f"{ratio:.2f} |"
        )
    print()
    for result in results:
        if result["variant"] in ("export csv", "HTTP csv"):
            plain = next(
                r
                for r in results
                if r["database"] == result["database"] and r["variant"] == "plain csv"
            )
            ratio = result["rows_per_s"] / plain["rows_per_s"]
            verdict = "ok" if ratio >= 0.5 else "BELOW TARGET"
            print(
                f"{result['database']} {result['variant']}: {ratio:.2f} x plain csv "
                f"(target >= 0.50) {verdict}"
            )
    worst = max(results, key=lambda r: r["peak_mb"])
    verdict = "ok" if worst["peak_mb"] < 150 else "ABOVE TARGET"
    print(
        f"highest peak memory: {worst['peak_mb']:.0f} MB ({worst['database']} "
        f"{worst['variant']}; target < 150 MB) {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3, help="runs per CSV variant (best kept)")
    parser.add_argument("--child")
    parser.add_argument("--url")
    parser.add_argument("--out", type=Path)
    args, _ = parser.parse_known_args()  # scripts/bench passes every benchmark's options
    if args.child:
        if args.child == "build":
            child_build(args.url, args.rows)
        elif args.child == "count":
            child_count(args.out)
        elif args.child in ("plain", "copy"):
            {"plain": child_plain, "copy": child_copy}[args.child](args.url, args.out)
        else:
            child_export(args.url, args.out, args.child.removeprefix("export-"))
        return

    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="innostudy-bench-") as directory:
        tmp = Path(directory)
        if args.db in ("sqlite", "both"):
            url = f"sqlite:///{tmp / 'roster.db'}"
            results += bench_database("sqlite", url, args.rows, tmp, args.repeat)
        if args.db in ("postgres", "both"):
            server = postgres_server()
            if server is None:
                print("== postgresql: no server (set INNOSTUDY_BENCH_POSTGRES_URL); skipped")
            else:
                url, drop = scratch_postgres(server)
                try:
                    results += bench_database("postgresql", url, args.rows, tmp, args.repeat)
                finally:
                    drop()
    print_table(results)
    out = ROOT / "bench" / "results" / "roster.json"
    out.write_text(json.dumps({"rows": args.rows, "results": results}, indent=2) + "\n")
    print(f"(saved to {out.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
