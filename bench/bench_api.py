"""HTTP throughput of the learner hot paths against a bare FastAPI endpoint.

Runs one uvicorn worker (pinned to CPU 0) and wrk (pinned to CPU 1) over
loopback, in one run: the bare ``async def`` endpoint first, then
``GET /api/v1/modules/{slug}`` and ``POST /api/v1/modules/{slug}/attempts`` as an
authenticated learner on a fresh SQLite database (or INNOSTUDY_DATABASE_URL).

The server's CPU time per request is shown too (Linux): unlike requests per
second it hardly moves when other work shares the machine. With ``--rounds N``
the whole run is repeated and each figure is the median over the rounds, with
the ratios' range.

Usage: python bench/bench_api.py [--duration 10] [--connections 10] [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cpu: int, command: list[str]) -> list[str]:
    return ["taskset", "-c", str(cpu), *command] if shutil.which("taskset") else command


def start_server(app: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--workers", "1",
               "--log-level", "warning", "--no-access-log"]  # fmt: skip
    process = subprocess.Popen(pinned(0, command), cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/openapi.json", timeout=1)
            return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app} did not start")


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time a process has used so far (Linux), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    server: subprocess.Popen[bytes], url: str, *, duration: int, connections: int,
    script: str | None = None,
) -> dict[str, float]:  # fmt: skip
    """wrk against ``url``, plus the server's CPU microseconds per request."""
    before = cpu_seconds(server.pid)
    result = wrk(url, duration=duration, connections=connections, script=script)
    after = cpu_seconds(server.pid)
    if before is not None and after is not None:
        result["cpu_us"] = (after - before) * 1e6 / (result["rps"] * duration)
    return result


def wrk(
    url: str, *, duration: int, connections: int, script: str | None = None
) -> dict[str, float]:
    # Every request says Accept-Encoding: gzip, as browsers and HTTP libraries do.
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency",
               "-H", "Accept-Encoding: gzip"]  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script or "")
    if script:
        command += ["-s", lua.name]
    output = subprocess.run(pinned(1, [*command, url]), capture_output=True, text=True,
                            check=True).stdout  # fmt: skip
    os.unlink(lua.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{errors.group(1)} failed requests:\n{output}")

    def latency(label: str) -> float:
        match = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)\b", output)
        assert match, output
        value = float(match.group(1))
        return (
            value / 1000
            if match.group(2) == "us"
            else value * (1000 if match.group(2) == "s" else 1)
        )

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert rps, output
    return {"rps": float(rps.group(1)), "p50_ms": latency("50"), "p99_ms": latency("99")}


def prepare(data_dir: Path) -> tuple[dict[str, str], str, str, dict[str, list[str]]]:
    env = {**os.environ, "INNOSTUDY_DATA_DIR": str(data_dir),
           "INNOSTUDY_SECRET_KEY": secrets.token_urlsafe(40)}  # fmt: skip
    os.environ.update(env)
    from api.core.config import Settings
    from api.core.db import make_engine, transaction
    from api.data import migrate
    from api.data.models import Role
    from api.services.content import sync_content
    from api.services.contracts import UserCreate
    from api.services.users import create_user, issue_token
    from course.loader import load_course

    settings = Settings()
    engine = make_engine(settings.effective_database_url)
    migrate.upgrade(engine)
    course = load_course(settings.content_dir).course
    assert course is not None
    with transaction(engine, write=True) as session:
        sync_content(session=session, course=course)
        user = create_user(session=session, data=UserCreate(
            email=f"bench{secrets.token_hex(4)}@asker.kommune.no", full_name="Bench Learner",
            role=Role.LEARNER, municipality="Asker"))  # fmt: skip
        token = issue_token(session=session, user=user, ttl=timedelta(hours=2))
    module = course.modules[2]
    assert module.quiz is not None
    answers = {q.id: sorted(q.correct_option_ids) for q in module.quiz.questions}
    return env, token, module.slug, answers


def run_round(
    env: dict[str, str], token: str, slug: str, answers: dict[str, list[str]], load: dict[str, int]
) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    server, url = start_server("bench.bare_app:app", env)
    try:
        results["bare async endpoint"] = measure(server, url + "/bare", **load)
    finally:
        server.terminate()
        server.wait()

    server, url = start_server("api.main:app", env)
    try:
        auth = f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        results["GET module"] = measure(server, f"{url}/api/v1/modules/{slug}", script=auth, **load)
        body = json.dumps({"answers": answers}).replace("\\", "\\\\").replace('"', '\\"')
        post = (auth + 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                f'wrk.body = "{body}"\n')  # fmt: skip
        results["POST attempt"] = measure(
            server, f"{url}/api/v1/modules/{slug}/attempts", script=post, **load
        )
    finally:
        server.terminate()
        server.wait()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1, help="repeat the run; report medians")
    args, _ = parser.parse_known_args()  # scripts/bench passes every benchmark's options
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk (scripts/bench installs it)")

    rounds: list[dict[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        env, token, slug, answers = prepare(Path(tmp))
        load = {"duration": args.duration, "connections": args.connections}
        for _ in range(args.rounds):
            rounds.append(run_round(env, token, slug, answers, load))

    bare = "bare async endpoint"
    for result in rounds:
        for name in result:
            result[name]["ratio"] = result[name]["rps"] / result[bare]["rps"]
    targets = {"GET module": 0.50, "POST attempt": 0.25}
    print(f"\n{'endpoint':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'CPU µs':>9}"
          f"  {'ratio':<17}{'target':>6}")  # fmt: skip
    summary: dict[str, dict[str, float]] = {}
    for name in rounds[0]:
        runs = [result[name] for result in rounds]
        figures = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        summary[name] = figures
        ratios = sorted(run["ratio"] for run in runs)
        ratio = f"{figures['ratio']:.2f}"
        if len(runs) > 1:
            ratio += f" ({ratios[0]:.2f}–{ratios[-1]:.2f})"
        cpu = f"{figures['cpu_us']:.0f}" if "cpu_us" in figures else "n/a"
        target = f"≥{targets[name]:.2f}" if name in targets else ""
        print(f"{name:<22}{figures['rps']:>10.0f}{figures['p50_ms']:>10.2f}"
              f"{figures['p99_ms']:>10.2f}{cpu:>9}  {ratio:<17}{target:>6}")  # fmt: skip
    if len(rounds) > 1:
        print(f"(medians of {len(rounds)} rounds; ratio range after the median)")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "api.json").write_text(json.dumps({"median": summary, "rounds": rounds}, indent=2))


if __name__ == "__main__":
    main()
