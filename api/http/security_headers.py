"""Security headers for every response except the interactive API documentation."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
# Every API answer is about the caller (a token, progress, a certificate, their personal data
# export) or refuses them: no browser or proxy may keep a copy.
API_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
# Swagger UI and ReDoc load their script from a CDN and start it with an inline script.
_EXEMPT_PREFIXES = ("/docs", "/redoc")


class SecurityHeaders:
    """Pure ASGI middleware: adds ``SECURITY_HEADERS`` (``API_HEADERS`` under ``/api/``)
    unless a response set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(_EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return

        added = API_HEADERS if str(scope["path"]).startswith("/api/") else SECURITY_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in added.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
