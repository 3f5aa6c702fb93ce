"""Locust users for ``bench/bench_journey.py``: learners going through the course's web pages
as a browser does (forms, cookies, the CSRF field, redirects followed one by one), and one
administrator downloading the roster now and then.

Not meant to be run on its own: bench_journey.py writes the plan (accounts, the right and wrong
answers taken from the course source, think time) to the file named by ``JOURNEY_PLAN`` and reads
the figures of the steady-state window back from ``JOURNEY_RESULT``.

A learner's journey: the login page, log in (on to the dashboard), then for each module from
where the account stands: the module text, "mark as read", the quiz, a wrong try, the quiz again,
a right try; once every required module is done the certificate page, issue it, download the PDF;
log out. Between two steps the learner thinks (``PLAN["think"]`` seconds, uniformly); redirects
are followed at once, as a browser does. Then the next learner (a fresh account) starts.

Every step checks the status (and where a redirect goes, and that the PDF is a PDF); anything else
is recorded as a failure, ends that journey, and makes bench_journey.py exit non-zero.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

PLAN: dict[str, Any] = json.loads(Path(os.environ["JOURNEY_PLAN"]).read_text())
MODULES: list[dict[str, Any]] = PLAN["modules"]
REQUIRED = frozenset(m["slug"] for m in MODULES if m["required"]) or frozenset(
    m["slug"] for m in MODULES
)
_FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_REVISION = re.compile(r'name="revision" value="(\d+)"')
_CSV_BOM = b"\xef\xbb\xbf"


class JourneyFailed(Exception):
    """A step answered what a browser would not expect; it is already recorded as a failure."""


def _cpu_seconds(pid: int | str) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Recorder:
    """Response times in the steady-state window; failures, accounts and journeys over the run."""

    def __init__(self) -> None:
        self.window: list[float] = []  # start, end (perf_counter)
        self.cpu: dict[str, list[float]] = {"server": [], "locust": []}
        self.times: dict[str, list[float]] = defaultdict(list)
        self.failures: dict[str, int] = defaultdict(int)
        self.examples: list[str] = []
        self.counters: dict[str, int] = defaultdict(int)
        self.resume = iter(PLAN["resume"])
        self.fresh = iter(PLAN["fresh"])

    @property
    def open(self) -> bool:
        return len(self.window) == 1

    def mark(self) -> None:
        """Open the window, then close it: time and CPU of the server and of this process."""
        self.window.append(time.perf_counter())
        self.cpu["server"].append(_cpu_seconds(PLAN["server_pid"]))
        self.cpu["locust"].append(_cpu_seconds("self"))

    def fail(self, message: str) -> None:
        self.failures[message] += 1

    def count(self, name: str) -> None:
        """Over the whole step, and in the window as ``window_<name>``."""
        self.counters[name] += 1
        if self.open:
            self.counters[f"window_{name}"] += 1

    def example(self, text: str) -> None:
        if len(self.examples) < 20:
            self.examples.append(text)

    def account(self, *, first: bool) -> tuple[str, int]:
        """The first journey of a user resumes a prepared account; later ones start afresh."""
        try:
            if first:
                entry = next(self.resume)
                self.counters["resumed"] += 1
                return entry["email"], entry["done"]
            self.counters["fresh_taken"] += 1
            return next(self.fresh), 0
        except StopIteration:
            self.fail("account pool exhausted (bench_journey.py sized it too small)")
            raise StopUser() from None

    def result(self) -> dict[str, Any]:
        if len(self.window) == 1:
            self.mark()
        if len(self.window) < 2:
            return {"window_s": 0, "failures": dict(self.failures), "examples": self.examples}
        span = self.window[1] - self.window[0]
        return {
            "window_s": span,
            "server_cpu_s": self.cpu["server"][1] - self.cpu["server"][0],
            "locust_cpu_s": self.cpu["locust"][1] - self.cpu["locust"][0],
            "times": self.times,
            "failures": dict(self.failures),
            "examples": self.examples,
            "counters": dict(self.counters),
        }


RECORDER = Recorder()


@events.spawning_complete.add_listener
def _spawned(user_count: int, **_: Any) -> None:
    gevent.spawn_later(PLAN["settle"], RECORDER.mark)


@events.request.add_listener
def _request(
    request_type: str, name: str, response_time: float, exception: Exception | None, **_: Any
) -> None:
    if exception is not None:
        RECORDER.fail(f"{request_type} {name}: {exception}")
    elif RECORDER.open:
        RECORDER.times[f"{request_type} {name}"].append(response_time)


@events.test_stop.add_listener
def _stopped(**_: Any) -> None:
    Path(os.environ["JOURNEY_RESULT"]).write_text(json.dumps(RECORDER.result()))


def think() -> None:
    gevent.sleep(random.uniform(*PLAN["think"]))


class Browser(FastHttpUser):
    """Pages, forms and redirects the way a browser handles them, each step checked."""

    abstract = True

    def send(
        self,
        method: str,
        path: str,
        *,
        name: str,
        expect: int = 200,
        form: list[tuple[str, str]] | None = None,
        location: str | None = None,
        check: Any = None,
    ) -> Any:
        """One request; anything but ``expect`` (or a redirect elsewhere) is a failure."""
        extra: dict[str, Any] = {}
        if form is not None:
            extra = {"data": urlencode(form), "headers": _FORM_HEADERS}
        with self.client.request(
            method, path, name=name, allow_redirects=False, catch_response=True, **extra
        ) as response:
            problem = None
            if response.status_code != expect:
                problem = f"status {response.status_code}, expected {expect}"
            elif location is not None and not re.fullmatch(
                location, response.headers.get("location") or ""
            ):
                problem = f"redirect to {response.headers.get('location')!r}, not {location!r}"
            elif check is not None:
                problem = check(response)
            if problem:
                response.failure(problem)
                body = ""
                if response.status_code != expect and response.content:
                    body = ": " + response.content[:300].decode(errors="replace").replace("\n", " ")
                RECORDER.example(f"{method} {path}: {problem}{body}")
            else:
                response.success()
        if problem:
            raise JourneyFailed(problem)
        return response

    def page(self, path: str, name: str) -> str:
        return str(self.send("GET", path, name=name).text)

    def submit(
        self,
        path: str,
        page: str,
        fields: list[tuple[str, str]],
        *,
        name: str,
        location: str,
        follow: str,
    ) -> str:
        """Post a form from ``page`` (with its CSRF field), then load the page it redirects to."""
        token = _CSRF.search(page)
        if token is None:
            RECORDER.fail(f"{name}: no csrf_token field in the page before it")
            raise JourneyFailed(name)
        form = [("csrf_token", token.group(1)), *fields]
        response = self.send("POST", path, name=name, expect=303, form=form, location=location)
        target = urlsplit(response.headers["location"])
        return self.page(target.path + (f"?{target.query}" if target.query else ""), follow)

    def log_in(self, email: str, password: str, next_path: str, follow: str) -> str:
        query = "" if next_path == "/" else f"?neste={next_path}"
        login = self.page(f"/logg-inn{query}", "/logg-inn")
        think()
        fields = [("neste", next_path), ("epost", email), ("passord", password)]
        return self.submit(
            "/logg-inn",
            login,
            fields,
            name="/logg-inn",
            location=re.escape(next_path),
            follow=follow,
        )


def _pdf(response: Any) -> str | None:
    if not response.content.startswith(b"%PDF-"):
        return "the certificate is not a PDF"
    if "application/pdf" not in (response.headers.get("content-type") or ""):
        return f"certificate served as {response.headers.get('content-type')!r}"
    return None


def _csv(response: Any) -> str | None:
    if "text/csv" not in (response.headers.get("content-type") or ""):
        return f"roster served as {response.headers.get('content-type')!r}"
    if not response.content.startswith(_CSV_BOM) or response.content.count(b"\n") < 2:
        return "the roster is not a CSV with a header and rows"
    return None


class Learner(Browser):
    wait_time = between(*PLAN["think"])  # between one learner's logout and the next one's login

    def on_start(self) -> None:
        self.first = True

    @task
    def journey(self) -> None:
        email, done = RECORDER.account(first=self.first)
        self.first = False
        try:
            self.walk(email, done)
        except JourneyFailed:
            pass  # recorded; the next learner starts from a clean browser
        finally:
            self.client.cookiejar.clear()

    def walk(self, email: str, done: int) -> None:
        page = self.log_in(email, PLAN["password"], "/", "/")
        left = set(REQUIRED) - {m["slug"] for m in MODULES[:done]}
        for module in MODULES[done:]:
            think()
            page = self.study(module)
            if module["slug"] in left:
                left.discard(module["slug"])
                if not left:  # the last required module: on to the certificate
                    think()
                    page = self.certificate()
        think()
        self.submit(
            "/logg-ut",
            page,
            [],
            name="/logg-ut",
            location=re.escape("/logg-inn?utlogget=1"),
            follow="/logg-inn?utlogget=1",
        )
        RECORDER.count("journeys")

    def study(self, module: dict[str, Any]) -> str:
        slug = module["slug"]
        text = self.page(f"/moduler/{slug}", "/moduler/[slug]")
        think()
        self.submit(
            f"/moduler/{slug}/lest",
            text,
            [],
            name="/moduler/[slug]/lest",
            location=re.escape(f"/moduler/{slug}?lest=1#status"),
            follow="/moduler/[slug]?lest=1",
        )
        page = text
        for answers in (module["wrong"], module["right"]):
            think()
            quiz = self.page(f"/moduler/{slug}/quiz", "/moduler/[slug]/quiz")
            think()
            revision = _REVISION.search(quiz)
            fields = [("revision", revision.group(1) if revision else "")]
            fields += [(f"q-{q}", option) for q, options in answers.items() for option in options]
            page = self.submit(
                f"/moduler/{slug}/quiz",
                quiz,
                fields,
                name="/moduler/[slug]/quiz",
                location=re.escape(f"/moduler/{slug}/forsok/") + r"\d+",
                follow="/moduler/[slug]/forsok/[id]",
            )
        return page

    def certificate(self) -> str:
        page = self.page("/kursbevis", "/kursbevis")
        if 'action="/kursbevis"' in page:
            think()
            page = self.submit(
                "/kursbevis",
                page,
                [],
                name="/kursbevis",
                location="/kursbevis",
                follow="/kursbevis",
            )
        think()
        self.send("GET", "/kursbevis.pdf", name="/kursbevis.pdf", check=_pdf)
        RECORDER.count("certificates")
        return page


class Administrator(Browser):
    fixed_count = 1  # spawned first; the learners are the rest
    wait_time = between(*PLAN["admin_wait"])

    def on_start(self) -> None:
        admin = PLAN["admin"]
        try:
            landing = "/admin/kursliste"
            self.log_in(admin["email"], admin["password"], landing, landing)
        except JourneyFailed:
            raise StopUser() from None

    @task
    def roster(self) -> None:
        try:
            self.page("/admin/kursliste", "/admin/kursliste")
            think()
            self.send("GET", "/admin/kursliste.csv", name="/admin/kursliste.csv", check=_csv)
            RECORDER.count("rosters")
        except JourneyFailed:
            pass
