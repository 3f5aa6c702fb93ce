"""``innostudy export gift`` and ``import gift``: files on disk, a dry run, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from api.cli.main import app
from api.services import authoring
from course.gift import export_gift, parse_gift
from course.models import Course
from tests.conftest import Databases

runner = CliRunner()
SLUG = "samskaping"
GIFT = "::m04-ny::Hva er samskaping? {=Sammen med brukerne #Ja ~Alene}\n"


def _use(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    return engine


@pytest.fixture
def cli_env(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    return _use(engine, tmp_path, monkeypatch)


@pytest.fixture
def fresh_cli_env(
    databases: Databases, shipped_course: Course, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Engine:
    return _use(databases.new_engine(shipped_course), tmp_path, monkeypatch)


def _source(engine: Engine) -> tuple[int, str]:
    with Session(engine) as session:
        row = authoring.module_row(session=session, slug=SLUG)
        return row.current_revision, authoring.current_revision(session=session, row=row).source


def test_the_course_and_one_module_as_gift(
    cli_env: Engine, tmp_path: Path, shipped_course: Course
) -> None:
    output = tmp_path / "kurs.gift"
    result = runner.invoke(app, ["export", "gift", str(output)])
    assert result.exit_code == 0, result.output
    count = shipped_course.question_count
    assert f"Skrev {count} spørsmål i GIFT-formatet til {output}" in result.output
    assert output.read_text(encoding="utf-8") == export_gift(shipped_course.modules)
    one = runner.invoke(app, ["export", "gift", "--module", SLUG, str(output)])
    assert one.exit_code == 0, one.output
    assert len(parse_gift(output.read_text(encoding="utf-8"))[0]) < count
    missing = runner.invoke(app, ["export", "gift", "--module", "finnes-ikke", str(output)])
    assert missing.exit_code == 1
    assert "Modulen «finnes-ikke» finnes ikke i kurset." in missing.output


def test_a_dry_run_saves_nothing_and_the_import_a_revision(
    fresh_cli_env: Engine, tmp_path: Path
) -> None:
    file = tmp_path / "quiz.gift"
    file.write_text(GIFT, encoding="utf-8")
    before = _source(fresh_cli_env)
    dry = runner.invoke(app, ["import", "gift", SLUG, str(file), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Prøvekjøring: 1 spørsmål ville erstattet quizen i «samskaping»" in dry.output
    assert _source(fresh_cli_env) == before
    done = runner.invoke(app, ["import", "gift", SLUG, str(file)])
    assert done.exit_code == 0, done.output
    assert f"Importerte 1 spørsmål til «samskaping» (revisjon {before[0] + 1})." in done.output
    revision, source = _source(fresh_cli_env)
    assert revision == before[0] + 1
    assert "### Hva er samskaping? {#m04-ny}\n- [x] Sammen med brukerne\n  > Ja\n" in source
    again = runner.invoke(app, ["import", "gift", SLUG, str(file)])
    assert "har allerede disse 1 spørsmålene" in again.output


def test_a_bad_file_is_every_problem_with_its_line_and_nothing_saved(
    fresh_cli_env: Engine, tmp_path: Path
) -> None:
    file = tmp_path / "quiz.gift"
    file.write_text(GIFT + "\n::tall::Hvor mange? {#6}\n\n::tom::Hva? {}\n", encoding="utf-8")
    before = _source(fresh_cli_env)
    result = runner.invoke(app, ["import", "gift", SLUG, str(file)])
    assert result.exit_code == 1
    assert f"{file}:3: Spørsmålstypen «tallsvar» støttes ikke ennå (linje 3)" in result.output
    assert f"{file}:5: Spørsmålstypen «langsvar (essay)» støttes ikke ennå (linje 5)" in (
        result.output
    )
    assert "GIFT-filen har feil, så quizen er ikke endret." in result.output
    assert "Traceback" not in result.output
    assert _source(fresh_cli_env) == before
    file.write_bytes(b"\xff\xfe::a::")
    binary = runner.invoke(app, ["import", "gift", SLUG, str(file)])
    assert binary.exit_code == 1
    assert "filen er ikke UTF-8-tekst" in binary.output
    missing = runner.invoke(app, ["import", "gift", "finnes-ikke", str(file.with_name("x"))])
    assert missing.exit_code == 2
