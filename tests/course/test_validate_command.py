"""``innostudy validate``: one line per problem, a summary, and the exit code."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.course.helpers import FIXTURES, SHIPPED

runner = CliRunner()


@pytest.fixture(autouse=True)
def _in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)


def test_valid_directory_prints_a_summary_and_exits_0() -> None:
    result = runner.invoke(app, ["validate", "valid_course"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 2 modules, 3 questions, 37 words\n"
    assert result.stderr == ""


def test_invalid_directory_prints_every_problem_and_exits_1() -> None:
    result = runner.invoke(app, ["validate", "every_problem_reported"])
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert errors[-1] == "11 error(s) in every_problem_reported"
    assert "every_problem_reported/03-kultur.md:11: a list item in a quiz must be an option: " \
        "'- [ ] text' or '- [x] text'" in errors  # fmt: skip
    assert "every_problem_reported/02-spredning.md:5: file is not valid UTF-8 (byte 0xe5)" in errors
    assert len(errors) == 12
    warnings = result.stdout.splitlines()
    assert warnings == [
        "every_problem_reported/notater.md:1: warning: not a module: name module files "
        "NN-slug.md (ignored)",
        "every_problem_reported/03-kultur.md:3: warning: unknown front matter key 'tags' (ignored)",
    ]


@pytest.mark.parametrize(
    ("scenario", "line"),
    [
        ("invalid_yaml", "01-intro.md:3: front matter: mapping values are not allowed here"),
        ("unreadable_file", "01-intro.md:7: file is not valid UTF-8 (byte 0xe5)"),
        ("unclosed_quiz_block", "01-intro.md:7: quiz block is not closed with ':::'"),
    ],
)
def test_error_line_is_file_line_message(scenario: str, line: str) -> None:
    result = runner.invoke(app, ["validate", scenario])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"{scenario}/{line}", f"1 error(s) in {scenario}"]
    assert result.stdout == ""


def test_warnings_alone_do_not_fail_validation() -> None:
    result = runner.invoke(app, ["validate", "unknown_key"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "unknown_key/01-intro.md:3: warning: unknown front matter key 'estimatd_minutes' (ignored)",
        "ok: 1 modules, 0 questions, 4 words",
    ]


def test_missing_directory_fails() -> None:
    result = runner.invoke(app, ["validate", "finnes-ikke"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "finnes-ikke:0: content directory does not exist"


def test_shipped_course_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SHIPPED.parent)
    result = runner.invoke(app, ["validate", "modules/"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.startswith("ok: ")  # and no warnings before it
    assert len(result.stdout.splitlines()) == 1


def test_default_directory_is_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SHIPPED.parent)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert Path("modules").is_dir()
