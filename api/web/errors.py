"""HTML error pages for page routes; the JSON API under /api/ keeps its JSON errors."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from api.core.errors import DomainError, NotAuthenticated
from api.http.security_headers import SECURITY_HEADERS
from api.web.deps import look_up_visitor
from api.web.render import redirect, render

_JSON_PATHS = ("/api/", "/healthz", "/metrics", "/openapi.json", "/badges/")
_TITLES = {
    400: "Ugyldig forespørsel",
    403: "Ingen tilgang",
    404: "Fant ikke siden",
    405: "Ikke tillatt",
    409: "Konflikt",
    413: "For stor forespørsel",
    422: "Kunne ikke behandles",
    429: "For mange forsøk",
    500: "Noe gikk galt",
}
_DEFAULT_MESSAGES = {
    403: "Du har ikke tilgang til denne siden.",
    404: "Siden du ba om, finnes ikke. Kanskje adressen er skrevet feil, eller siden er flyttet.",
    405: "Denne adressen kan ikke brukes slik. Gå tilbake og prøv igjen.",
    413: "Det du sendte, er for stort.",
    500: "Noe gikk galt hos oss. Prøv igjen om litt. Hvis feilen varer, kontakt kursansvarlig.",
}


def is_page_request(request: Request) -> bool:
    """Whether an error on this path should be answered with an HTML page."""
    return not request.url.path.startswith(_JSON_PATHS)


def login_redirect(request: Request) -> Response:
    """Send someone who is not logged in to the login form, and back here afterwards."""
    if request.method != "GET":
        return redirect(request, "/logg-inn")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(request, f"/logg-inn?neste={quote(target, safe='/')}")


def error_page(
    request: Request,
    status_code: int,
    message: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error page for ``status_code`` with a message the person can act on."""
    all_headers = dict(headers or {})
    if status_code >= 500:
        # A server error's response bypasses the middleware that sets these.
        all_headers.update(SECURITY_HEADERS)
    context = {
        "status_code": status_code,
        "title": _TITLES.get(status_code, "Feil"),
        "message": message or _DEFAULT_MESSAGES.get(status_code, "Forespørselen mislyktes."),
    }
    return render(
        request, "pages/error.html", context, status_code=status_code, headers=all_headers
    )


async def http_error_page(
    request: Request, status_code: int, headers: Mapping[str, str] | None = None
) -> Response:
    """The error page for an HTTP error such as an unknown address, with the visitor's header."""
    if status_code < 500:  # after a server error, leave the database alone
        await run_in_threadpool(look_up_visitor, request)
    return error_page(request, status_code, headers=headers)


async def domain_error_page(request: Request, exc: DomainError) -> Response:
    if isinstance(exc, NotAuthenticated):
        return login_redirect(request)
    await run_in_threadpool(look_up_visitor, request)
    return error_page(request, exc.status_code, exc.detail, exc.headers())
