"""``/healthz/ready`` for a load balancer: the database answers and no job queue is stuck."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.core.config import Settings
from api.core.db import make_engine, transaction
from api.data.models import utcnow
from api.services import jobs
from api.services.job_tasks import CLEAN_UP, ROSTER_EXPORT
from api.services.worker import writing


def _queue(engine: Engine, kind: str, *, due_for: float) -> None:
    """A queued job that has been due for ``due_for`` seconds (no worker runs in these tests)."""
    with transaction(engine, write=True) as session:
        jobs.enqueue(session=session, kind=kind, run_after=utcnow() - timedelta(seconds=due_for))


def test_ready_on_a_healthy_database_names_every_queue(client: TestClient, engine: Engine) -> None:
    _queue(engine, CLEAN_UP, due_for=30)
    with writing(engine) as connection:
        jobs.register_worker(connection, worker="maskin-1:42:abc", queues=["default"])

    response = client.get("/healthz/ready")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["queues"]["default"]["due"] == 1
    assert 25 < body["queues"]["default"]["oldest_due_seconds"] < 120
    assert body["queues"]["default"]["workers"] == 1
    assert body["queues"]["bulk"] == {"due": 0, "oldest_due_seconds": None, "workers": 0}
    # No worker takes bulk jobs: reported, but this web process still takes traffic.
    assert body["unserved"] == ["bulk"]


def test_a_job_due_later_or_retrying_is_not_a_backlog(client: TestClient, engine: Engine) -> None:
    _queue(engine, CLEAN_UP, due_for=-3600)  # due in an hour (a retry's backoff, say)

    body = client.get("/healthz/ready").json()

    assert body["queues"]["default"] == {"due": 0, "oldest_due_seconds": None, "workers": 0}


def test_a_due_job_older_than_the_limit_makes_the_process_unready(
    client: TestClient, engine: Engine
) -> None:
    _queue(engine, CLEAN_UP, due_for=60)
    _queue(engine, ROSTER_EXPORT, due_for=2000)  # over the default limit of 900 s

    response = client.get("/healthz/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "queue_backlog"
    assert body["queue"] == "bulk"
    assert body["limit_seconds"] == 900
    assert 1990 < body["oldest_due_seconds"] < 2100
    assert body["detail"].startswith("Bakgrunnsjobbene står fast")
    assert "«bulk»" in body["detail"]


def test_the_backlog_limit_is_a_setting_and_zero_turns_it_off(
    settings: Settings, engine: Engine
) -> None:
    _queue(engine, CLEAN_UP, due_for=120)
    strict = Settings(**{**settings.model_dump(), "ready_max_queue_age_seconds": 60})
    off = Settings(**{**settings.model_dump(), "ready_max_queue_age_seconds": 0})
    with TestClient(create_app(strict, engine=engine)) as client:
        assert client.get("/healthz/ready").status_code == 503
    with TestClient(create_app(off, engine=engine)) as client:
        assert client.get("/healthz/ready").status_code == 200


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


@pytest.fixture(params=["postgresql", "sqlite"])
def unreachable(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A PostgreSQL server that refuses connections, or an SQLite "file" that is a directory."""
    if request.param == "postgresql":
        url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/innostudy"
    else:
        (tmp_path / "db").mkdir()
        url = f"sqlite:///{tmp_path / 'db'}"
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_an_unreachable_database_makes_the_process_unready_not_a_500(
    settings: Settings, unreachable: Engine
) -> None:
    with TestClient(create_app(settings, engine=unreachable), raise_server_exceptions=False) as c:
        ready = c.get("/healthz/ready")
        live = c.get("/healthz")

    assert ready.status_code == 503
    assert ready.json()["code"] == "database_unavailable"
    assert ready.json()["detail"] == "Databasen svarer ikke."
    # /healthz reads the database too: it says so with a 503 as well, never a 500.
    assert live.status_code == 503
    assert live.json()["code"] == "database_unavailable"


def test_readiness_is_documented_with_its_503(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/healthz/ready"]["get"]
    assert "503" in operation["responses"]
    assert "200" in operation["responses"]
