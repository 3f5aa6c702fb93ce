"""SCORM packages in a real SCORM runtime: scorm-again, in Debian's Chromium.

A test LMS page (``fixtures/scorm-launcher.html``) puts scorm-again's API object on
its window and opens the package's launch page in an iframe, as an LMS does; the
tests read a module, answer its quiz, leave, and check what the LMS received.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import threading
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from playwright.sync_api import Browser, FrameLocator, Page

from course.models import Course, Module
from course.scorm import ScormVersion
from tests.scorm_support import package, scorm_modules
from tests.web.conftest import DESKTOP, PHONE, axe_violations, describe_violations

pytestmark = pytest.mark.browser
LAUNCHER = Path(__file__).parent / "fixtures" / "scorm-launcher.html"
MODULE = "samskaping"
WORKSHEET_MODULE = "innovasjonsprosessen"  # a choice, a table and a date in its workbook
SESSION_TIME_12 = re.compile(r"^\d{4}:\d{2}:\d{2}\.\d{2}$")
SESSION_TIME_2004 = re.compile(r"^PT(?=\d)(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?$")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class PackageServer:
    """Unpacked packages and the test LMS page, served over HTTP on a loopback port."""

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copyfile(LAUNCHER, root / "launcher.html")
        runtime = scorm_modules() / "scorm-again" / "dist" / "scorm-again.min.js"
        shutil.copyfile(runtime, root / "scorm-again.min.js")
        handler = functools.partial(_Quiet, directory=str(root))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.count = 0

    def add(self, data: bytes) -> str:
        """Unpack a package beside the launcher; returns its folder's name."""
        self.count += 1
        name = f"pakke{self.count}"
        with zipfile.ZipFile(BytesIO(data)) as archive:
            archive.extractall(self.root / name)
        return name

    def launch_href(self, name: str) -> str:
        """What an importer launches: the first resource's ``href``."""
        root = ET.parse(self.root / name / "imsmanifest.xml").getroot()
        first = next(e for e in root.iter() if e.tag.endswith("}resource"))
        return f"{name}/{first.attrib['href']}"


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PackageServer]:
    server = PackageServer(tmp_path_factory.mktemp("scorm"))
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


class Session:
    """One launch of a SCO under the test LMS."""

    def __init__(self, page: Page, version: ScormVersion) -> None:
        self.page = page
        self.version = version
        self.sco: FrameLocator = page.frame_locator("iframe")

    def calls(self) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = self.page.evaluate("() => window.lms.calls")
        return calls

    def commits(self) -> int:
        commits: int = self.page.evaluate("() => window.lms.commits")
        return commits

    def sent(self) -> dict[str, str]:
        """The last value the SCO set for each element."""
        setter = "LMSSetValue" if self.version is ScormVersion.V1_2 else "SetValue"
        return {c["element"]: c["value"] for c in self.calls() if c["name"] == setter}

    def leave(self) -> None:
        """Navigate the SCO's frame away, as an LMS does when the learner leaves the module."""
        self.page.evaluate("() => { document.querySelector('iframe').src = 'about:blank'; }")
        self.page.wait_for_function("() => window.lms.finished")

    def answer(self, module: Module, *, wrong: frozenset[int] = frozenset()) -> None:
        """Choose the right options of every question, but a wrong one for the questions
        ``wrong`` (0-based)."""
        assert module.quiz is not None
        for index, question in enumerate(module.quiz.questions):
            fieldset = self.sco.locator(f"#q-{question.id}")
            fieldset.locator("input:checked").evaluate_all(
                "inputs => inputs.forEach(i => { i.checked = false; })"
            )
            if index in wrong:
                chosen = [next(o.id for o in question.options if not o.correct)]
            else:
                chosen = sorted(question.correct_option_ids)
            for option in chosen:
                fieldset.locator(f"#q-{question.id}-{option}").check()


def failing(module: Module) -> frozenset[int]:
    """The fewest questions (the first ones) to get wrong to fail the quiz."""
    assert module.quiz is not None
    total = len(module.quiz.questions)
    mark = module.quiz.pass_fraction
    right = next(r for r in range(total, -1, -1) if r * mark.denominator < mark.numerator * total)
    return frozenset(range(total - right))


def launch(
    page: Page, packages: PackageServer, name: str, version: ScormVersion, **extra: str
) -> Session:
    query = urlencode({"version": version.value, "launch": packages.launch_href(name), **extra})
    page.goto(f"{packages.url}/launcher.html?{query}")
    session = Session(page, version)
    session.sco.locator("#mark-read").wait_for()
    page.wait_for_function("() => window.lms.calls.length > 0")
    return session


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def no_errors(session: Session) -> None:
    failed = [c for c in session.calls() if c["error"] != "0" or c["result"] == "false"]
    # GetValue on an element the LMS has no value for yet answers "" with error 0 (or 403
    # "not initialized" in 2004 for suspend_data on a first launch): only setters must succeed.
    failed = [c for c in failed if "GetValue" not in c["name"]]
    assert not failed, failed


def test_scorm_12_module_read_failed_then_passed(
    page: Page, packages: PackageServer, shipped_course: Course
) -> None:
    module = shipped_course.module(MODULE)
    assert module is not None and module.quiz is not None
    name = packages.add(package(shipped_course, ScormVersion.V1_2, slug=MODULE))
    session = launch(page, packages, name, ScormVersion.V1_2)
    assert session.calls()[0]["name"] == "LMSInitialize"
    assert session.sent()["cmi.core.lesson_status"] == "incomplete"
    started = session.commits()

    session.sco.locator("#mark-read").click()
    session.sco.get_by_text("Du har markert teksten som lest.").wait_for()
    assert session.sent()["cmi.core.lesson_status"] == "incomplete"  # the quiz is still to pass
    assert session.commits() == started + 1

    total = len(module.quiz.questions)
    session.answer(module, wrong=failing(module))
    assert session.commits() == started + 1, "answering alone commits nothing"
    session.sco.get_by_role("button", name="Lever svarene").click()
    session.sco.get_by_text("Ikke bestått denne gangen").wait_for()
    sent = session.sent()
    assert sent["cmi.core.lesson_status"] == "failed"
    right = total - len(failing(module))
    assert float(sent["cmi.core.score.raw"]) == pytest.approx(round(right / total * 100, 2))
    assert (sent["cmi.core.score.min"], sent["cmi.core.score.max"]) == ("0", "100")
    assert session.commits() == started + 2

    session.sco.get_by_role("button", name="Prøv igjen").click()
    session.answer(module)
    session.sco.get_by_role("button", name="Lever svarene").click()
    session.sco.get_by_text("Bestått!").wait_for()
    session.sco.get_by_text("Modulen er fullført.").wait_for()
    sent = session.sent()
    assert sent["cmi.core.lesson_status"] == "passed"
    assert sent["cmi.core.score.raw"] == "100"

    session.leave()
    sent = session.sent()
    assert SESSION_TIME_12.match(sent["cmi.core.session_time"]), sent["cmi.core.session_time"]
    assert sent["cmi.core.exit"] == ""
    assert len(sent["cmi.suspend_data"]) < 4096
    assert json.loads(sent["cmi.suspend_data"])["p"] == 1
    assert session.calls()[-1]["name"] == "LMSFinish"
    no_errors(session)
    cmi = page.evaluate("() => window.lms.cmi()")["cmi"]
    assert cmi["core"]["lesson_status"] == "passed"
    assert cmi["core"]["score"]["raw"] == "100"


def test_scorm_2004_module_read_failed_then_passed(
    page: Page, packages: PackageServer, shipped_course: Course
) -> None:
    module = shipped_course.module(MODULE)
    assert module is not None and module.quiz is not None
    name = packages.add(package(shipped_course, ScormVersion.V2004, slug=MODULE))
    session = launch(page, packages, name, ScormVersion.V2004)
    assert session.calls()[0]["name"] == "Initialize"
    assert session.sent()["cmi.completion_status"] == "incomplete"

    total = len(module.quiz.questions)
    session.answer(module, wrong=failing(module))
    session.sco.get_by_role("button", name="Lever svarene").click()
    session.sco.get_by_text("Ikke bestått denne gangen").wait_for()
    sent = session.sent()
    assert sent["cmi.success_status"] == "failed"
    assert sent["cmi.completion_status"] == "incomplete"
    right = total - len(failing(module))
    assert float(sent["cmi.score.scaled"]) == pytest.approx(round(right / total, 4))

    session.sco.get_by_role("button", name="Prøv igjen").click()
    session.answer(module)
    session.sco.get_by_role("button", name="Lever svarene").click()
    session.sco.get_by_text("Bestått!").wait_for()
    # Passed, but not yet complete: the text is not marked as read.
    assert session.sent()["cmi.success_status"] == "passed"
    assert session.sent()["cmi.completion_status"] == "incomplete"
    session.sco.get_by_text("markere teksten som lest").first.wait_for()

    session.sco.locator("#mark-read").click()
    session.sco.get_by_text("Modulen er fullført.").wait_for()
    sent = session.sent()
    assert sent["cmi.completion_status"] == "completed"
    assert sent["cmi.score.scaled"] == "1"
    assert sent["cmi.score.raw"] == "100"

    session.leave()
    sent = session.sent()
    assert SESSION_TIME_2004.match(sent["cmi.session_time"]), sent["cmi.session_time"]
    assert sent["cmi.exit"] == "normal"
    assert len(sent["cmi.suspend_data"]) < 4096
    assert session.calls()[-1]["name"] == "Terminate"
    no_errors(session)
    cmi = page.evaluate("() => window.lms.cmi()")["cmi"]
    assert (cmi["completion_status"], cmi["success_status"]) == ("completed", "passed")


@pytest.mark.parametrize("version", list(ScormVersion))
def test_without_quiz_reading_completes_the_module(
    page: Page, packages: PackageServer, shipped_course: Course, version: ScormVersion
) -> None:
    name = packages.add(package(shipped_course, version, slug=MODULE, include_quiz=False))
    session = launch(page, packages, name, version)
    assert session.sco.locator("#quiz-form").count() == 0
    session.sco.locator("#mark-read").click()
    session.sco.get_by_text("Modulen er fullført.").wait_for()
    session.leave()
    sent = session.sent()
    if version is ScormVersion.V1_2:
        assert sent["cmi.core.lesson_status"] == "completed"
        assert "cmi.core.score.raw" not in sent
    else:
        assert sent["cmi.completion_status"] == "completed"
        assert "cmi.success_status" not in sent and "cmi.score.scaled" not in sent
    no_errors(session)


def test_a_second_session_resumes_from_suspend_data(
    page: Page, packages: PackageServer, shipped_course: Course
) -> None:
    module = shipped_course.module(MODULE)
    assert module is not None and module.quiz is not None
    name = packages.add(package(shipped_course, ScormVersion.V1_2, slug=MODULE))
    first = launch(page, packages, name, ScormVersion.V1_2)
    first.sco.locator("#mark-read").click()
    first.answer(module, wrong=failing(module))
    first.sco.get_by_role("button", name="Lever svarene").click()
    first.sco.get_by_text("Ikke bestått denne gangen").wait_for()
    first.leave()
    sent = first.sent()
    resume = {"cmi": {"suspend_data": sent["cmi.suspend_data"],
                      "core": {"lesson_status": sent["cmi.core.lesson_status"]}}}  # fmt: skip

    again = launch(page, packages, name, ScormVersion.V1_2, resume=json.dumps(resume))
    again.sco.get_by_text("Du har markert teksten som lest.").wait_for()
    first_question = module.quiz.questions[0]
    wrong = next(o.id for o in first_question.options if not o.correct)
    assert again.sco.locator(f"#q-{first_question.id}-{wrong}").is_checked()
    assert again.sent()["cmi.core.lesson_status"] == "failed"
    no_errors(again)


@pytest.mark.parametrize("version", list(ScormVersion))
def test_the_course_package_launches_its_first_module(
    page: Page, packages: PackageServer, shipped_course: Course, version: ScormVersion
) -> None:
    name = packages.add(package(shipped_course, version))
    first = shipped_course.modules[0]
    assert packages.launch_href(name) == f"{name}/{first.slug}/index.html"
    session = launch(page, packages, name, version)
    session.sco.get_by_role("heading", level=1, name=first.title).wait_for()
    assert session.sco.locator("#lms-status").is_hidden()  # the API was found
    session.sco.locator("#mark-read").click()
    session.answer(first)
    session.sco.get_by_role("button", name="Lever svarene").click()
    session.sco.get_by_text("Modulen er fullført.").wait_for()
    session.leave()
    sent = session.sent()
    if version is ScormVersion.V1_2:
        assert sent["cmi.core.lesson_status"] == "passed"
    else:
        assert (sent["cmi.completion_status"], sent["cmi.success_status"]) == (
            "completed",
            "passed",
        )
    no_errors(session)


def test_without_an_lms_the_page_says_progress_is_not_saved(
    page: Page, packages: PackageServer, shipped_course: Course
) -> None:
    name = packages.add(package(shipped_course, ScormVersion.V1_2, slug=MODULE))
    page.goto(f"{packages.url}/{packages.launch_href(name)}")
    page.get_by_text("fremdriften blir ikke lagret").wait_for()
    page.locator("#mark-read").click()
    page.get_by_text("Du har markert teksten som lest.").wait_for()


def test_the_sco_page_passes_axe_with_the_quiz_graded(
    page: Page, packages: PackageServer, shipped_course: Course, axe_source: str
) -> None:
    module = shipped_course.module(MODULE)
    assert module is not None
    name = packages.add(package(shipped_course, ScormVersion.V1_2, slug=MODULE))
    page.goto(f"{packages.url}/{packages.launch_href(name)}")
    for question in module.quiz.questions if module.quiz else ():
        page.locator(f"#q-{question.id}-{sorted(question.correct_option_ids)[0]}").check()
    page.get_by_role("button", name="Lever svarene").click()
    page.locator("#quiz-result").wait_for()
    page.locator("#arbeidsark th").first.wait_for()  # the worksheet is part of what axe sees
    for width in (DESKTOP, PHONE):
        page.set_viewport_size(width)
        violations = axe_violations(page, axe_source)
        assert not violations, describe_violations(violations)


def test_a_worksheet_with_choices_and_dates_passes_axe(
    page: Page, packages: PackageServer, shipped_course: Course, axe_source: str
) -> None:
    name = packages.add(package(shipped_course, ScormVersion.V2004, slug=WORKSHEET_MODULE))
    page.goto(f"{packages.url}/{packages.launch_href(name)}")
    sheet = page.locator("#arbeidsark")
    sheet.get_by_text("Dato:").first.wait_for()
    assert sheet.locator(".ws-options li").count() > 0
    violations = axe_violations(page, axe_source)
    assert not violations, describe_violations(violations)
