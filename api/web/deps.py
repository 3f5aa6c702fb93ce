"""Dependencies of the web pages: cookies and CSRF protection.

The web session is the API's opaque login token, kept in an HttpOnly cookie
(``api.http.deps.SESSION_COOKIE``); the user and role guards are the API's own
(``CurrentUser``, ``AdminUser``, ``StaffUser`` in ``api.http.deps``), which read
that cookie on pages and only the bearer token on the JSON API.
CSRF protection is a double submit: a random ``innostudy_csrf`` cookie that
every form repeats in a hidden ``csrf_token`` field. ``page_router`` checks it
on every state-changing request, so no page route can forget it.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import FormData

from api.core.db import transaction
from api.core.errors import Forbidden
from api.http.deps import SESSION_COOKIE, Visitor, get_engine, get_settings, visitor_for
from api.services import users as user_service
from api.web import paths as paths  # registers the {name:id} convertor before any page route

logger = logging.getLogger("innostudy")
CSRF_COOKIE = "innostudy_csrf"
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class CsrfRejected(Forbidden):
    code = "csrf_rejected"
    message = (
        "Skjemaet kunne ikke sendes fordi sikkerhetskoden mangler eller er utløpt. "
        "Gå tilbake, last siden på nytt og prøv igjen."
    )


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure when the request or the public address uses https."""
    return request.url.scheme == "https" or get_settings(request).base_url.startswith("https://")


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=secure_cookies(request),
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(
        name, path="/", secure=secure_cookies(request), httponly=True, samesite="lax"
    )


def csrf_token(request: Request) -> str:
    """The request's CSRF token; a new one (to be set as a cookie) when the browser has none."""
    token = getattr(request.state, "csrf_token", None) or request.cookies.get(CSRF_COOKIE)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf_token = token
    request.state.csrf_token = token
    return str(token)


def renew_csrf_token(request: Request) -> str:
    """A fresh CSRF token, e.g. at login, so a token planted before it is worthless."""
    token = secrets.token_urlsafe(32)
    request.state.csrf_token = token
    request.state.new_csrf_token = token
    return token


async def get_form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(get_form)]


def form_text(form: FormData, name: str, *, limit: int = 500_000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request whose form does not repeat the CSRF cookie."""
    if request.method in _SAFE_METHODS:
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form_text(await get_form(request), CSRF_FIELD, limit=200)
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise CsrfRejected()


def page_router() -> APIRouter:
    """A router for HTML pages: not in the OpenAPI document, CSRF-checked on every POST."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def look_up_visitor(request: Request) -> None:
    """Remember who the session cookie belongs to, for a page no user dependency ran for.

    Error pages need it: an unknown address matches no route, and a refused form may
    end before the route's dependencies. It runs in a short read transaction of its
    own and never raises (an error page must render whatever the database does);
    call it in a worker thread, not on the event loop.
    """
    if hasattr(request.state, "visitor"):
        return  # the request's own dependency found out already
    request.state.visitor = None
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return
    try:
        with transaction(get_engine(request)) as session:
            user = user_service.user_for_token(session=session, token=token)
            if user is not None:
                request.state.visitor = visitor_for(session, user)
    except Exception:
        logger.warning("error page: could not look up the visitor", exc_info=True)


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 or ord(c) == 127 for c in target)
        or len(target) > 2000
    ):
        return default
    return target


__all__ = ["SESSION_COOKIE", "Visitor"]
