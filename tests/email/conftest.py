from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.core.config import Settings
from api.data.models import Role
from api.services.worker import Worker
from tests.api.conftest import app, client  # noqa: F401  (the API fixtures)
from tests.email.smtp_server import Inbox, smtp_server
from tests.factories import user_headers


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as found:
        yield found


@pytest.fixture
def settings(tmp_path: Path, inbox: Inbox) -> Settings:
    """Real SMTP on loopback (no TLS there); retries at once, so a test runs every try."""
    return Settings(
        data_dir=tmp_path,
        secret_key="x" * 40,
        base_url="http://kurs.example.no",  # http: the test client then sends the CSRF cookie
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_security="none",
        smtp_sender="Innovasjonsstudiet <kurs@example.no>",
        smtp_timeout_seconds=10,
        job_retry_base_seconds=0,
        job_retry_max_seconds=0,
    )


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:  # noqa: F811
    return user_headers(client, engine, Role.ADMIN, email="admin@asker.kommune.no")


def drain(engine: Engine, settings: Settings) -> int:
    return Worker(engine, settings, schedules=()).drain()
