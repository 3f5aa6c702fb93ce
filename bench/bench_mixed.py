"""Mixed load: learners on the API and on the web forms at once, and /healthz meanwhile.

    python bench/bench_mixed.py [--seconds 60] [--clients 64] [--web-clients N]
                                [--db sqlite|postgres|both]

One uvicorn worker (pinned to CPU 0) serves a scratch database per kind (an
SQLite file; a PostgreSQL database created on INNOSTUDY_BENCH_POSTGRES_URL, or
the local server, and dropped afterwards) with the shipped course. wrk (pinned
to CPU 1) runs ``--clients`` clients, one connection and one learner each, that
send one request at a time, in two phases on the same server:

- ``api only``: every client reads a module, marks it read and posts a quiz
  attempt over the API (``/api/v1/modules/...``, bearer token);
- ``mixed``: the same, except ``--web-clients`` of them (default: one in eight)
  use the web pages as a browser would (cookie session, CSRF field): module page,
  "mark as read" form, quiz page, quiz form, each form followed by its redirect.

Meanwhile this process (on CPU 1 too) asks ``/healthz`` about ten times a second.
Reported per phase: requests/s, p50/p99 latency, 5xx and other failures, the
/healthz p99 and slowest, and the server process's CPU time per request (which,
unlike requests/s, hardly moves when other work shares the machine; PostgreSQL's
own processes are not counted). The ratio is mixed over API-only requests/s
(target >= 0.8): web requests cost more than API ones, but they must not make
the server wait. Results go to bench/results/mixed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_api import cpu_seconds, pinned, start_server  # noqa: E402

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
RATIO_TARGET = 0.8
HEALTH_P99_TARGET_MS = 100.0

# Each wrk thread is one client with one connection: its globals are that client's state.
LUA = r"""
local data = DATA
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local client = data.clients[id]
  web = client.web
  step, module, pending = 0, (id % #data.modules) + 1, nil
  failed, server_errors, api_requests, web_requests = 0, 0, 0, 0
  local csrf = "benk" .. id .. string.rep("x", 24)
  if web then
    local cookie = "innostudy_session=" .. client.token .. "; innostudy_csrf=" .. csrf
    get_headers = {["Cookie"] = cookie, ["Accept-Encoding"] = "gzip"}
    post_headers = {["Cookie"] = cookie, ["Content-Type"] = "application/x-www-form-urlencoded"}
    csrf_field = "csrf_token=" .. csrf
  else
    local bearer = "Bearer " .. client.token
    get_headers = {["Authorization"] = bearer, ["Accept-Encoding"] = "gzip"}
    post_headers = {["Authorization"] = bearer, ["Content-Type"] = "application/json"}
  end
end

local function web_request(m)
  local base = "/moduler/" .. m.slug
  local k = step % 4
  if k == 1 then return wrk.format("GET", base, get_headers) end
  if k == 2 then return wrk.format("POST", base .. "/lest", post_headers, csrf_field) end
  if k == 3 then return wrk.format("GET", base .. "/quiz", get_headers) end
  module = module % #data.modules + 1
  local body = csrf_field .. "&" .. m.form
  return wrk.format("POST", base .. "/quiz", post_headers, body)
end

local function api_request(m)
  local base = "/api/v1/modules/" .. m.slug
  local k = step % 3
  if k == 1 then return wrk.format("GET", base, get_headers) end
  if k == 2 then return wrk.format("POST", base .. "/read", post_headers) end
  module = module % #data.modules + 1
  return wrk.format("POST", base .. "/attempts", post_headers, m.json)
end

function request()
  if pending then  -- the page a form redirects to, as a browser fetches it
    local path = pending
    pending = nil
    web_requests = web_requests + 1
    return wrk.format("GET", path, get_headers)
  end
  step = step + 1
  local m = data.modules[module]
  if web then
    web_requests = web_requests + 1
    return web_request(m)
  end
  api_requests = api_requests + 1
  return api_request(m)
end

function response(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
  if status >= 400 then failed = failed + 1 end
  if status == 303 then
    local location = headers["Location"] or headers["location"]
    if location then pending = string.gsub(location, "#.*$", "") end
  end
end

function done(summary, latency, requests)
  local totals = {failed = 0, server_errors = 0, api_requests = 0, web_requests = 0}
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + thread:get(key) end
  end
  local errors = summary.errors
  io.write(string.format(
    "MIXED requests=%d seconds=%f p50=%f p99=%f max=%f failed=%d server_errors=%d " ..
    "api=%d web=%d timeouts=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, totals.failed, totals.server_errors,
    totals.api_requests, totals.web_requests, errors.timeout,
    errors.connect + errors.read + errors.write))
end
"""


def lua_value(value: Any) -> str:
    """``value`` (dicts, lists, strings, numbers, booleans) as a Lua literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a valid Lua string literal too
    if isinstance(value, list):
        return "{" + ", ".join(lua_value(item) for item in value) + "}"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"[{json.dumps(k)}] = {lua_value(v)}" for k, v in value.items()) + "}"


def prepare(url: str, clients: int) -> tuple[list[str], list[dict[str, str]]]:
    """Migrate ``url``, import the shipped course, and make a learner with a token per client."""
    from api.core.config import SHIPPED_CONTENT
    from api.core.db import make_engine, transaction
    from api.data import migrate
    from api.data.models import Role
    from api.services.content import sync_content
    from api.services.contracts import UserCreate
    from api.services.users import create_user, issue_token
    from course.loader import load_course

    course = load_course(SHIPPED_CONTENT).course
    assert course is not None
    engine = make_engine(url)
    migrate.upgrade(engine)
    tokens = []
    with transaction(engine, write=True) as session:
        sync_content(session=session, course=course)
        for number in range(clients):
            user = create_user(session=session, data=UserCreate(
                email=f"benk{number}@asker.kommune.no", full_name=f"Benk Testesen {number}",
                role=Role.LEARNER, municipality="Asker"))  # fmt: skip
            tokens.append(issue_token(session=session, user=user, ttl=timedelta(hours=4)))
    engine.dispose()
    modules = []
    for module in course.modules:
        if module.quiz is None:
            continue
        answers = {q.id: sorted(q.correct_option_ids) for q in module.quiz.questions}
        chosen = [(f"q-{q}", option) for q, options in answers.items() for option in options]
        form = [("revision", "1"), *chosen]
        modules.append({
            "slug": module.slug,
            "json": json.dumps({"answers": answers}),
            "form": urlencode(form),
        })  # fmt: skip
    return tokens, modules


def warm_up(url: str, token: str, modules: list[dict[str, str]]) -> None:
    """Render every module and page once: first renders are not what this measures."""
    api = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, cookies={"innostudy_session": token}, timeout=60) as http:
        for module in modules:
            http.get(f"/api/v1/modules/{module['slug']}", headers=api).raise_for_status()
            http.get(f"/moduler/{module['slug']}").raise_for_status()
            http.get(f"/moduler/{module['slug']}/quiz").raise_for_status()
        http.get("/").raise_for_status()


class HealthProbe:
    """``/healthz`` about ten times a second, in a thread, while a phase runs.

    Its connection is open before the load starts, as a monitor's would be: opened
    at the same moment as wrk's 64 threads start on the same CPU, its first answer
    took up to 0.8 s, and that measured the client's start, not the server.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.times: list[float] = []
        self.failures = 0
        self.running = threading.Event()
        self.connected = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as http:
            http.get("/healthz")  # connect (not counted)
            self.connected.set()
            while self.running.is_set():
                started = time.perf_counter()
                try:
                    if http.get("/healthz").status_code != 200:
                        self.failures += 1
                except httpx.HTTPError:
                    self.failures += 1
                self.times.append((time.perf_counter() - started) * 1000)
                time.sleep(max(0.0, 0.1 - (time.perf_counter() - started)))

    def __enter__(self) -> HealthProbe:
        self.running.set()
        self.thread.start()
        self.connected.wait(timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        self.running.clear()
        self.thread.join()

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.times) or [0.0]
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return {"health_p99_ms": p99, "health_max_ms": ordered[-1],
                "health_probes": len(self.times), "health_failures": self.failures}  # fmt: skip


def run_phase(
    server: subprocess.Popen[bytes], url: str, script: str, *, seconds: int, clients: int
) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    command = ["wrk", f"-t{clients}", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s",
               "-s", lua.name, url]  # fmt: skip
    before = cpu_seconds(server.pid)
    with HealthProbe(url) as probe:
        output = subprocess.run(pinned(1, command), capture_output=True, text=True, check=True)
    after = cpu_seconds(server.pid)
    os.unlink(lua.name)
    match = re.search(r"^MIXED (.*)$", output.stdout, re.MULTILINE)
    assert match, output.stdout + output.stderr
    figures = {k: float(v) for k, v in (pair.split("=") for pair in match.group(1).split())}
    result = {
        "rps": figures["requests"] / figures["seconds"],
        "p50_ms": figures["p50"],
        "p99_ms": figures["p99"],
        "max_ms": figures["max"],
        "server_errors": figures["server_errors"],
        "failed": figures["failed"] + figures["timeouts"] + figures["socket_errors"],
        "api_requests": figures["api"],
        "web_requests": figures["web"],
        **probe.summary(),
    }
    if before is not None and after is not None:
        result["cpu_us"] = (after - before) * 1e6 / max(1.0, figures["requests"])
    return result


def script_for(tokens: list[str], modules: list[dict[str, str]], web_clients: int) -> str:
    # Web clients spread evenly among the others (every k-th client).
    every = len(tokens) // web_clients if web_clients else 0
    clients = [
        {"token": token, "web": bool(every) and n % every == 0 and n // every < web_clients}
        for n, token in enumerate(tokens)
    ]
    return LUA.replace("DATA", lua_value({"clients": clients, "modules": modules}), 1)


def bench_database(kind: str, url: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    print(f"== {kind}: {args.clients} clients, {args.seconds} s per phase", flush=True)
    tokens, modules = prepare(url, args.clients)
    env = {**os.environ, "INNOSTUDY_DATABASE_URL": url, "INNOSTUDY_DATA_DIR": str(tmp),
           "INNOSTUDY_SECRET_KEY": secrets.token_urlsafe(40)}  # fmt: skip
    server, base = start_server("api.main:app", env)
    try:
        warm_up(base, tokens[0], modules)
        load = {"seconds": args.seconds, "clients": args.clients}
        phases = {
            "api only": run_phase(server, base, script_for(tokens, modules, 0), **load),
            "mixed": run_phase(server, base, script_for(tokens, modules, args.web_clients), **load),
        }
    finally:
        server.terminate()
        server.wait()
    phases["mixed"]["ratio"] = phases["mixed"]["rps"] / phases["api only"]["rps"]
    return phases


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


def print_table(results: dict[str, dict[str, dict[str, Any]]]) -> None:
    print(f"\n{'database':<12}{'phase':<10}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'5xx':>6}"
          f"{'failed':>8}{'web %':>7}{'CPU µs':>8}{'health p99':>12}{'max':>8}  ratio")  # fmt: skip
    for kind, phases in results.items():
        for phase, r in phases.items():
            total = r["api_requests"] + r["web_requests"]
            web = 100 * r["web_requests"] / total if total else 0.0
            cpu = f"{r['cpu_us']:.0f}" if "cpu_us" in r else "n/a"
            ratio = f"{r['ratio']:.2f} (target ≥{RATIO_TARGET})" if "ratio" in r else ""
            print(f"{kind:<12}{phase:<10}{r['rps']:>8.0f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
                  f"{r['server_errors']:>6.0f}{r['failed']:>8.0f}{web:>6.0f}%{cpu:>8}"
                  f"{r['health_p99_ms']:>10.1f}ms{r['health_max_ms']:>6.0f}ms  {ratio}"
                  )  # fmt: skip
    print(f"(/healthz target: p99 < {HEALTH_P99_TARGET_MS:.0f} ms; 5xx and failed must be 0)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=60, help="length of each phase")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--web-clients", type=int, help="clients on the web pages (clients/8)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args, _ = parser.parse_known_args()  # scripts/bench passes every benchmark's options
    if args.web_clients is None:
        args.web_clients = max(1, args.clients // 8)
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk (scripts/bench installs it)")
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})  # the probe beside wrk, away from the server's CPU 0

    results: dict[str, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="innostudy-bench-") as directory:
        tmp = Path(directory)
        if args.db in ("sqlite", "both"):
            url = f"sqlite:///{tmp / 'mixed.db'}"
            results["sqlite"] = bench_database("sqlite", url, args, tmp)
        if args.db in ("postgres", "both"):
            server = postgres_server()
            if server is None:
                print("== postgresql: no server (set INNOSTUDY_BENCH_POSTGRES_URL); skipped")
            else:
                url, drop = scratch_postgres(server)
                try:
                    results["postgresql"] = bench_database("postgresql", url, args, tmp)
                finally:
                    drop()
    print_table(results)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    settings = {"seconds": args.seconds, "clients": args.clients, "web_clients": args.web_clients}
    (out / "mixed.json").write_text(json.dumps({**settings, "results": results}, indent=2) + "\n")
    print(f"(saved to {(out / 'mixed.json').relative_to(ROOT)})")


if __name__ == "__main__":
    main()
