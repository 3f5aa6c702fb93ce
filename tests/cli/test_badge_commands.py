"""``innostudy badges rotate-key``: a new key in the data folder, the old one still published."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlmodel import select
from typer.testing import CliRunner

from api.cli.main import app
from api.core import signing_keys
from api.core.config import Settings
from api.core.db import transaction
from api.data.models import BadgeKey
from api.services import open_badges

runner = CliRunner()


@pytest.fixture
def cli_env(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    return engine


def test_rotating_replaces_the_key_and_keeps_both_published(
    cli_env: Engine, tmp_path: Path
) -> None:
    old = open_badges.signing_key(Settings()).key_id
    result = runner.invoke(app, ["badges", "rotate-key"])
    assert result.exit_code == 0, result.output
    new = open_badges.signing_key(Settings()).key_id
    assert new != old
    assert f"Gammel nøkkel (fortsatt publisert): {old}" in result.output
    assert f"Ny nøkkel: {new}" in result.output
    key_file = tmp_path / "data" / signing_keys.KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert old not in key_file.read_text()
    with transaction(cli_env) as session:
        assert set(session.exec(select(BadgeKey.key_id)).all()) == {old, new}
        assert open_badges.key_ids(session=session, settings=Settings()) == [old, new]


def test_a_configured_key_is_used_and_rotated_by_setting_a_new_one(
    cli_env: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pem = signing_keys.to_pem(Ed25519PrivateKey.generate())
    monkeypatch.setenv("INNOSTUDY_BADGE_SIGNING_KEY", pem.replace("\n", "\\n"))
    assert open_badges.signing_key(Settings()).key_id == signing_keys.load_pem(pem).key_id
    result = runner.invoke(app, ["badges", "rotate-key"])
    assert result.exit_code == 1
    assert "INNOSTUDY_BADGE_SIGNING_KEY" in result.output


def test_a_configured_key_that_is_not_ed25519_pem_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INNOSTUDY_BADGE_SIGNING_KEY", "hemmelig")
    result = runner.invoke(app, ["badges", "rotate-key"])
    assert result.exit_code == 2
    assert "INNOSTUDY_BADGE_SIGNING_KEY" in result.output
    assert "PEM" in result.output
