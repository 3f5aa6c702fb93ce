"""How many learners going through the course at once one server process serves (Locust).

    python bench/bench_journey.py [--db sqlite|postgres|both] [--quick] [--duration 60] ...

Simulated learners use the web pages as a browser does (bench/journey_users.py): the login
form with its CSRF field and the session cookie, the dashboard, each module's text, "mark as
read", the quiz with a wrong try and then a right one (answers from the course source, loaded
here with ``course.loader.load_course``, never from the page), and once every required module
is done the certificate page, issuing it and the PDF; then they log out and a new learner (a
fresh account) starts. Each learner thinks 1–3 s (uniformly) between two steps; redirects are
followed at once. One administrator logs in through the page too and downloads the roster
(``/admin/kursliste.csv``) every 15–45 s.

A learner's first journey resumes an account prepared with 0..k modules already done (k: the
last required module), so that from the start of the measurement the learners are spread over
the course and logins (argon2, ~45 ms of CPU each) and certificates (a PDF each) come at the
rate a steady stream of learners brings, not all at once.

Setup uses only the command line (``innostudy db upgrade``, ``content sync``, ``users add``
for the administrator) and HTTP (the administrator creates the learner accounts and the
prepared progress goes through the JSON API), so nothing here depends on the server's insides.
One uvicorn worker (``uvicorn api.main:app``, settings from INNOSTUDY_* variables) runs pinned
to CPU 0; Locust (one process) and this script run on CPU 1.

For each database the number of learners steps up (10, 20, 40, ...) until a step misses the
target, then bisects between the last step that met it and the first that did not. A step
spawns the learners (``--spawn-rate`` per second), waits ``--settle`` seconds, and measures
``--duration`` seconds of steady state: requests per second, latency percentiles over every
request in that window, and the server's CPU time per request. The target: p99 under
``--p99-ms`` (250) and no failed request. Any failed request (an unexpected status or
redirect, a certificate that is not a PDF, a roster that is not a CSV) makes the command exit
non-zero after the tables, so an error cannot hide behind a figure.

PostgreSQL: a scratch database on INNOSTUDY_BENCH_POSTGRES_URL (or the local server), dropped
afterwards. Results: bench/results/journey-<db>.csv (one row per step), bench/results/journey/
(per-endpoint figures, Locust's own CSV files and log per step), bench/results/journey.json.
``--quick`` is a smoke run: short steps, 0.2–0.6 s of thinking, 5 and 10 learners.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import math
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
from bench_api import cpu_seconds, free_port, pinned  # noqa: E402
from bench_roster import postgres_server, scratch_postgres  # noqa: E402

RESULTS = BENCH / "results"
LOCUSTFILE = BENCH / "journey_users.py"
CONTENT = ROOT / "modules"
PASSWORD = "benk-passord-123"
ADMIN = "admin@benk.kommune.no"
MUNICIPALITIES = (("Asker", "3203"), ("Karasjok", "5610"), ("Bodø", "1804"), ("Tromsø", "5501"))
# Pauses in one journey from the start (journey_users.py): the login form, six per module,
# three around the certificate, one before logging out and one before the next learner.
PAUSES_BESIDES_MODULES, PAUSES_PER_MODULE = 6, 6


@dataclass(frozen=True)
class Profile:
    think: tuple[float, float]
    admin_wait: tuple[float, float]
    spawn_rate: float
    settle: float
    duration: float
    start: int
    max_users: int
    bisect: int
    p99_ms: float


FULL = Profile((1, 3), (15, 45), 8, 5, 60, 10, 2560, 3, 250)
QUICK = Profile((0.2, 0.6), (2, 5), 10, 2, 15, 5, 10, 0, 250)


def course_modules() -> list[dict[str, Any]]:
    """Each module's slug, whether it is required, and a right and a wrong set of answers."""
    from course.loader import load_course

    course = load_course(CONTENT).course
    if course is None:
        sys.exit(f"the course in {CONTENT} does not load: run innostudy validate")
    modules = []
    for module in course.modules:
        right: dict[str, list[str]] = {}
        wrong: dict[str, list[str]] = {}
        for question in module.quiz.questions if module.quiz else ():
            right[question.id] = sorted(question.correct_option_ids)
            others = sorted(question.option_ids - question.correct_option_ids)
            if others:  # otherwise left unanswered, which counts as wrong
                wrong[question.id] = others[:1]
        modules.append(
            {"slug": module.slug, "required": module.required, "right": right, "wrong": wrong}
        )
    return modules


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    command = [str(Path(sys.executable).with_name("innostudy")), *args]
    done = subprocess.run(command, env=env, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"innostudy {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


class Accounts:
    """Learner accounts made over HTTP by the administrator, before a step starts."""

    def __init__(self, url: str, modules: list[dict[str, Any]], rng: random.Random) -> None:
        self.client = httpx.Client(base_url=url, timeout=60)
        self.modules = modules
        self.rng = rng
        self.made = 0
        self.spare: list[str] = []
        required = [i for i, m in enumerate(modules) if m["required"]] or [len(modules) - 1]
        self.resume_limit = required[-1]  # at least one required module is left to do
        self.admin = {"Authorization": f"Bearer {self.token(ADMIN)}"}

    def token(self, email: str) -> str:
        response = self.client.post(
            "/api/v1/auth/token", data={"username": email, "password": PASSWORD}
        )
        self.expect(response, 200)
        return str(response.json()["access_token"])

    @staticmethod
    def expect(response: httpx.Response, status: int) -> None:
        if response.status_code != status:
            sys.exit(
                f"setup: {response.request.method} {response.request.url.path} answered "
                f"{response.status_code}, expected {status}: {response.text[:500]}"
            )

    def create(self) -> str:
        self.made += 1
        municipality, number = MUNICIPALITIES[self.made % len(MUNICIPALITIES)]
        email = f"deltaker{self.made:05d}@benk.kommune.no"
        body = {
            "email": email,
            "full_name": f"Åse Ødegård Čuđe {self.made}",
            "municipality": municipality,
            "municipality_number": number,
            "password": PASSWORD,
        }
        self.expect(self.client.post("/api/v1/users", json=body, headers=self.admin), 201)
        return email

    def fresh(self, count: int) -> list[str]:
        while len(self.spare) < count:
            self.spare.append(self.create())
        return self.spare[:count]

    def used(self, count: int) -> None:
        del self.spare[:count]

    def resumed(self, count: int) -> list[dict[str, Any]]:
        """New accounts with the first 0..k modules read and passed, through the JSON API."""
        accounts = []
        for _ in range(count):
            email, done = self.create(), self.rng.randint(0, self.resume_limit)
            if done:
                self.study(email, self.modules[:done], tries=("right",))
            accounts.append({"email": email, "done": done})
        return accounts

    def check_answers(self) -> None:
        """Once: the wrong answers fail every quiz and the right ones pass it."""
        self.study(self.create(), self.modules, tries=("wrong", "right"))

    def study(self, email: str, modules: list[dict[str, Any]], *, tries: tuple[str, ...]) -> None:
        auth = {"Authorization": f"Bearer {self.token(email)}"}
        for module in modules:
            path = f"/api/v1/modules/{module['slug']}"
            self.expect(self.client.post(f"{path}/read", headers=auth), 200)
            for answers in tries:
                body = {"answers": module[answers]}
                response = self.client.post(f"{path}/attempts", json=body, headers=auth)
                self.expect(response, 201)
                if response.json()["passed"] != (answers == "right"):
                    sys.exit(f"setup: the {answers} answers to {path} do not grade as {answers}")
        self.expect(self.client.post("/api/v1/auth/logout", headers=auth), 204)


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """One uvicorn worker on CPU 0, its output in ``log``; waits until it answers."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port),
               "--workers", "1", "--log-level", "warning", "--no-access-log"]  # fmt: skip
    with log.open("wb") as output:
        server = subprocess.Popen(
            pinned(0, command), cwd=ROOT, env=env, stdout=output, stderr=output
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a busy machine starts it slowly
    while time.monotonic() < deadline and server.poll() is None:
        try:
            httpx.get(url + "/healthz", timeout=2)
            return server, url
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    sys.exit(f"the server did not start:\n{log.read_text()[-3000:]}")


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")


def wait_idle(pid: int, *, limit: float = 30) -> None:
    """Until the server has (nearly) stopped working on the last step's requests."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(0.5)
        after = cpu_seconds(pid)
        if before is None or after is None or after - before < 0.05:
            return


class Step:
    """One number of learners against the running server: plan, Locust, figures."""

    def __init__(
        self,
        kind: str,
        url: str,
        server_pid: int,
        accounts: Accounts,
        profile: Profile,
        client_cpu: int,
    ) -> None:
        self.kind, self.url, self.server_pid = kind, url, server_pid
        self.accounts, self.profile, self.client_cpu = accounts, profile, client_cpu
        self.failures: dict[str, int] = {}
        self.examples: list[str] = []
        self.rows: list[dict[str, Any]] = []

    def __call__(self, users: int) -> dict[str, Any]:
        profile = self.profile
        run_s = math.ceil((users + 1) / profile.spawn_rate + profile.settle + profile.duration)
        started = time.monotonic()
        print(f"  {users} learners: preparing accounts…", end="", flush=True)
        plan = self.plan(users, run_s)
        print(f" {time.monotonic() - started:.0f} s; running {run_s} s…", end="", flush=True)
        wait_idle(self.server_pid)
        prefix = RESULTS / "journey" / f"{self.kind}-{users:04d}"
        raw = self.locust(users, run_s, plan, prefix)
        self.accounts.used(raw.get("counters", {}).get("fresh_taken", 0))
        row = self.summarise(users, raw, prefix)
        print(f" {row['rps']:.1f} req/s, p99 {row['p99_ms']:.0f} ms, {row['failures']} failed")
        self.rows.append(row)
        return row

    def plan(self, users: int, run_s: int) -> dict[str, Any]:
        """What journey_users.py needs: accounts for every journey that can start, answers."""
        modules = self.accounts.modules
        pauses = PAUSES_BESIDES_MODULES + PAUSES_PER_MODULE * len(modules)
        # After the resumed journey, each fresh one takes at least pauses x shortest thought.
        journeys_each = 1 + math.floor(run_s / (pauses * self.profile.think[0]))
        return {
            "modules": modules,
            "think": self.profile.think,
            "admin_wait": self.profile.admin_wait,
            "settle": self.profile.settle,
            "password": PASSWORD,
            "admin": {"email": ADMIN, "password": PASSWORD},
            "resume": self.accounts.resumed(users),
            "fresh": self.accounts.fresh(users * journeys_each),
            "server_pid": self.server_pid,
        }

    def locust(self, users: int, run_s: int, plan: dict[str, Any], prefix: Path) -> Any:
        """Run Locust headless on the client CPU; the figures journey_users.py wrote."""
        options = {
            "--users": users + 1,  # and the administrator
            "--spawn-rate": self.profile.spawn_rate,
            "--run-time": f"{run_s}s",
            "--host": self.url,
            "--stop-timeout": 0,
            "--csv": prefix,
            "--loglevel": "WARNING",
            "--exit-code-on-error": 0,  # failures are counted by journey_users.py
        }
        command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
                   "--reset-stats", "--only-summary"]  # fmt: skip
        command += [str(part) for pair in options.items() for part in pair]
        log = prefix.with_suffix(".log")
        with tempfile.TemporaryDirectory(prefix="innostudy-journey-") as tmp:
            plan_file, result_file = Path(tmp) / "plan.json", Path(tmp) / "result.json"
            plan_file.write_text(json.dumps(plan))
            env = {**os.environ, "JOURNEY_PLAN": str(plan_file), "JOURNEY_RESULT": str(result_file)}
            with log.open("w") as output:
                locust = subprocess.run(
                    pinned(self.client_cpu, command),
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    timeout=run_s + 600,
                    check=False,
                )
            if locust.returncode != 0 or not result_file.exists():
                sys.exit(f"\nlocust failed (exit {locust.returncode}):\n{log.read_text()[-3000:]}")
            return json.loads(result_file.read_text())

    def summarise(self, users: int, raw: dict[str, Any], prefix: Path) -> dict[str, Any]:
        for message, count in raw["failures"].items():
            self.failures[message] = self.failures.get(message, 0) + count
        self.examples += raw["examples"][: max(0, 20 - len(self.examples))]
        window = raw["window_s"]
        times: dict[str, list[float]] = raw.get("times", {})
        everything = sorted(t for values in times.values() for t in values)
        counters = raw.get("counters", {})
        requests = len(everything)
        failures = sum(raw["failures"].values())
        p99 = percentile(everything, 99)
        with prefix.with_name(prefix.name + "-endpoints.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["request", "count", "p50_ms", "p95_ms", "p99_ms", "max_ms"])
            for name, values in sorted(times.items()):
                ordered = sorted(values)
                writer.writerow(
                    [name, len(ordered)]
                    + [round(percentile(ordered, p), 1) for p in (50, 95, 99, 100)]
                )
        cpu_s = raw.get("server_cpu_s", 0.0) if requests else float("nan")
        return {
            "users": users,
            "window_s": round(window, 1),
            "requests": requests,
            "rps": round(requests / window, 2) if window else 0.0,
            "p50_ms": round(percentile(everything, 50), 1),
            "p95_ms": round(percentile(everything, 95), 1),
            "p99_ms": round(p99, 1),
            "max_ms": round(everything[-1], 1) if everything else float("nan"),
            "failures": failures,
            "journeys": counters.get("window_journeys", 0),
            "certificates": counters.get("window_certificates", 0),
            "rosters": counters.get("window_rosters", 0),
            "certificates_in_step": counters.get("certificates", 0),
            "cpu_us": round(cpu_s * 1e6 / requests) if requests else float("nan"),
            "server_cpu_pct": round(100 * cpu_s / window, 1) if window else 0.0,
            "locust_cpu_pct": round(100 * raw.get("locust_cpu_s", 0.0) / window, 1)
            if window
            else 0.0,
            "passed": bool(requests) and failures == 0 and p99 < self.profile.p99_ms,
        }


def search(step: Callable[[int], dict[str, Any]], profile: Profile) -> int | None:
    """Double the learners until a step misses the target, then bisect; the largest that met it."""
    good: int | None = None
    bad: int | None = None
    users = profile.start
    while users <= profile.max_users:
        if step(users)["passed"]:
            good, users = users, users * 2
        else:
            bad = users
            break
    while good is None and bad is not None and bad > 1:  # even the first step missed: go down
        users = bad // 2
        if step(users)["passed"]:
            good = users
        else:
            bad = users
    for _ in range(profile.bisect):
        if good is None or bad is None or bad - good <= 1:
            break
        users = (good + bad) // 2
        if step(users)["passed"]:
            good = users
        else:
            bad = users
    return good


def bench_database(
    kind: str, database_url: str, profile: Profile, seed: int, client_cpu: int
) -> tuple[int | None, Step]:
    print(f"== {kind}")
    with tempfile.TemporaryDirectory(prefix="innostudy-journey-") as data_dir:
        env = {
            **os.environ,
            "INNOSTUDY_DATABASE_URL": database_url,
            "INNOSTUDY_DATA_DIR": data_dir,
            "INNOSTUDY_CONTENT_DIR": str(CONTENT),
            "INNOSTUDY_SECRET_KEY": secrets.token_urlsafe(40),
        }
        cli(env, "db", "upgrade")
        cli(env, "content", "sync")
        options = "--role admin --municipality Asker --municipality-number 3203 --password-stdin"
        name = ["--name", "Benk Administrator"]
        cli(env, "users", "add", ADMIN, *name, *options.split(), stdin=PASSWORD + "\n")
        log = RESULTS / "journey" / f"{kind}-server.log"
        server, url = start_server(env, log)
        try:
            accounts = Accounts(url, course_modules(), random.Random(seed))
            accounts.check_answers()
            step = Step(kind, url, server.pid, accounts, profile, client_cpu)
            best = search(step, profile)
        finally:
            server.terminate()
            server.wait()
        errors = log.read_text(errors="replace").count("Traceback")
        if errors:
            step.failures[
                f"the server logged {errors} traceback(s): see {log.relative_to(ROOT)}"
            ] = errors
    return best, step


COLUMNS = (
    ("learners", "users", "{:d}"),
    ("requests", "requests", "{:d}"),
    ("req/s", "rps", "{:.1f}"),
    ("p50 ms", "p50_ms", "{:.0f}"),
    ("p95 ms", "p95_ms", "{:.0f}"),
    ("p99 ms", "p99_ms", "{:.0f}"),
    ("max ms", "max_ms", "{:.0f}"),
    ("failed", "failures", "{:d}"),
    ("journeys", "journeys", "{:d}"),
    ("PDFs", "certificates", "{:d}"),
    ("CPU µs/req", "cpu_us", "{:,.0f}"),
    ("server CPU", "server_cpu_pct", "{:.0f} %"),
    ("locust CPU", "locust_cpu_pct", "{:.0f} %"),
)


def print_table(kind: str, rows: list[dict[str, Any]], best: int | None, p99_ms: float) -> None:
    print(f"\n{kind}: one row per step; latencies over its steady-state window, failures over")
    print(f"the whole step (target: p99 < {p99_ms:.0f} ms, none failed)")
    widths = [max(len(title), 6) + 2 for title, _, _ in COLUMNS]
    print("".join(f"{title:>{w}}" for (title, _, _), w in zip(COLUMNS, widths, strict=True)))
    for row in sorted(rows, key=lambda r: r["users"]):
        cells = "".join(
            f"{fmt.format(row[key]):>{w}}" for (_, key, fmt), w in zip(COLUMNS, widths, strict=True)
        )
        verdict = "met" if row["passed"] else "missed"
        if row["locust_cpu_pct"] > 90:
            verdict += " (load generator saturated)"
        print(cells + "  " + verdict)
    print(f"{kind}: largest number of learners meeting the target: {best if best else 'none'}")
    with (RESULTS / f"journey-{kind}.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: r["users"]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="smoke run: short steps, 5 and 10")
    parser.add_argument("--duration", type=float, help="steady-state seconds per step (60)")
    parser.add_argument("--settle", type=float, help="seconds between spawning and measuring (5)")
    parser.add_argument("--spawn-rate", type=float, help="learners started per second (8)")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        metavar=("MIN", "MAX"),
        help="seconds a learner thinks between steps (1 3)",
    )
    parser.add_argument("--start", type=int, help="learners in the first step (10)")
    parser.add_argument("--max-users", type=int, help="stop doubling here (2560)")
    parser.add_argument("--bisect", type=int, help="bisection steps after doubling (3)")
    parser.add_argument("--p99-ms", type=float, help="target p99 latency (250)")
    parser.add_argument("--seed", type=int, default=1, help="for the prepared progress")
    args = parser.parse_args()
    chosen = {name: getattr(args, name, None) for name in Profile.__dataclass_fields__}
    overrides = {name: value for name, value in chosen.items() if value is not None}
    if "think" in overrides:
        overrides["think"] = tuple(overrides["think"])
    profile = dataclasses.replace(QUICK if args.quick else FULL, **overrides)

    cpus = sorted(os.sched_getaffinity(0))
    client_cpu = cpus[1] if len(cpus) > 1 else cpus[0]
    os.sched_setaffinity(0, {client_cpu})  # this script and Locust; the server gets CPU 0
    (RESULTS / "journey").mkdir(parents=True, exist_ok=True)
    databases: list[tuple[str, str | Callable[[], tuple[str, Callable[[], None]]]]] = []
    tmp = tempfile.TemporaryDirectory(prefix="innostudy-journey-db-")
    if args.db in ("sqlite", "both"):
        databases.append(("sqlite", f"sqlite:///{Path(tmp.name) / 'journey.db'}"))
    if args.db in ("postgres", "both"):
        server = postgres_server()
        if server is None:
            message = "no PostgreSQL server (set INNOSTUDY_BENCH_POSTGRES_URL)"
            if args.db == "postgres":
                sys.exit(message)
            print(f"== postgresql: {message}; skipped")
        else:
            databases.append(("postgresql", lambda: scratch_postgres(server)))

    results: dict[str, tuple[int | None, Step]] = {}
    try:
        for kind, target in databases:
            if isinstance(target, str):
                results[kind] = bench_database(kind, target, profile, args.seed, client_cpu)
                continue
            url, drop = target()
            try:
                results[kind] = bench_database(kind, url, profile, args.seed, client_cpu)
            finally:
                drop()
    finally:
        tmp.cleanup()

    failures: dict[str, int] = {}
    examples: list[str] = []
    for kind, (best, step) in results.items():
        print_table(kind, step.rows, best, profile.p99_ms)
        for message, count in step.failures.items():
            failures[f"{kind}: {message}"] = count
        examples += [f"{kind}: {e}" for e in step.examples]
    print(
        f"\nthink time {profile.think[0]:g}–{profile.think[1]:g} s; steps of "
        f"{profile.duration:g} s steady state; one uvicorn worker on CPU 0, Locust on CPU "
        f"{client_cpu}"
    )
    for kind, (best, step) in results.items():
        row = next((r for r in step.rows if r["users"] == best), None)
        figure = "none"
        if row:
            figure = (
                f"{best} learner{'s' if best != 1 else ''} ({row['rps']:.1f} req/s, p99 "
                f"{row['p99_ms']:.0f} ms, {row['cpu_us'] / 1000:.1f} ms server CPU per request)"
            )
        print(f"{kind}: {figure}")
    summary = {
        "profile": vars(profile),
        "databases": {k: {"best": b, "steps": s.rows} for k, (b, s) in results.items()},
        "failures": failures,
        "examples": examples,
    }
    (RESULTS / "journey.json").write_text(json.dumps(summary, indent=2) + "\n")
    certificates = sum(r["certificates_in_step"] for _, s in results.values() for r in s.rows)
    if failures:
        print("\nFAILED requests (the figures above do not count):", file=sys.stderr)
        for message, count in sorted(failures.items(), key=lambda item: -item[1]):
            print(f"  {count:>6}  {message}", file=sys.stderr)
        for example in examples:
            print(f"  e.g. {example}", file=sys.stderr)
        sys.exit(1)
    if results and not certificates:
        sys.exit("no learner reached the certificate in any step: steps too short?")


if __name__ == "__main__":
    main()
