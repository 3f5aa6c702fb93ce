"""Accounts' municipalities on the command line: given by name or number, refused when the
register cannot place them, and the accounts without one listed and fixed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli.main import app
from api.data.models import User
from tests.api.test_account_municipality import unmatched_account
from tests.factories import make_user

runner = CliRunner()


@pytest.fixture
def cli_env(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    return engine


def _number(engine: Engine, email: str) -> str | None:
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        return user.municipality_number


@pytest.mark.parametrize(("given", "number"), [("baerum", "3201"), ("4601", "4601")])
def test_users_add_takes_a_name_or_a_number(cli_env: Engine, given: str, number: str) -> None:
    result = runner.invoke(
        app, ["users", "add", "ny@kommune.no", "--name", "Ny Person", "--municipality", given]
    )
    assert result.exit_code == 0, result.output
    assert _number(cli_env, "ny@kommune.no") == number


def test_users_add_refuses_a_municipality_the_register_does_not_know(cli_env: Engine) -> None:
    result = runner.invoke(
        app, ["users", "add", "ny@kommune.no", "--name", "Ny", "--municipality", "Sentrum"]
    )
    assert result.exit_code == 1
    assert "Finner ingen kommune som heter eller har nummeret «Sentrum»" in result.output
    assert "Traceback" not in result.output
    with Session(cli_env) as session:
        assert session.exec(select(User).where(User.email == "ny@kommune.no")).first() is None


def test_users_list_unmatched_shows_the_text_and_update_fixes_it(cli_env: Engine) -> None:
    unmatched_account(cli_env, "Sentrum", email="siv@kommune.no", full_name="Siv Sentrum")
    make_user(cli_env, email="ola@kommune.no", full_name="Ola Asker")
    listing = runner.invoke(app, ["users", "list", "--unmatched"])
    assert listing.exit_code == 0, listing.output
    lines = listing.stdout.strip().splitlines()
    assert len(lines) == 2  # the header and Siv
    assert "siv@kommune.no" in lines[1] and "uten gyldig kommune: «Sentrum»" in lines[1]

    everyone = runner.invoke(app, ["users", "list"]).output
    assert "Asker (3203)" in everyone

    refused = runner.invoke(app, ["users", "update", "siv@kommune.no", "--municipality", "Herøy"])
    assert refused.exit_code == 1
    assert "flere kommuner" in refused.output

    fixed = runner.invoke(app, ["users", "update", "siv@kommune.no", "--municipality", "tromso"])
    assert fixed.exit_code == 0, fixed.output
    assert _number(cli_env, "siv@kommune.no") == "5501"
    after = runner.invoke(app, ["users", "list", "--unmatched"])
    assert "siv@kommune.no" not in after.output
    assert "Ingen kontoer passer." in after.output


def test_the_municipality_report_has_the_county_and_the_unknown_ones(cli_env: Engine) -> None:
    make_user(cli_env, full_name="Hanne Halden", municipality="Halden")
    unmatched_account(cli_env, "Sentrum", full_name="Siv Sentrum")
    result = runner.invoke(app, ["reports", "municipalities", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("kommune;kommunenummer;fylke;")
    assert lines[1].startswith("Halden;3101;Østfold;1;")
    assert lines[-1].startswith("Ukjent kommune;;;1;")
