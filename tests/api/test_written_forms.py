"""A municipality's official written form: set by its own administrator (API and page) or
loaded as a list from the command line; every change audited, other municipalities refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli.main import app
from api.data.models import AuditEvent, Municipality, Role
from tests.factories import grant_role, login, make_user

runner = CliRunner()


def form_of(engine: Engine, number: str) -> str:
    with Session(engine) as session:
        found = session.get(Municipality, number)
        assert found is not None
        return found.written_form


def events(engine: Engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_shipped_register_knows_oslo_is_neutral(engine: Engine) -> None:
    assert form_of(engine, "0301") == "nøytral"
    assert form_of(engine, "4631") == "ukjent"


def test_a_municipal_admin_sets_their_own_form_and_only_theirs(
    client: TestClient, restore_register: Engine
) -> None:
    engine = restore_register
    clerk = make_user(engine, full_name="Kari Kommune", municipality="Asker")
    grant_role(engine, clerk, Role.MUNICIPAL_ADMIN, municipality="3203")
    headers = login(client, clerk.email)

    response = client.put(
        "/api/v1/municipalities/3203/written-form",
        headers=headers,
        json={"written_form": "bokmål"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"number": "3203", "name": "Asker", "written_form": "bokmål"}
    assert form_of(engine, "3203") == "bokmål"

    other = client.put(
        "/api/v1/municipalities/4631/written-form",
        headers=headers,
        json={"written_form": "nynorsk"},
    )
    assert other.status_code == 403
    assert "kommuner du administrerer" in other.json()["detail"]
    assert form_of(engine, "4631") == "ukjent"

    bad = client.put(
        "/api/v1/municipalities/3203/written-form", headers=headers, json={"written_form": "dansk"}
    )
    assert bad.status_code == 422
    assert form_of(engine, "3203") == "bokmål"

    done = events(engine, "municipality.written_form")
    assert [(e.target, e.outcome) for e in done] == [
        ("municipality:3203", "ok"),
        ("municipality:4631", "denied"),
        ("municipality:3203", "failed"),
    ]
    assert done[0].municipality_number == "3203"
    assert json.loads(done[0].details) == {"from": "ukjent", "to": "bokmål"}


def test_a_learner_and_a_leader_cannot_set_it(client: TestClient, engine: Engine) -> None:
    learner = make_user(engine, municipality="Asker")
    response = client.put(
        "/api/v1/municipalities/3203/written-form",
        headers=login(client, learner.email),
        json={"written_form": "nynorsk"},
    )
    assert response.status_code == 403
    assert form_of(engine, "3203") == "ukjent"


def test_an_unknown_municipality_is_not_found(client: TestClient, engine: Engine) -> None:
    admin = make_user(engine, role=Role.ADMIN)
    response = client.put(
        "/api/v1/municipalities/9999/written-form",
        headers=login(client, admin.email),
        json={"written_form": "nynorsk"},
    )
    assert response.status_code == 404
    assert "9999" in response.json()["detail"]


@pytest.fixture
def cli_env(restore_register: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    url = restore_register.url.render_as_string(hide_password=False)
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", url)
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    return restore_register


def test_the_command_line_loads_a_list_all_or_nothing(cli_env: Engine, tmp_path: Path) -> None:
    good = tmp_path / "malform.csv"
    good.write_text("kommunenummer;målform\n4631;Nynorsk\n3203;bokmal\n0301;nøytral\n")
    dry = runner.invoke(app, ["municipalities", "written-forms", str(good), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "~ 4631 Alver: ukjent -> nynorsk" in dry.stdout
    assert "2 ville blitt endret, 1 uendret" in dry.stdout
    assert form_of(cli_env, "4631") == "ukjent"

    bad = tmp_path / "feil.csv"
    bad.write_text("kommunenummer;målform\n4631;nynorsk\n9999;bokmål\n3203;dansk\n4631;bokmål\n")
    refused = runner.invoke(app, ["municipalities", "written-forms", str(bad)])
    assert refused.exit_code == 1
    assert f"{bad}:3: Kommunenummer 9999 er ikke en gjeldende kommune i registeret." in (
        refused.stderr
    )
    assert f"{bad}:4: målform: «dansk»: skriv nynorsk, bokmål, nøytral eller ukjent." in (
        refused.stderr
    )
    assert f"{bad}:5: kommunenummer: Kommunenummer 4631 står også på linje 2." in refused.stderr
    assert form_of(cli_env, "4631") == "ukjent"

    applied = runner.invoke(app, ["municipalities", "written-forms", str(good)])
    assert applied.exit_code == 0, applied.output
    assert (form_of(cli_env, "4631"), form_of(cli_env, "3203")) == ("nynorsk", "bokmål")
    one = runner.invoke(app, ["municipalities", "written-form", "4631", "bokmål"])
    assert one.exit_code == 0, one.output
    assert "4631 Alver: bokmål" in one.stdout
    wrong = runner.invoke(app, ["municipalities", "written-form", "4631", "dansk"])
    assert wrong.exit_code == 2
    assert form_of(cli_env, "4631") == "bokmål"
    imports = events(cli_env, "municipality.written_form_import")
    assert [json.loads(e.details) for e in imports if e.outcome == "ok"] == [
        {"dry_run": True, "records": 3, "changed": 2},
        {"dry_run": False, "records": 3, "changed": 2},
    ]
