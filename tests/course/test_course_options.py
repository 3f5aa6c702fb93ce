"""``course.toml``'s workbook and completion options: read, and checked against the steps."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from course.loader import load_course
from course.progress import CourseProgress, course_complete

WORKBOOK_COURSE = Path(__file__).parent / "fixtures" / "workbook_course"
BASE = 'title = "Testkurs"\nslug = "testkurs"\nversion = "1"\nissuer = "innostudy"\n'


def _course(tmp_path: Path, extra: str) -> Path:
    shutil.copytree(WORKBOOK_COURSE, tmp_path / "kurs")
    (tmp_path / "kurs" / "course.toml").write_text(BASE + extra, encoding="utf-8")
    return tmp_path / "kurs"


def test_the_options_are_read_and_default_to_off(tmp_path: Path) -> None:
    plain = load_course(WORKBOOK_COURSE).course
    assert plain is not None
    assert (plain.info.challenge, plain.info.require_approved_plan) == (None, False)
    extra = (
        '[workbook]\nchallenge = "m01-prosjekt.utfordring"\n'
        "[completion]\nrequire_approved_plan = true\n"
    )
    found = load_course(_course(tmp_path, extra)).course
    assert found is not None
    assert found.info.challenge == ("m01-prosjekt", "utfordring")
    assert found.info.require_approved_plan is True


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[workbook]\nchallenge = "m01-prosjekt.nope"\n', "har ikke feltet «nope»"),
        ('[workbook]\nchallenge = "m09-borte.felt"\n', "fant ingen oppgave «m09-borte»"),
        ('[workbook]\nchallenge = "bare-ett-ord"\n', "workbook"),
        ('[completion]\nrequire_approved_plan = "ja"\n', "completion"),
        ("[completion]\nrequire_approved = true\n", "completion"),
    ],
)
def test_a_wrong_option_is_an_error_naming_it(tmp_path: Path, extra: str, message: str) -> None:
    result = load_course(_course(tmp_path, extra))
    assert result.course is None
    (problem,) = result.errors
    assert problem.path.endswith("course.toml") and message in problem.message, problem
    assert problem.line in (5, 6)  # the table or the option itself, after the four keys


def test_completion_needs_the_approved_plan_only_when_required() -> None:
    done = CourseProgress(2, 2, 100, True)
    assert course_complete(done, require_approved_plan=False, plan_approved=False)
    assert not course_complete(done, require_approved_plan=True, plan_approved=False)
    assert course_complete(done, require_approved_plan=True, plan_approved=True)
    halfway = CourseProgress(1, 2, 50, False)
    assert not course_complete(halfway, require_approved_plan=True, plan_approved=True)
