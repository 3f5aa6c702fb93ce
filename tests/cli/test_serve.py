"""``innostudy serve``: how it starts uvicorn (the server itself is not started here)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.cli.main import app

runner = CliRunner()


@pytest.fixture
def started(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    calls: list[dict[str, Any]] = []

    def run(target: str, **options: Any) -> None:
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        calls.append({**options, "metrics_dir": directory, "dir_existed": bool(directory)
                      and Path(directory).is_dir()})  # fmt: skip

    monkeypatch.setattr(uvicorn, "run", run)
    return calls


def test_serve_logs_each_request_once_without_uvicorns_access_log(
    started: list[dict[str, Any]],
) -> None:
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    [options] = started
    assert options["access_log"] is False
    assert options["metrics_dir"] is None  # one process: its own registry


def test_several_processes_share_their_metrics_through_a_directory(
    started: list[dict[str, Any]],
) -> None:
    result = runner.invoke(app, ["serve", "--workers", "3"])
    assert result.exit_code == 0, result.output
    [options] = started
    assert options["workers"] == 3
    assert options["dir_existed"]
    assert not Path(options["metrics_dir"]).exists()  # removed when the server stops
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
