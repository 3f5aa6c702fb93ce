"""``innostudy sign-in-providers``: add (the secret read, never printed), list, require,
disable, remove; each change in the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.cli.main import app
from api.data.models import AuditEvent, SignInProvider, SignInRequirement
from tests.factories import make_unit

runner = CliRunner()
SECRET = "en-hemmelig-klientnokkel-123"


@pytest.fixture
def cli_env(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    return engine


def providers(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["sign-in-providers", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_a_provider_is_added_listed_required_and_removed(cli_env: Engine) -> None:
    code, out, err = providers(
        "add", "ID-porten", "--kind", "idporten", "--issuer", "https://idporten.no/",
        "--client-id", "innostudy-asker", "--municipality", "Asker", stdin=SECRET + "\n",
    )  # fmt: skip
    assert code == 0, out + err
    assert "La til innloggingstjeneste" in out and SECRET not in out
    code, listed, _ = providers("list", "--json")
    (provider,) = json.loads(listed)
    assert provider["issuer"] == "https://idporten.no"
    assert provider["acr_values"] == ["idporten-loa-substantial"]
    assert provider["municipalities"] == ["3203"]
    assert provider["claim_map"]["subject"] == "pid"
    assert SECRET not in listed and SECRET not in providers("list")[1]
    with Session(cli_env) as session:
        stored = session.exec(select(SignInProvider)).one()
        assert stored.client_secret.startswith("v1:") and SECRET not in stored.client_secret

    code, out, _ = providers("require", "Asker", "--provider", str(provider["id"]))
    assert code == 0, out
    code, _, err = providers("require", "Bærum", "--provider", str(provider["id"]))
    assert code == 1 and "ikke satt opp for kommunen" in err
    with Session(cli_env) as session:
        assert session.exec(select(SignInRequirement.municipality_number)).all() == ["3203"]

    assert providers("disable", str(provider["id"]))[0] == 0
    assert providers("remove", str(provider["id"]))[0] == 0
    code, _, err = providers("remove", str(provider["id"]))
    assert code == 1 and "Fant ingen innloggingstjeneste" in err
    with Session(cli_env) as session:
        assert session.exec(select(SignInRequirement)).all() == []
        actions = session.exec(select(AuditEvent.action).order_by(col(AuditEvent.id))).all()
    assert actions[:4] == [
        "sign_in_provider.create",
        "sign_in_requirement.set",
        "sign_in_requirement.set",
        "sign_in_provider.update",
    ]
    assert "sign_in_provider.delete" in actions


def test_entra_needs_a_tenant_and_a_bad_issuer_is_refused(cli_env: Engine) -> None:
    code, _, err = providers(
        "add", "Asker Entra", "--kind", "entra", "--issuer",
        "https://login.microsoftonline.com/abc/v2.0", "--client-id", "x", stdin="s\n",
    )  # fmt: skip
    assert code == 2 and "tenant" in err
    code, _, err = providers(
        "add", "Feide", "--issuer", "http://auth.dataporten.no", "--client-id", "x", stdin="s\n"
    )
    assert code == 2 and "https" in err


def test_entra_groups_map_to_units_of_the_municipality(cli_env: Engine) -> None:
    unit = make_unit(cli_env, "Oppvekst")
    base = ["add", "Asker Entra", "--kind", "entra", "--tenant", "t", "--issuer",
            "https://login.microsoftonline.com/t/v2.0", "--client-id", "x",
            "--municipality", "Asker"]  # fmt: skip
    code, _, err = providers(*base, "--group", "g1=ikke-et-tall", stdin="s\n")
    assert code == 2 and "enhetsnummer" in err
    code, _, err = providers(*base, "--group", "g1=999999,leader", stdin="s\n")
    assert code == 1 and "finnes ikke" in err
    code, out, err = providers(*base, "--group", f"g1={unit.id},leader", "--group",
                               "g2=,municipal_admin", stdin="s\n")  # fmt: skip
    assert code == 0, out + err
    (provider,) = json.loads(providers("list", "--json")[1])
    assert provider["group_map"] == {
        "g1": {"unit": unit.id, "role": "leader"},
        "g2": {"role": "municipal_admin"},
    }


def test_the_client_secret_is_replaced_without_unlinking_anyone(cli_env: Engine) -> None:
    code, out, err = providers(
        "add", "Feide", "--issuer", "https://auth.dataporten.no", "--client-id", "x",
        stdin="gammel\n",
    )  # fmt: skip
    assert code == 0, out + err
    with Session(cli_env) as session:
        before = session.exec(select(SignInProvider)).one()
    code, out, err = providers("secret", str(before.id), stdin="ny-hemmelighet\n")
    assert code == 0 and "ny-hemmelighet" not in out + err
    with Session(cli_env) as session:
        after = session.exec(select(SignInProvider)).one()
    assert after.id == before.id and after.client_secret != before.client_secret
    assert providers("secret", "999999", stdin="x\n")[0] == 1
