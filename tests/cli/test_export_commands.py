"""``innostudy export scorm``: the package on disk; each mistake a Norwegian line, an exit code."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.cli.main import app
from course.models import Course
from course.scorm import ScormVersion
from tests.scorm_support import package

runner = CliRunner()


@pytest.fixture
def cli_env(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    return engine


def test_the_course_as_scorm_12(cli_env: Engine, tmp_path: Path, shipped_course: Course) -> None:
    output = tmp_path / "kurs.zip"
    result = runner.invoke(app, ["export", "scorm", "--version", "1.2", str(output)])
    assert result.exit_code == 0, result.output
    assert f"Skrev SCORM 1.2-pakken til {output}" in result.output
    assert output.read_bytes() == package(shipped_course, ScormVersion.V1_2)


def test_one_module_as_scorm_2004_without_the_quiz(
    cli_env: Engine, tmp_path: Path, shipped_course: Course
) -> None:
    output = tmp_path / "modul.zip"
    args = ["export", "scorm", "--version", "2004", "--module", "samskaping", "--no-quiz",
            "--form", "nb", str(output)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "(uten quiz)" in result.output
    expected = package(shipped_course, ScormVersion.V2004, slug="samskaping", include_quiz=False)
    assert output.read_bytes() == expected


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--version", "1.2", "--module", "finnes-ikke"], 1,
         "Modulen «finnes-ikke» finnes ikke i kurset."),
        (["--version", "1.2", "--module", "Ikke En Slug"], 2,
         "«--module» kan bare ha små bokstaver"),
        (["--version", "1.2", "--form", "nn"], 1, "Nynorsk-utgaven av kurset finnes ikke ennå"),
        (["--version", "3"], 2, "Ugyldig verdi for '--version': '3' er ikke en av '1.2', '2004'."),
        ([], 2, "Mangler valget '--version'. Velg en av: 1.2, 2004."),
    ],
)  # fmt: skip
def test_bad_input_is_refused_in_norwegian_without_a_file(
    cli_env: Engine, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    output = tmp_path / "pakke.zip"
    result = runner.invoke(app, ["export", "scorm", *args, str(output)])
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not output.exists()


def test_an_unwritable_output_is_refused_before_any_work(cli_env: Engine, tmp_path: Path) -> None:
    output = tmp_path / "finnes-ikke" / "pakke.zip"
    result = runner.invoke(app, ["export", "scorm", "--version", "1.2", str(output)])
    assert result.exit_code == 1
    assert f"Kan ikke skrive {output}: mappen finnes ikke" in result.output
