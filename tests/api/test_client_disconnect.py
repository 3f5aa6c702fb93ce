"""A client that closes the connection while sending its body is no server error.

Reading the body then raises Starlette's ``ClientDisconnect``: on a page form and
on a hot API route it reached the catch-all handler, which logged an unhandled
error and answered 500.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.data.models import Role
from course.models import Course
from tests.factories import user_headers

FORM = "application/x-www-form-urlencoded"


def send_half_a_body(app: FastAPI, path: str, headers: dict[str, str], start: bytes) -> list[int]:
    """POST ``start`` of a longer body, then disconnect; the statuses the app answered."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
             "server": ("testserver", 80), "state": {},
             "headers": [(k.lower().encode(), v.encode()) for k, v in
                         {**headers, "Content-Length": str(len(start) + 100)}.items()]}  # fmt: skip
    messages = iter([{"type": "http.request", "body": start, "more_body": True}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages, {"type": "http.disconnect"})

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    anyio.run(app, scope, receive, send)
    return [m["status"] for m in sent if m["type"] == "http.response.start"]


@pytest.mark.parametrize("door", ["api", "page"])
def test_half_a_body_is_not_an_unhandled_error(
    app: FastAPI,
    client: TestClient,
    engine: Engine,
    shipped_course: Course,
    caplog: pytest.LogCaptureFixture,
    door: str,
) -> None:
    auth = user_headers(client, engine, Role.LEARNER)
    module = next(m for m in shipped_course.modules if m.quiz is not None)
    if door == "api":
        path, headers = (
            f"/api/v1/modules/{module.slug}/attempts",
            {**auth, "Content-Type": "application/json"},
        )
        start = b'{"answers": {"'
    else:
        token = auth["Authorization"].removeprefix("Bearer ")
        cookies = f"innostudy_session={token}; innostudy_csrf=abc"
        path, headers = f"/moduler/{module.slug}/quiz", {"Content-Type": FORM, "Cookie": cookies}
        start = b"csrf=abc&q-"
    with caplog.at_level("INFO"):
        statuses = send_half_a_body(app, path, headers, start)
    assert "unhandled error" not in caplog.text
    assert "client went away" in caplog.text or statuses, caplog.text
    assert all(status < 500 for status in statuses), statuses
