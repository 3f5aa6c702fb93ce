"""``innostudy roles grant|revoke|list``: scoped roles from the command line, audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.cli.main import app
from api.data.models import AuditEvent, RoleAssignment
from tests.factories import make_unit, make_user

runner = CliRunner()


@pytest.fixture
def cli_env(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    return engine


def roles(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["roles", *args], prog_name="innostudy")
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_grant_list_and_revoke_a_leader_and_a_municipal_admin(cli_env: Engine) -> None:
    person = make_user(cli_env, email="leder@asker.kommune.no")
    unit = make_unit(cli_env, "Helse og omsorg")
    code, output = roles("grant", person.email, "leader", "--unit", str(unit.id))
    assert code == 0 and "Tildelt." in output
    assert f"leder: enhet {unit.id} (Helse og omsorg)" in output
    code, output = roles("grant", person.email, "municipal_admin", "--municipality", "asker")
    assert code == 0 and "kommuneadministrator: kommune 3203" in output
    code, output = roles("grant", person.email, "leader", "--unit", str(unit.id))
    assert code == 0 and "hadde allerede rollen" in output
    code, output = roles("list", person.email)
    assert code == 0 and output.count("\n  ") == 2
    code, output = roles("revoke", person.email, "leader", "--unit", str(unit.id))
    assert code == 0 and "Fjernet." in output and "leder:" not in output
    with Session(cli_env) as session:
        held = session.exec(select(RoleAssignment.role)).all()
        audited = session.exec(
            select(AuditEvent.action)
            .where(col(AuditEvent.action).startswith("role."))
            .order_by(col(AuditEvent.id))
        ).all()
    assert held == ["municipal_admin"]
    assert audited == ["role.grant", "role.grant", "role.revoke"]


def test_refusals_are_norwegian_and_audited(cli_env: Engine) -> None:
    person = make_user(cli_env, email="person@asker.kommune.no")
    oslo = make_unit(cli_env, "Bydel", municipality_number="0301")
    cases = [
        (("grant", person.email, "leader"), "enten en kommune eller en enhet"),
        (("grant", person.email, "leader", "--unit", str(oslo.id)), "annen kommune"),
        (("grant", person.email, "admin", "--municipality", "3203"), "hele installasjonen"),
        (("revoke", person.email, "leader", "--municipality", "3203"), "har ikke denne rollen"),
        (("grant", "ingen@asker.kommune.no", "leader", "--municipality", "3203"), "Fant ikke"),
        (("grant", person.email, "leader", "--municipality", "Atlantis"), "Atlantis"),
    ]
    for args, text in cases:
        code, output = roles(*args)
        assert code == 1, output
        assert text in output, output
    code, output = roles("grant", person.email, "sjef")
    assert code == 2 and "sjef" in output
    with Session(cli_env) as session:
        outcomes = session.exec(
            select(AuditEvent.outcome).where(col(AuditEvent.action).startswith("role."))
        ).all()
    assert outcomes and set(outcomes) == {"failed"}


def test_the_demo_has_a_leader_and_a_municipal_admin_once(cli_env: Engine) -> None:
    first = runner.invoke(app, ["demo"], prog_name="innostudy")
    assert first.exit_code == 0, first.output
    assert "leder@demo.innostudy.no" in first.output and "(kommuneadministrator)" in first.output
    again = runner.invoke(app, ["demo"], prog_name="innostudy")
    assert again.exit_code == 0 and again.output.count("@demo.innostudy.no") == 5
    code, output = roles("list", "leder@demo.innostudy.no")
    assert code == 0 and "leder: enhet" in output and "(Helse og omsorg)" in output
    code, output = roles("list", "kommune@demo.innostudy.no")
    assert code == 0 and "kommuneadministrator: kommune 3203" in output
    with Session(cli_env) as session:
        assert len(session.exec(select(RoleAssignment)).all()) == 2
