"""Pure ASGI middleware that gives every request an id, counts and times it, and logs it.

The request id is the caller's ``X-Request-ID`` if that is a short safe token (a
proxy or load balancer in front sets one), else a new one; it is sent back as
``X-Request-ID`` and is the ``request_id`` of log lines written meanwhile
(``api.core.logs``). Metrics and the log line name the matched route's path
template (``/api/v1/modules/{slug}``), never the path itself: no slug, id or query
string reaches them, and the metrics have one series per route, not per URL. The
log line names the caller by user id only, when a user dependency found one.

A plain ASGI middleware rather than ``BaseHTTPMiddleware``, which would run the app
in a task of its own and wrap every body chunk: this costs the hot routes a few
microseconds (``bench/bench_api.py``; README).
"""

from __future__ import annotations

import logging
import re
import secrets
from time import perf_counter
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core import logs
from api.http.metrics import RequestMetrics

logger = logging.getLogger("innostudy.requests")
_SAFE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
)  # any other is "other": a client cannot add series
UNMATCHED = "unmatched"


def request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's ``X-Request-ID`` if it is a short safe token, else a new random one."""
    for name, value in headers:
        if name == b"x-request-id":
            if _SAFE_ID.fullmatch(value):
                return value.decode("ascii")
            break
    return secrets.token_hex(16)


def route_template(scope: Scope) -> str:
    """The path template of the route that matched, or ``unmatched``."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class RequestObserver:
    def __init__(self, app: ASGIApp, *, metrics: RequestMetrics, log: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        rid = request_id(scope["headers"])
        # Created here, so the dict the user dependencies write to (request.state) is this one.
        state: dict[str, Any] = scope.setdefault("state", {})
        header = (b"x-request-id", rid.encode("ascii"))
        status = 500  # unless a response starts: an error escaped to the server's handler

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = logs.request_id.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logs.request_id.reset(token)
            seconds = perf_counter() - started
            method = scope["method"] if scope["method"] in _METHODS else "other"
            route = route_template(scope)
            self.metrics.observe(method, route, status, seconds)
            if self.log and logger.isEnabledFor(logging.INFO):
                extra: dict[str, Any] = {
                    "event": "request",
                    "request_id": rid,
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                }
                user_id = state.get("user_id")
                if user_id is not None:
                    extra["user_id"] = user_id
                logger.info("%s %s %s", method, route, status, extra=extra)
