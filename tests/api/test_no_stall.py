"""Mixed API and web-form load on a real server: nothing stalls and nothing fails.

A deadlock detector, not a speed test. 24 clients (half of them in the browser,
more than there are request slots) post quiz attempts and read marks over the API
and through the web forms (cookie session and CSRF field),
and read modules and pages, for a few seconds against uvicorn in a subprocess;
a separate client probes ``/healthz`` meanwhile. Before the fix the event loop
waited for a pooled connection held by threads that waited for the SQLite write
lock, whose holder needed a thread: requests took 30 s, failed with pool-timeout
500s, and ``/healthz`` went unanswered.
"""

from __future__ import annotations

import itertools
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from api.core.config import PROJECT_ROOT
from api.core.db import transaction
from api.data.models import QuizAttempt, Role
from api.services.contracts import UserCreate
from api.services.users import create_user, issue_token
from api.web.deps import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE
from course.models import Course, Module
from tests.api.helpers import correct_answers, wrong_answers
from tests.conftest import Databases

# More web clients than request slots (api.core.db.REQUEST_SLOTS): every slot can be
# held by a page at once, which is when a page that waited for a second turn stalled.
API_CLIENTS = 12
WEB_CLIENTS = 12
LOAD_SECONDS = 8.0
# Seconds: a probe or a request slower than this means the server is stuck (they take
# milliseconds when it is not, and a few hundred on a very busy machine).
PROBE_LIMIT = 5.0
REQUEST_LIMIT = 10.0
REQUEST_TIMEOUT = 60.0


@dataclass
class Tally:
    """What the clients saw: statuses per request kind, failures, and stored attempts."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    attempts_stored: int = 0
    slowest: float = 0.0

    def record(self, kind: str, response: httpx.Response, expected: int, taken: float) -> None:
        with self.lock:
            self.statuses[(kind, response.status_code)] += 1
            self.slowest = max(self.slowest, taken)
            if response.status_code != expected:
                self.failures.append(f"{kind}: {response.status_code} {response.text[:300]}")
            elif taken > REQUEST_LIMIT:
                self.failures.append(f"{kind}: answered after {taken:.1f} s")

    def error(self, kind: str, exc: Exception) -> None:
        with self.lock:
            self.failures.append(f"{kind}: {type(exc).__name__} {exc}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    engine: Engine
    process: subprocess.Popen[bytes]
    log: Path


@pytest.fixture
def server(databases: Databases, shipped_course: Course, tmp_path: Path) -> Iterator[Server]:
    """uvicorn in a subprocess on a fresh migrated database with the shipped course."""
    engine = databases.new_engine(shipped_course)
    port = _free_port()
    env = {
        **os.environ,
        "INNOSTUDY_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "INNOSTUDY_DATA_DIR": str(tmp_path),
        "INNOSTUDY_SECRET_KEY": secrets.token_urlsafe(40),
    }
    command = [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port),
               "--log-level", "warning", "--no-access-log"]  # fmt: skip
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/healthz", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"server did not start:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield Server(url, engine, process, log)
    finally:
        process.kill()  # a stuck server does not stop on SIGTERM
        process.wait(timeout=30)


def _learners(engine: Engine, count: int) -> list[str]:
    """``count`` learners and a login token for each (no password: no hashing cost)."""
    tokens = []
    with transaction(engine, write=True) as session:
        for number in range(count):
            user = create_user(
                session=session,
                data=UserCreate(
                    email=f"last{number}@asker.kommune.no",
                    full_name=f"Last Testesen {number}",
                    role=Role.LEARNER,
                    municipality="Asker",
                ),
            )
            tokens.append(issue_token(session=session, user=user, ttl=timedelta(hours=1)))
    return tokens


def _warm_up(url: str, token: str, modules: list[Module]) -> None:
    """Render every module and page once: the load is to wait for requests, not first renders."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, cookies={SESSION_COOKIE: token}, timeout=60) as http:
        for module in modules:
            http.get(f"/api/v1/modules/{module.slug}", headers=headers).raise_for_status()
        for path in ("/", f"/moduler/{modules[0].slug}", f"/moduler/{modules[0].slug}/quiz"):
            http.get(path).raise_for_status()


def _api_client(
    url: str, token: str, modules: list[Module], tally: Tally, running: threading.Event
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=REQUEST_TIMEOUT) as http:
        for number in itertools.count():
            if not running.is_set():
                return
            module = modules[number % len(modules)]
            base = f"/api/v1/modules/{module.slug}"
            answers = correct_answers(module) if number % 2 else wrong_answers(module)
            body = {"answers": answers}
            steps: list[tuple[str, Callable[[], httpx.Response], int]] = [
                ("api read", lambda: http.post(f"{base}/read"), 200),
                ("api attempt", lambda: http.post(f"{base}/attempts", json=body), 201),
                ("api module", lambda: http.get(base), 200),
            ]
            _run(steps, tally)


def _web_client(
    url: str, token: str, modules: list[Module], tally: Tally, running: threading.Event
) -> None:
    csrf = secrets.token_urlsafe(32)  # the double-submit pair a browser would hold
    cookies = {SESSION_COOKIE: token, CSRF_COOKIE: csrf}
    with httpx.Client(base_url=url, cookies=cookies, timeout=REQUEST_TIMEOUT) as http:
        for number in itertools.count():
            if not running.is_set():
                return
            module = modules[number % len(modules)]
            base = f"/moduler/{module.slug}"
            answers = correct_answers(module) if number % 2 else wrong_answers(module)
            form = {CSRF_FIELD: csrf, "revision": "1"}
            quiz = {**form, **{f"q-{q}": chosen for q, chosen in answers.items()}}
            steps: list[tuple[str, Callable[[], httpx.Response], int]] = [
                ("web read", lambda: http.post(f"{base}/lest", data=form), 303),
                ("web quiz", lambda: http.post(f"{base}/quiz", data=quiz), 303),
            ]
            if number % 2 == 0:  # now and then a page, as a learner reads between answers
                steps += [
                    ("web module page", lambda: http.get(base), 200),
                    ("web quiz page", lambda: http.get(f"{base}/quiz"), 200),
                    ("web dashboard", lambda: http.get("/"), 200),
                ]
            _run(steps, tally)


def _run(steps: list[tuple[str, Callable[[], httpx.Response], int]], tally: Tally) -> None:
    for kind, send, expected in steps:
        started = time.monotonic()
        try:
            response = send()
        except httpx.HTTPError as exc:
            tally.error(kind, exc)
            continue
        tally.record(kind, response, expected, time.monotonic() - started)
        if response.status_code == expected and kind in ("api attempt", "web quiz"):
            with tally.lock:
                tally.attempts_stored += 1


def _probe(url: str, busy: Callable[[], bool], slow: list[str], taken: list[float]) -> None:
    """``/healthz`` about ten times a second while any client is busy."""
    with httpx.Client(base_url=url, timeout=PROBE_LIMIT) as http:
        while busy():
            started = time.monotonic()
            try:
                response = http.get("/healthz")
                if response.status_code != 200:
                    slow.append(f"/healthz answered {response.status_code}")
            except httpx.HTTPError as exc:
                slow.append(f"/healthz: {type(exc).__name__} after {PROBE_LIMIT} s")
            taken.append(time.monotonic() - started)
            time.sleep(0.1)


def test_mixed_api_and_web_writers_never_stall_the_server(
    server: Server, shipped_course: Course
) -> None:
    modules = [m for m in shipped_course.modules if m.quiz is not None]
    tokens = _learners(server.engine, API_CLIENTS + WEB_CLIENTS)
    tally, running = Tally(), threading.Event()
    slow_probes: list[str] = []
    probe_times: list[float] = []
    running.set()
    clients = [
        threading.Thread(target=_api_client, args=(server.url, t, modules, tally, running))
        for t in tokens[:API_CLIENTS]
    ] + [
        threading.Thread(target=_web_client, args=(server.url, t, modules, tally, running))
        for t in tokens[API_CLIENTS:]
    ]
    prober = threading.Thread(
        target=_probe,
        args=(server.url, lambda: any(t.is_alive() for t in clients), slow_probes, probe_times),
    )
    _warm_up(server.url, tokens[0], modules)
    for thread in [*clients, prober]:
        thread.start()
    time.sleep(LOAD_SECONDS)
    running.clear()
    for thread in [*clients, prober]:
        thread.join(timeout=REQUEST_TIMEOUT + 10)
    stuck = [t for t in [*clients, prober] if t.is_alive()]

    def report() -> str:
        counts = ", ".join(f"{kind} {status}: {n}" for (kind, status), n in tally.statuses.items())
        problems = "\n".join([*slow_probes, *tally.failures][:20])
        slowest = f"slowest /healthz {max(probe_times, default=0):.2f} s"
        return f"{counts}\n{slowest}, request {tally.slowest:.2f} s\n{problems}"

    assert not stuck, f"{len(stuck)} clients still waiting for an answer\n{report()}"
    assert not slow_probes, report()
    assert not tally.failures, report()
    # Every kind of request was served, the web forms as well as the API.
    kinds = {kind for kind, _ in tally.statuses}
    assert len(kinds) == 8, report()
    assert len(probe_times) >= 3, report()
    with Session(server.engine) as session:
        stored = session.exec(select(func.count()).select_from(QuizAttempt)).one()
    assert stored == tally.attempts_stored  # every attempt answered as stored was stored
