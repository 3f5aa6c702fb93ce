"""What an operator reads: Norwegian messages, a header and Norwegian order, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.cli.main import app
from api.cli.usage import usage_problem
from tests.api.test_account_municipality import unmatched_account
from tests.factories import make_user

runner = CliRunner()


@pytest.fixture
def cli_env(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    return engine


def add(*args: str, input: str | None = None) -> list[str]:
    result = runner.invoke(app, ["users", "add", *args], input=input, prog_name="innostudy")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.stderr.splitlines()


def test_validation_errors_are_norwegian_and_name_the_option(cli_env: Engine) -> None:
    bad = ["ola@", "--name", " ", "--municipality", "Asker", "--password-stdin"]
    assert add(*bad, input="kort\n") == [
        "«EMAIL» er ikke en gyldig e-postadresse",
        "«--name» kan ikke være tom",
        "«passordet» må ha minst 10 tegn",
    ]
    assert add("ola@asker.kommune.no", "--name", "Ola\x07", "--municipality", "Asker") == [
        "«--name» kan ikke inneholde kontrolltegn"
    ]
    update = runner.invoke(app, ["users", "update", "ola@asker.kommune.no", "--email", "nei"])
    assert update.exit_code == 2
    assert update.stderr.splitlines() == ["«--email» er ikke en gyldig e-postadresse"]


def test_an_unknown_role_is_refused_in_norwegian(cli_env: Engine) -> None:
    ola = ["ola@asker.kommune.no", "--name", "Ola", "--municipality", "Asker"]
    assert add(*ola, "--role", "sjef") == [
        "Feil: Ugyldig verdi for '--role': 'sjef' er ikke en av 'learner', 'instructor', 'admin'.",
        "Se «innostudy users add --help».",
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["users", "add"], "Feil: Mangler argumentet 'email'."),
        (["users", "add", "a@b.no"], "Feil: Mangler valget '--name'."),
        (["userz"], "Feil: Ukjent kommando 'userz'. Mente du 'users', 'serve'?"),
        (["users", "list", "--rolle", "admin"], "Feil: Ukjent valg: --rolle (mulige valg: --role)"),
        (["users", "import", "finnes-ikke.csv"],
         "Feil: Ugyldig verdi for 'file': 'finnes-ikke.csv' finnes ikke."),
        (["users", "list", "ekstra"], "Feil: Uventet ekstra argument: ekstra"),
    ],
)  # fmt: skip
def test_usage_errors_are_norwegian(cli_env: Engine, args: list[str], expected: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == expected, result.stderr


def test_an_untranslated_usage_error_still_gets_a_norwegian_lead_in() -> None:
    assert usage_problem("Something new.") == "Feil i kommandoen: Something new."


def test_users_list_has_a_header_and_norwegian_order(cli_env: Engine) -> None:
    names = ["Åse Ål", "Zakariassen", "Ærlig Øst", "Áigin Ŋuolla Čuđe", "Øystein", "ola aas"]
    for name in names:
        make_user(cli_env, full_name=name)
    result = runner.invoke(app, ["users", "list"])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert lines[0] == ["id", "e-post", "navn", "rolle", "kommune", "status"]
    assert [fields[2] for fields in lines[1:]] == [
        "Áigin Ŋuolla Čuđe", "ola aas", "Zakariassen", "Ærlig Øst", "Øystein", "Åse Ål",
    ]  # fmt: skip
    assert result.stderr.startswith("Database: ")


def test_municipality_report_is_in_norwegian_order(cli_env: Engine) -> None:
    for municipality in ["Ål", "Øyer", "Åsnes", "Bø", "Østre Toten", "Vågå", "Aurskog-Høland"]:
        make_user(cli_env, municipality=municipality)
    unmatched_account(cli_env, "Sentrum")
    result = runner.invoke(app, ["reports", "municipalities", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = [line.split(";")[0] for line in result.stdout.splitlines()]
    assert rows == [
        "kommune", "Aurskog-Høland", "Bø", "Vågå", "Østre Toten", "Øyer", "Ål", "Åsnes",
        "Ukjent kommune",
    ]  # fmt: skip


def test_import_refuses_a_csv_that_is_not_text(cli_env: Engine, tmp_path: Path) -> None:
    path = tmp_path / "ansatte.csv"
    path.write_bytes(b"\x00\xff\xfe;;\n\x89PNG")
    result = runner.invoke(app, ["users", "import", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{path}:1: Filen er ikke UTF-8" in result.stderr


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("mangler/deltakere.csv", "mappen finnes ikke"),
        ("fil.txt/deltakere.csv", "en del av stien er en fil, ikke en mappe"),
        (".", "det er en mappe, ikke en fil"),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_any_work(
    cli_env: Engine, tmp_path: Path, where: str, reason: str
) -> None:
    (tmp_path / "fil.txt").write_text("x")
    output = tmp_path / where
    codes = tmp_path / "ansatte.csv"
    codes.write_text("e-post;navn;kommune\nny@asker.kommune.no;Ny Person;Asker\n")
    for args in (
        ["roster", "export", "-o", str(output)],
        ["users", "import", str(codes), "--codes", str(output)],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines() == [f"Kan ikke skrive {output}: {reason}"]
    listing = runner.invoke(app, ["users", "list"])
    assert "ny@asker.kommune.no" not in listing.stdout  # the import did not run


def test_roster_filters_are_checked_in_norwegian(cli_env: Engine, tmp_path: Path) -> None:
    result = runner.invoke(app, ["roster", "export", "-o", str(tmp_path / "r.csv"),
                                 "--status", "ferdig", "--completed-to", "2026-02-30"])  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "«--status» må være en av not_started, in_progress, completed",
        "«--completed-to» må være en dato på formen ÅÅÅÅ-MM-DD",
    ]


def test_erase_without_an_answer_is_aborted_in_norwegian(cli_env: Engine) -> None:
    make_user(cli_env, email="ola@asker.kommune.no")
    result = runner.invoke(app, ["users", "erase", "ola@asker.kommune.no"], input="")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "Avbrutt."


def test_settings_errors_are_norwegian(cli_env: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "kort")
    monkeypatch.setenv("INNOSTUDY_TOKEN_TTL_MINUTES", "0")
    result = runner.invoke(app, ["users", "list"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Feil i innstillingene: INNOSTUDY_TOKEN_TTL_MINUTES må være større enn 0"
    ]


def test_a_folder_that_cannot_be_made_midway_ends_with_one_norwegian_line(
    cli_env: Engine, tmp_path: Path
) -> None:
    (tmp_path / "fil.txt").write_text("x")
    result = runner.invoke(app, ["content", "export", str(tmp_path / "fil.txt" / "ut")])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    last = result.stderr.splitlines()[-1]
    assert last.endswith(": en del av stien er en fil, ikke en mappe"), result.stderr
