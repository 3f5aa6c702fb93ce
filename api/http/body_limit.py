"""Pure ASGI middleware that refuses request bodies over a size limit with a 413.

A declared ``Content-Length`` over the limit is refused before the app runs; a body without
one (chunked) is counted as it streams, and the read that passes the limit raises a 413
``HTTPException`` that the app's exception handlers answer (JSON on the API, a page elsewhere).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TooLarge = Callable[[Request], Awaitable[Response]]


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int, too_large: TooLarge) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.too_large = too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            response = await self.too_large(Request(scope, receive))
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(status_code=413)
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
