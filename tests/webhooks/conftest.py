from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.core.config import Settings
from api.data.models import Role
from tests.api.conftest import app, client  # noqa: F401  (the API fixtures)
from tests.factories import user_headers


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Retries at once (no backoff), so a test runs every try of a delivery in a row."""
    return Settings(
        data_dir=tmp_path,
        secret_key="x" * 40,
        base_url="https://kurs.example.no",
        job_retry_base_seconds=0,
        job_retry_max_seconds=0,
        webhook_timeout_seconds=5,
    )


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:  # noqa: F811
    return user_headers(client, engine, Role.ADMIN, email="admin@asker.kommune.no")
