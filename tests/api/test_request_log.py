"""One log line per request, with its request id; the id is echoed as ``X-Request-ID``."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.core import logs
from api.core.db import transaction
from api.data.models import Role
from api.http.observe import request_id
from api.services import jobs
from api.services.job_tasks import CLEAN_UP
from tests.factories import login, make_user

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Records of ``innostudy.requests`` and ``innostudy.jobs``, however logging is set up
    (``logs.configure``, run by other tests, stops innostudy's records at its own logger)."""
    root = logging.getLogger("innostudy")
    propagate, root.propagate = root.propagate, True
    caplog.set_level(logging.INFO, logger="innostudy.requests")
    caplog.set_level(logging.INFO, logger="innostudy.jobs")
    yield caplog
    root.propagate = propagate


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return _of(caplog, "innostudy.requests")


def _of(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == name]


def test_each_request_is_one_line_with_its_id_route_status_and_user(
    client: TestClient, engine: Engine, logged: pytest.LogCaptureFixture
) -> None:
    user = make_user(engine, email="kari.nordmann@asker.kommune.no")
    headers = login(client, user.email)
    logged.clear()

    response = client.get("/api/v1/modules/hvorfor-innovasjon?q=kari", headers=headers)

    assert response.status_code == 200
    [line] = _request_lines(logged)
    assert line.request_id == response.headers["X-Request-ID"]  # type: ignore[attr-defined]
    assert GENERATED.fullmatch(line.request_id)  # type: ignore[attr-defined]
    assert line.method == "GET"  # type: ignore[attr-defined]
    assert line.route == "/api/v1/modules/{slug}"  # type: ignore[attr-defined]
    assert line.status == 200  # type: ignore[attr-defined]
    assert line.duration_ms >= 0  # type: ignore[attr-defined]
    assert line.user_id == user.id  # type: ignore[attr-defined]
    # Data minimisation: no path, query string, e-mail address or name.
    text = json.dumps({key: str(value) for key, value in vars(line).items()})
    for personal in ("hvorfor-innovasjon", "q=kari", "kari.nordmann", "Kari Nordmann"):
        assert personal not in text


def test_the_user_id_is_logged_on_orm_routes_too_and_absent_when_anonymous(
    client: TestClient, engine: Engine, logged: pytest.LogCaptureFixture
) -> None:
    user = make_user(engine)
    headers = login(client, user.email)
    logged.clear()

    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get("/api/v1/me").status_code == 401

    known, anonymous = _request_lines(logged)
    assert known.user_id == user.id  # type: ignore[attr-defined]
    assert known.route == "/api/v1/me"  # type: ignore[attr-defined]
    assert anonymous.status == 401  # type: ignore[attr-defined]
    assert not hasattr(anonymous, "user_id")


def test_an_unknown_path_is_logged_as_unmatched(
    client: TestClient, logged: pytest.LogCaptureFixture
) -> None:
    response = client.get("/api/v1/finnes-ikke/kari@asker.kommune.no")
    [line] = _request_lines(logged)
    assert response.status_code == 404
    assert line.route == "unmatched"  # type: ignore[attr-defined]
    assert "kari@" not in line.getMessage()


def test_a_safe_incoming_request_id_is_kept_and_echoed(
    client: TestClient, logged: pytest.LogCaptureFixture
) -> None:
    incoming = "lb-7f3a9c1e-2b4d.42:1"
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming
    [line] = _request_lines(logged)
    assert line.request_id == incoming  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "incoming",
    ["x" * 500, "abc def", "<script>alert(1)</script>", "é-id", "id;rm -rf", ""],
)
def test_an_unsafe_incoming_request_id_is_replaced(
    client: TestClient, logged: pytest.LogCaptureFixture, incoming: str
) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": incoming.encode()})
    echoed = response.headers["X-Request-ID"]
    assert GENERATED.fullmatch(echoed)
    [line] = _request_lines(logged)
    assert line.request_id == echoed  # type: ignore[attr-defined]


@pytest.mark.parametrize("raw", [b"abc\r\nSet-Cookie: x=1", b"abc\nlog-injection", b"a\x00b"])
def test_control_characters_in_a_request_id_never_pass(raw: bytes) -> None:
    # An HTTP client refuses to send these; a raw socket can.
    assert GENERATED.fullmatch(request_id([(b"x-request-id", raw)]))


def test_every_answer_has_a_request_id_even_a_404(client: TestClient) -> None:
    first = client.get("/finnes-ikke").headers["X-Request-ID"]
    second = client.get("/finnes-ikke").headers["X-Request-ID"]
    assert first != second


def test_a_job_enqueued_by_a_request_is_logged_with_its_request_id(
    client: TestClient, engine: Engine, logged: pytest.LogCaptureFixture
) -> None:
    admin = make_user(engine, role=Role.ADMIN)
    headers = {**login(client, admin.email), "X-Request-ID": "eksport-1"}
    logged.clear()

    response = client.post(
        "/api/v1/reports/roster/exports", json={"format": "csv"}, headers=headers
    )

    assert response.status_code == 202, response.text
    [enqueued] = _of(logged, "innostudy.jobs")
    assert enqueued.event == "job_enqueued"  # type: ignore[attr-defined]
    assert enqueued.request_id == "eksport-1"  # type: ignore[attr-defined]
    assert enqueued.job_id == response.json()["id"]  # type: ignore[attr-defined]


def test_a_rolled_back_enqueue_is_not_logged(
    engine: Engine, logged: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(RuntimeError), transaction(engine, write=True) as session:
        jobs.enqueue(session=session, kind=CLEAN_UP)
        raise RuntimeError("the change that caused the job failed")
    with transaction(engine, write=True) as session:
        pass
    assert not _of(logged, "innostudy.jobs")


def test_serve_writes_the_line_as_json(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger("innostudy")
    saved = (root.handlers[:], root.level, root.propagate)
    try:
        logs.configure("json")  # as api.main does for `innostudy serve`
        client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    finally:
        root.handlers, root.level, root.propagate = saved
    [line] = [
        json.loads(text) for text in capsys.readouterr().err.splitlines() if "abc-123" in text
    ]
    assert line["logger"] == "innostudy.requests"
    assert line["message"] == "GET /healthz 200"
    assert line["event"] == "request"
    assert (line["request_id"], line["route"], line["status"]) == ("abc-123", "/healthz", 200)
    assert isinstance(line["duration_ms"], float)
