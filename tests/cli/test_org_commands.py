"""``innostudy orgs``: list, create, rename, move, close, import and unmatched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli.main import app
from api.data.models import AuditEvent, OrgUnit, User
from tests.factories import make_user

runner = CliRunner()


@pytest.fixture
def cli_env(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    return engine


def orgs(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["orgs", *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_structure_is_imported_with_a_dry_run_first_then_changed(
    cli_env: Engine, tmp_path: Path
) -> None:
    file = tmp_path / "enheter.csv"
    file.write_text("sti;organisasjonsnummer\nHelse og omsorg/Hjemmetjenesten/Sone nord;\n")
    code, out, _ = orgs("import", str(file), "--municipality", "3203", "--dry-run")
    assert code == 0
    assert "+ Helse og omsorg / Hjemmetjenesten / Sone nord" in out
    assert "3 enheter ville blitt opprettet" in out
    code, out, _ = orgs("import", str(file), "--municipality", "Asker")  # a name resolves too
    assert code == 0 and "3 enheter opprettet" in out
    again = orgs("import", str(file), "--municipality", "3203")
    assert again[0] == 0 and "0 enheter opprettet" in again[1]

    assert orgs("create", "Oppvekst", "--municipality", "3203")[0] == 0
    assert orgs("rename", "Oppvekst", "Oppvekst og kultur", "--municipality", "3203")[0] == 0
    code, _, err = orgs(
        "move", "Helse og omsorg", "--parent", "Helse og omsorg/Hjemmetjenesten",
        "--municipality", "3203",
    )  # fmt: skip
    assert code == 1 and "under seg selv" in err
    moved = orgs(
        "move", "Helse og omsorg/Hjemmetjenesten", "--parent", "Oppvekst og kultur",
        "--municipality", "3203",
    )  # fmt: skip
    assert moved[0] == 0, moved
    code, _, err = orgs("close", "Oppvekst og kultur", "--municipality", "3203")
    assert code == 1 and "åpne underenheter" in err
    assert orgs("close", "Oppvekst og kultur", "--municipality", "3203", "--subtree")[0] == 0

    code, out, _ = orgs("list", "--municipality", "3203")
    assert code == 0
    lines = [line.split("\t") for line in out.splitlines()]
    assert [(line[1], line[4]) for line in lines[1:]] == [
        ("Helse og omsorg", "åpen"),
        ("Oppvekst og kultur", "nedlagt"),
        ("  Hjemmetjenesten", "nedlagt"),
        ("    Sone nord", "nedlagt"),
    ]
    listed = json.loads(orgs("list", "--municipality", "3203", "--json")[1])
    assert listed[3]["label"] == "Oppvekst og kultur / Hjemmetjenesten / Sone nord"
    with Session(cli_env) as session:
        actions = session.exec(select(AuditEvent.action, AuditEvent.outcome)).all()
    assert ("unit.move", "denied") in actions and ("unit.close", "ok") in actions


def test_bad_lines_are_printed_as_file_and_line_and_nothing_is_created(
    cli_env: Engine, tmp_path: Path
) -> None:
    file = tmp_path / "enheter.csv"
    file.write_text("sti,organisasjonsnummer\nHelse,\nTeknisk,974760674\n")
    code, _, err = orgs("import", str(file), "--municipality", "3203")
    assert code == 1
    assert f"{file}:3: organisasjonsnummer: Organisasjonsnummeret «974760674»" in err
    with Session(cli_env) as session:
        assert session.exec(select(OrgUnit)).all() == []
    assert "Finner ingen kommune" in orgs("list", "--municipality", "9999")[2]


def test_unmatched_departments_are_listed(cli_env: Engine) -> None:
    person = make_user(cli_env, email="uten@k.no")
    with Session(cli_env) as session:
        session.get_one(User, person.id).department_unmatched = "Gammel avdeling"
        session.commit()
    code, out, _ = orgs("unmatched")
    assert code == 0
    assert f"{person.id}\tuten@k.no\t3203\tGammel avdeling" in out.splitlines()
