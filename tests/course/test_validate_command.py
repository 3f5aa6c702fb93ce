"""``innostudy validate``: one line per problem, a summary, and the exit code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import app
from tests.course.helpers import FIXTURES, SHIPPED

runner = CliRunner()


@pytest.fixture(autouse=True)
def _in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)


def test_valid_directory_prints_a_summary_and_exits_0() -> None:
    result = runner.invoke(app, ["validate", "valid_course"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "OK: 2 moduler, 3 spørsmål, 0 oppgaver, 37 ord\n"
    assert result.stderr == ""


def test_summary_counts_the_workbook_steps() -> None:
    result = runner.invoke(app, ["validate", "workbook_course"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "OK: 2 moduler, 0 spørsmål, 3 oppgaver, 19 ord\n"


def test_invalid_directory_prints_every_problem_and_exits_1() -> None:
    result = runner.invoke(app, ["validate", "every_problem_reported"])
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert errors[-1] == "11 feil i every_problem_reported"
    assert "every_problem_reported/03-kultur.md:11: et listepunkt i en quiz må være et " \
        "svaralternativ: «- [ ] tekst» eller «- [x] tekst»" in errors  # fmt: skip
    assert "every_problem_reported/02-spredning.md:5: filen er ikke gyldig UTF-8 (byte 0xe5): " \
        "lagre den som UTF-8" in errors  # fmt: skip
    assert len(errors) == 12
    warnings = result.stdout.splitlines()
    assert warnings == [
        "every_problem_reported/notater.md:1: advarsel: ikke en modul: modulfiler må hete "
        "NN-slug.md (filen ignoreres)",
        "every_problem_reported/03-kultur.md:3: advarsel: ukjent nøkkel «tags» i front matter "
        "(ignoreres)",
    ]


@pytest.mark.parametrize(
    ("scenario", "line"),
    [
        (
            "invalid_yaml",
            "01-intro.md:3: front matter: kolon på et sted der det ikke er tillatt "
            "(sett en verdi som inneholder «: » i anførselstegn, og sjekk innrykket)",
        ),
        (
            "unreadable_file",
            "01-intro.md:7: filen er ikke gyldig UTF-8 (byte 0xe5): lagre den som UTF-8",
        ),
        ("unclosed_quiz_block", "01-intro.md:7: quizblokken er ikke lukket med «:::»"),
    ],
)
def test_error_line_is_file_line_message(scenario: str, line: str) -> None:
    result = runner.invoke(app, ["validate", scenario])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"{scenario}/{line}", f"1 feil i {scenario}"]
    assert result.stdout == ""


def test_warnings_alone_do_not_fail_validation() -> None:
    result = runner.invoke(app, ["validate", "unknown_key"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "unknown_key/01-intro.md:3: advarsel: ukjent nøkkel «estimatd_minutes» i front matter "
        "(ignoreres)",
        "OK: 1 modul, 0 spørsmål, 0 oppgaver, 4 ord",
    ]


def test_missing_directory_fails() -> None:
    result = runner.invoke(app, ["validate", "finnes-ikke"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "finnes-ikke:0: innholdsmappen finnes ikke"


def test_shipped_course_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SHIPPED.parent)
    result = runner.invoke(app, ["validate", "modules/"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    # No warnings before the summary; more than 9 999 words are grouped: "18 255 ord".
    summary = r"OK: \d+ moduler, \d+ spørsmål, \d+ oppgaver, \d{1,3}(?: \d{3})+ ord\n"
    assert re.fullmatch(summary, result.stdout)


def test_default_directory_is_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SHIPPED.parent)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert Path("modules").is_dir()
