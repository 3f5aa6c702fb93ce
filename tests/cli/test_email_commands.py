"""``innostudy deadlines set|list|remove`` and ``innostudy users invite`` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli.main import app
from api.data.models import AuditEvent, OutgoingEmail
from tests.factories import make_unit, make_user

runner = CliRunner()


@pytest.fixture
def cli_env(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    return engine


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), prog_name="innostudy")
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_deadlines_are_set_moved_listed_and_removed(cli_env: Engine) -> None:
    unit = make_unit(cli_env, "Helse og omsorg")
    code, output = cli("deadlines", "set", "2027-03-31", "--municipality", "asker")
    assert code == 0 and "Frist 2027-03-31 for kommune 3203" in output
    code, output = cli("deadlines", "set", "2027-04-30", "--municipality", "3203")  # moved
    assert code == 0
    code, output = cli("deadlines", "set", "2027-02-28", "--unit", str(unit.id))
    assert code == 0 and f"enhet {unit.id}" in output
    code, output = cli("deadlines", "list")
    lines = [line for line in output.splitlines() if line.split(":")[0].isdigit()]
    assert [line.split(": ")[1] for line in lines] == [
        f"2027-02-28  enhet {unit.id}",
        "2027-04-30  kommune 3203",
    ]
    deadline_id = lines[0].split(":")[0]
    code, output = cli("deadlines", "remove", deadline_id)
    assert code == 0 and "Fristen er fjernet." in output
    code, output = cli("deadlines", "remove", deadline_id)
    assert code == 1 and "Fant ikke fristen." in output
    code, output = cli("deadlines", "set", "31.03.2027", "--municipality", "asker")
    assert code == 2 and "ÅÅÅÅ-MM-DD" in output
    code, output = cli("deadlines", "set", "2027-03-31")
    assert code == 2 and "--municipality eller --unit" in output


def test_an_invitation_needs_smtp_and_is_queued_with_it(
    cli_env: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = make_user(cli_env, email="ny@asker.kommune.no")
    code, output = cli("users", "invite", person.email)
    assert code == 1 and "E-post er ikke satt opp" in output
    monkeypatch.setenv("INNOSTUDY_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("INNOSTUDY_SMTP_SENDER", "kurs@example.no")
    code, output = cli("users", "invite", person.email)
    assert code == 0 and "lagt i køen" in output
    with Session(cli_env) as session:
        (message,) = session.exec(select(OutgoingEmail)).all()
        assert (message.kind, message.user_id) == ("invitation", person.id)
        actions = session.exec(select(AuditEvent.action, AuditEvent.outcome)).all()
    assert sorted(actions) == [("user.invite", "denied"), ("user.invite", "ok")]
