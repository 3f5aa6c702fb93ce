"""Administration on the command line: users, import, roster export, municipality report."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli.main import app
from api.data.models import AuditEvent, Municipality, User
from tests.api.roster_data import build_roster
from tests.factories import complete_course, import_fixture_units, make_unit, make_user

runner = CliRunner()
FIXTURES = Path(__file__).parent.parent / "api" / "fixtures"


@pytest.fixture
def cli_env(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    monkeypatch.setenv("INNOSTUDY_BASE_URL", "https://kurs.example.no")
    return engine


def audit_rows(engine: Engine) -> list[tuple[str, str, str, int | None]]:
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
    return [(e.action, e.target, e.outcome, e.actor_id) for e in events]


def account(engine: Engine, user_id: int | None) -> User:
    with Session(engine) as session:
        found = session.get(User, user_id)
        assert found is not None
        return found


def test_import_dry_run_lists_every_problem_as_file_and_line(
    cli_env: Engine, tmp_path: Path
) -> None:
    # A long path: each problem stays on one line, however narrow the terminal.
    folder = tmp_path / ("ansattlister-fra-kommunene-" * 4)
    folder.mkdir()
    path = folder / "bad-rows.csv"
    path.write_bytes((FIXTURES / "bad-rows.csv").read_bytes())
    result = runner.invoke(app, ["users", "import", str(path), "--dry-run"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    assert len(lines) == 12
    assert lines[0] == f"{path}:3: e-post: E-postadressen mangler."
    assert "1 ville blitt opprettet" in result.output


def test_import_of_a_bad_file_imports_nothing_and_is_audited_as_failed(cli_env: Engine) -> None:
    result = runner.invoke(app, ["users", "import", str(FIXTURES / "bad-rows.csv")])
    assert result.exit_code == 1
    assert "ingen brukere ble importert" in result.output
    with Session(cli_env) as session:
        assert session.exec(select(User)).all() == []
    assert audit_rows(cli_env) == [("user.import", "users", "failed", None)]


def test_import_writes_setup_codes_for_a_mail_merge(cli_env: Engine, tmp_path: Path) -> None:
    import_fixture_units(cli_env)
    codes = tmp_path / "koder.csv"
    result = runner.invoke(
        app, ["users", "import", str(FIXTURES / "ansatte.csv"), "--codes", str(codes)]
    )
    assert result.exit_code == 0, result.output
    assert "3 opprettet" in result.output
    rows = list(csv.reader(io.StringIO(codes.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0] == ["e-post", "kode", "lenke", "gyldig til"]
    assert {row[0] for row in rows[1:]} == {
        "aigin@karasjok.kommune.no",
        "kari@oslo.kommune.no",
        "ola@asker.kommune.no",
    }
    assert all(row[2] == f"https://kurs.example.no/passord?kode={row[1]}" for row in rows[1:])
    assert codes.stat().st_mode & 0o077 == 0  # secrets: readable by the owner only


def test_user_commands_change_the_account_and_are_audited(cli_env: Engine) -> None:
    user = make_user(cli_env, email="ola@asker.kommune.no")
    technical = make_unit(cli_env, "Drift", parent=make_unit(cli_env, "Teknisk"))
    target = f"user:{user.id}"
    for args in (
        ["update", "OLA@asker.kommune.no", "--name", "Ola Ødegård", "--unit", "teknisk/DRIFT"],
        ["role", "ola@asker.kommune.no", "instructor"],
        ["deactivate", "ola@asker.kommune.no"],
        ["reactivate", "ola@asker.kommune.no"],
    ):
        result = runner.invoke(app, ["users", *args])
        assert result.exit_code == 0, result.output
    changed = account(cli_env, user.id)
    assert (changed.full_name, changed.unit_id, changed.role, changed.is_active) == (
        "Ola Ødegård",
        technical.id,
        "instructor",
        True,
    )
    reset = runner.invoke(app, ["users", "reset-password", "ola@asker.kommune.no"])
    assert reset.exit_code == 0
    assert "https://kurs.example.no/passord?kode=" in reset.output
    listing = runner.invoke(app, ["users", "list", "--search", "Ødegård"])
    assert "ola@asker.kommune.no" in listing.output
    assert [row for row in audit_rows(cli_env) if row[0] != "unit.create"] == [
        ("user.update", target, "ok", None),
        ("user.role_change", target, "ok", None),
        ("user.deactivate", target, "ok", None),
        ("user.reactivate", target, "ok", None),
        ("user.password_reset", target, "ok", None),
    ]


def test_erase_asks_first_and_a_second_erase_is_refused(cli_env: Engine) -> None:
    user = make_user(cli_env, email="ola@asker.kommune.no")
    declined = runner.invoke(app, ["users", "erase", "ola@asker.kommune.no"], input="n\n")
    assert declined.exit_code != 0
    assert account(cli_env, user.id).erased_at is None
    erased = runner.invoke(app, ["users", "erase", "ola@asker.kommune.no"], input="y\n")
    assert erased.exit_code == 0, erased.output
    assert account(cli_env, user.id).email == f"erased-{user.id}@invalid"
    again = runner.invoke(app, ["users", "erase", f"erased-{user.id}@invalid", "--yes"])
    assert again.exit_code == 1
    assert "allerede slettet" in again.output
    assert [(a, o) for a, _, o, _ in audit_rows(cli_env)] == [
        ("user.erase", "ok"),
        ("user.erase", "denied"),
    ]


def test_unknown_email_is_reported_without_a_traceback(cli_env: Engine) -> None:
    result = runner.invoke(app, ["users", "deactivate", "finnes.ikke@asker.kommune.no"])
    assert result.exit_code == 1
    assert "Ingen bruker har e-postadressen" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_roster_export_writes_every_learner(cli_env: Engine, tmp_path: Path, fmt: str) -> None:
    built = build_roster(cli_env, 300)
    output = tmp_path / f"deltakere.{fmt}"
    result = runner.invoke(
        app, ["roster", "export", "--format", fmt, "-o", str(output), "--status", "completed"]
    )
    assert result.exit_code == 0, result.output
    assert f"Skrev {built.completed} deltakere" in result.output
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8-sig")), delimiter=";"))
        count = len(rows) - 1
    elif fmt == "xlsx":
        sheet = openpyxl.load_workbook(output).active
        assert sheet is not None
        count = sheet.max_row - 1
    else:
        import json

        count = len(json.loads(output.read_text()))
    assert count == built.completed
    assert audit_rows(cli_env) == [("report.roster_export", "roster", "ok", None)]


def test_roster_export_rejects_bad_filters(cli_env: Engine, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["roster", "export", "-o", str(tmp_path / "x.csv"), "--completed-from", "i går"]
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_municipality_report_as_table_and_csv(cli_env: Engine) -> None:
    graduate = make_user(cli_env, municipality="Bø")
    make_user(cli_env, municipality="Bø")
    complete_course(cli_env, graduate)
    table = runner.invoke(app, ["reports", "municipalities"])
    assert table.exit_code == 0
    assert "Bø" in table.output and "50%" in table.output
    result = runner.invoke(app, ["reports", "municipalities", "--format", "csv"])
    rows = list(csv.reader(io.StringIO(result.stdout), delimiter=";"))
    assert rows == [
        ["kommune", "kommunenummer", "fylke", "påmeldt", "startet", "fullført", "andel fullført"],
        ["Bø", "1867", "Nordland", "2", "1", "1", "0.5000"],
    ]


def test_command_line_csv_files_never_hold_a_formula(
    cli_env: Engine, restore_register: Engine, tmp_path: Path
) -> None:
    # A register updated from a doctored KLASS file: its names reach the report.
    hostile = '=HYPERLINK("https://x.example","Asker")'
    with Session(cli_env) as session:
        session.add(
            Municipality(
                number="9901", name=hostile, klass_name=hostile, county_number="99",
                county_name="@SUM(A1)", search_text="", valid_from=date(2024, 1, 1),
            )
        )  # fmt: skip
        session.commit()
    make_user(cli_env, municipality="9901")
    summary = runner.invoke(app, ["reports", "municipalities", "--format", "csv"])
    rows = list(csv.reader(io.StringIO(summary.stdout), delimiter=";"))
    assert (rows[1][0], rows[1][2]) == ("'" + hostile, "'@SUM(A1)")
    source = tmp_path / "ansatte.csv"
    source.write_text("E-post;Navn;Kommune\n+1-x@asker.kommune.no;Ola Nordmann;Asker\n")
    codes = tmp_path / "koder.csv"
    result = runner.invoke(app, ["users", "import", str(source), "--codes", str(codes)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(codes.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[1][0] == "'+1-x@asker.kommune.no"
