"""Browser tests: a live server on a fresh database, Debian's Chromium, and axe-core.

Chromium comes from Debian (``scripts/test-deps.sh`` installs it with apt-get);
Playwright never downloads a browser here. axe-core comes from the npm registry,
installed on first use under ``.cache/npm`` (git-ignored).
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from api.core.config import PROJECT_ROOT, Settings
from api.core.db import make_engine
from api.data import migrate
from api.services.content import sync_content
from api.services.worker import Worker
from course.models import Course
from tests.conftest import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NPM_PREFIX = PROJECT_ROOT / ".cache" / "npm"
AXE_PACKAGE = "axe-core@4"
AXE_SCRIPT = NPM_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed from the npm registry when missing (once, across workers)."""
    NPM_PREFIX.mkdir(parents=True, exist_ok=True)
    with (NPM_PREFIX / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not AXE_SCRIPT.exists():
            npm = shutil.which("npm")
            if npm is None:
                pytest.fail("npm is needed to install axe-core for the browser tests")
            subprocess.run(
                [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix",
                 str(NPM_PREFIX), AXE_PACKAGE],
                check=True, capture_output=True, timeout=300,
            )  # fmt: skip
    return AXE_SCRIPT.read_text()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/test-deps.sh (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_web_engine(directory: Path, course: Course) -> Engine:
    """A fresh, migrated SQLite database with the shipped course."""
    engine = make_engine(f"sqlite:///{directory / 'web.db'}")
    migrate.upgrade(engine)
    with Session(engine) as session:
        sync_content(session=session, course=course)
        session.commit()
    return engine


class WebSite:
    """The app served by a real uvicorn on a loopback port, and its database."""

    def __init__(self, app: FastAPI, engine: Engine, server: LiveServer) -> None:
        self.app = app
        self.engine = engine
        self.server = server
        self.url = server.url


def web_settings(directory: Path, base_url: str = "http://127.0.0.1") -> Settings:
    return Settings(data_dir=directory, secret_key="w" * 40, base_url=base_url)


def _serve(directory: Path, engine: Engine) -> Iterator[WebSite]:
    app = create_app(web_settings(directory), engine=engine)
    with LiveServer(app) as server:
        app.state.settings = app.state.settings.model_copy(update={"base_url": server.url})
        yield WebSite(app, engine, server)


@pytest.fixture
def engine(tmp_path: Path, shipped_course: Course) -> Iterator[Engine]:
    """A database of its own, for page tests over plain HTTP that change data."""
    engine = new_web_engine(tmp_path, shipped_course)
    yield engine
    engine.dispose()


@pytest.fixture
def client(tmp_path: Path, engine: Engine) -> Iterator[TestClient]:
    """The web pages over plain HTTP (through the ASGI app), on ``engine``."""
    app = create_app(web_settings(tmp_path), engine=engine)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def web_engine(
    tmp_path_factory: pytest.TempPathFactory, shipped_course: Course
) -> Iterator[Engine]:
    """One database for tests that only add users and their progress."""
    engine = new_web_engine(tmp_path_factory.mktemp("web"), shipped_course)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, web_engine: Engine) -> Iterator[WebSite]:
    """One server on ``web_engine``."""
    yield from _serve(tmp_path_factory.mktemp("web-site"), web_engine)


@pytest.fixture
def own_site(tmp_path: Path, shipped_course: Course) -> Iterator[WebSite]:
    """A server and database of its own, for a test that changes the course content."""
    engine = new_web_engine(tmp_path, shipped_course)
    yield from _serve(tmp_path, engine)
    engine.dispose()


class JobWorker:
    """A job worker beside a test server, as ``innostudy serve`` runs one in its process.

    It starts when the test says so, so that a page can be seen while its job still waits.
    Its lease is short, so that its heartbeat passes a cancellation on within a second.
    """

    def __init__(self, site: WebSite) -> None:
        settings = site.app.state.settings.model_copy(update={"job_lease_seconds": 3.0})
        self.worker = Worker(site.engine, settings, schedules=())
        self.started = False

    def start(self) -> None:
        self.worker.start()
        self.started = True

    def stop(self) -> None:
        if self.started:
            self.worker.stop(timeout=10)
            self.started = False


@pytest.fixture
def job_worker(own_site: WebSite) -> Iterator[JobWorker]:
    """A worker for ``own_site``'s jobs, stopped (letting its running job end) after the test."""
    worker = JobWorker(own_site)
    yield worker
    worker.stop()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=DESKTOP, locale="nb-NO", accept_downloads=True)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails the test if the browser reports a Content-Security-Policy violation."""
    page = context.new_page()
    page.set_default_timeout(10_000)
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    yield page
    assert not violations, "CSP violations:\n" + "\n".join(violations)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact (test-artifacts/ is git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page, axe_source: str) -> list[dict[str, object]]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)  # through DevTools, so the page's CSP does not apply
    results = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            resultTypes: ["violations"],
        })"""
    )
    return [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]


def describe_violations(violations: list[dict[str, object]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        nodes = violation.get("nodes")
        for node in nodes if isinstance(nodes, list) else []:
            lines.append(f"    {json.dumps(node.get('target'))}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


def check_page(page: Page, axe_source: str, name: str) -> None:
    """Screenshot the page and assert axe finds no serious or critical violations."""
    screenshot(page, name)
    violations = axe_violations(page, axe_source)
    assert not violations, f"axe on {name} ({page.url}):\n{describe_violations(violations)}"


def check_page_at_both_widths(page: Page, axe_source: str, name: str) -> None:
    """``check_page`` at desktop width and at a 375 px phone width."""
    page.set_viewport_size(DESKTOP)
    check_page(page, axe_source, name)
    page.set_viewport_size(PHONE)
    check_page(page, axe_source, f"{name}-mobil")
    page.set_viewport_size(DESKTOP)
