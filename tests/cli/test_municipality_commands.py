"""``innostudy municipalities list`` and ``import``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from api.cli.main import app
from api.services import municipalities

runner = CliRunner()
KLASS = Path(__file__).parent.parent / "api" / "fixtures" / "klass"


@pytest.fixture
def cli_env(restore_register: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    url = restore_register.url.render_as_string(hide_password=False)
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", url)
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    return restore_register


def test_list_searches_without_regard_to_case_or_accents(cli_env: Engine) -> None:
    result = runner.invoke(app, ["municipalities", "list", "--search", "KARASJOK"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "\t" in line]
    assert lines == [
        "nummer\tnavn\toffisielt navn\tfylke\tmålform\tgyldig til",
        "5610\tKarasjok\tKárášjohka - Karasjok\t56 Finnmark\tukjent\t",
    ]


def test_list_one_county_as_json(cli_env: Engine) -> None:
    result = runner.invoke(app, ["municipalities", "list", "--county", "55", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout[result.stdout.index("[") :])
    assert len(rows) == 21
    tromso = next(r for r in rows if r["number"] == "5501")
    assert tromso == {
        "number": "5501",
        "name": "Tromsø",
        "klass_name": "Tromsø",
        "county_number": "55",
        "county_name": "Troms",
        "written_form": "ukjent",
        "valid_from": "2024-01-01",
        "valid_to": None,
    }


def test_list_says_when_nothing_matches(cli_env: Engine) -> None:
    result = runner.invoke(app, ["municipalities", "list", "--search", "Atlantis"])
    assert result.exit_code == 0
    assert "Ingen kommuner passer." in result.output


def test_import_dry_run_shows_the_changes_and_makes_none(cli_env: Engine) -> None:
    args = ["municipalities", "import", str(KLASS / "kommuner-2026.csv")]
    changes = ["--changes", str(KLASS / "endringer-2026.csv"), "--valid-from", "2026-01-01"]
    result = runner.invoke(app, [*args, *changes, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "+ 3299 Asker" in result.output
    assert "- 3203 Asker" in result.output
    assert "> 1811 Bindal -> 1899 fra 2026-01-01 (sammenslått)" in result.output
    assert "356 kommuner i filen: 2 ville blitt lagt til" in result.output
    assert "Tørrkjøring: ingenting er endret." in result.output
    with Session(cli_env) as session:
        assert municipalities.resolve(session=session, number="3203").municipality.number == "3203"  # type: ignore[union-attr]

    result = runner.invoke(app, [*args, *changes])
    assert result.exit_code == 0, result.output
    assert "3 nummerendringer lagt til" in result.output
    with Session(cli_env) as session:
        assert municipalities.resolve(session=session, number="3203").municipality.number == "3299"  # type: ignore[union-attr]


def test_import_of_a_broken_file_prints_file_and_line_and_exits_1(
    cli_env: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "kommuner.csv"
    path.write_bytes(b'"code";"name"\r\n"0301";"Oslo"\r\n"0301";"Oslo"\r\n"03O1";"Oslo"\r\n')
    result = runner.invoke(app, ["municipalities", "import", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: code: Kommunenummer 0301 står også på linje 2." in result.output
    assert f"{path}:4: code: «03O1»: et kommunenummer har fire sifre." in result.output
    assert "kommuneregisteret er ikke endret" in result.output
    assert "Traceback" not in result.output


def test_import_refuses_a_bad_date(cli_env: Engine) -> None:
    path = str(KLASS / "kommuner-2026.csv")
    result = runner.invoke(app, ["municipalities", "import", path, "--valid-from", "1. januar"])
    assert result.exit_code == 2
    assert "«--valid-from» «1. januar» er ikke en dato (ÅÅÅÅ-MM-DD)." in result.output
