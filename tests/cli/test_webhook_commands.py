"""``innostudy webhooks``: list, create (the secret printed once), test, deliveries, delete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.cli.main import app
from api.core.config import Settings
from api.data.models import AuditEvent
from api.services.worker import Worker
from tests.webhooks.receiver import running_receiver, verify_with_npm

runner = CliRunner()


@pytest.fixture
def cli_env(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    return engine


def webhooks(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["webhooks", *args])
    return result.exit_code, result.stdout, result.stderr


def test_an_endpoint_is_created_tested_logged_and_deleted(cli_env: Engine) -> None:
    with running_receiver() as receiver:
        code, out, _ = webhooks(
            "create", receiver.url, "--event", "certificate.issued", "--event",
            "course.completed", "--municipality", "Asker", "--description", "HR",
        )  # fmt: skip
        assert code == 0, out
        secret = out.strip().splitlines()[-1]
        assert secret.startswith("whsec_")
        code, listed, _ = webhooks("list", "--json")
        (endpoint,) = json.loads(listed)
        assert endpoint["events"] == ["course.completed", "certificate.issued"]
        assert endpoint["municipality_number"] == "3203"
        assert secret not in listed
        assert secret not in webhooks("list")[1]

        code, out, _ = webhooks("test", str(endpoint["id"]))
        assert code == 0 and "lagt i kø" in out
        Worker(cli_env, Settings(), schedules=()).drain()

    (result,) = verify_with_npm(secret, receiver.requests)
    assert result["ok"] and result["payload"]["type"] == "webhook.test"
    code, log, _ = webhooks("deliveries", str(endpoint["id"]), "--json")
    (delivery,) = json.loads(log)
    assert delivery["status_code"] == 204 and delivery["attempt"] == 1
    assert delivery["webhook_id"] == receiver.requests[0].headers["webhook-id"]
    assert "webhook.test" in webhooks("deliveries")[1]

    code, out, _ = webhooks("rotate", str(endpoint["id"]))
    assert code == 0 and "i 24 timer" in out
    new_secret = out.strip().splitlines()[-1]
    assert new_secret.startswith("whsec_") and new_secret != secret

    assert webhooks("delete", str(endpoint["id"]))[0] == 0
    code, _, error = webhooks("delete", str(endpoint["id"]))
    assert code == 1 and "Fant ikke webhook-mottakeren" in error
    with Session(cli_env) as session:
        actions = session.exec(
            select(AuditEvent.action).where(col(AuditEvent.target).like("webhook%"))
        ).all()
    assert sorted(actions) == [
        "webhook.create", "webhook.delete", "webhook.delete", "webhook.rotate_secret",
        "webhook.test",
    ]  # fmt: skip


def test_bad_input_is_refused_in_norwegian(cli_env: Engine) -> None:
    code, _, error = webhooks("create", "http://hr.example.no/h", "--event", "course.completed")
    assert code == 1 and "må bruke https://" in error
    code, _, error = webhooks("create", "https://hr.example.no/h", "--event", "user.created")
    assert code == 2 and "Ukjent hendelse" in error
    code, _, error = webhooks(
        "create", "https://hr.example.no/h", "--event", "course.completed", "--municipality", "Oz"
    )
    assert code == 1 and "Oz" in error
    assert "Ingen webhook-mottakere" in webhooks("list")[2]
