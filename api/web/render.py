"""Rendering a page: the shared layout's context (navigation, CSRF token) and cookies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.data.models import Role
from api.web.deps import CSRF_COOKIE, Visitor, csrf_token, set_cookie
from api.web.templating import templates

_OSLO = ZoneInfo("Europe/Oslo")
ROLE_NAMES = {
    Role.LEARNER: "Deltaker",
    Role.LEADER: "Leder",
    Role.MUNICIPAL_ADMIN: "Kommuneadministrator",
    Role.INSTRUCTOR: "Instruktør",
    Role.ADMIN: "Administrator",
}


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    href: str
    roles: frozenset[str]


_EVERYONE = frozenset(Role)
# The header's navigation, in order. Administration pages add their entry here.
NAV_ITEMS: list[NavItem] = [
    NavItem("Oversikt", "/", _EVERYONE),
    NavItem("Mitt prosjekt", "/mitt-prosjekt", _EVERYONE),
    NavItem("Kursbevis", "/kursbevis", _EVERYONE),
    NavItem("Instruktør", "/instruktor", frozenset({Role.INSTRUCTOR, Role.ADMIN})),
    NavItem("Mine enheter", "/mine-enheter", frozenset({Role.LEADER})),
    NavItem("Vurderinger", "/vurderinger", frozenset({Role.LEADER, Role.INSTRUCTOR})),
    NavItem("Administrasjon", "/admin", frozenset({Role.ADMIN, Role.MUNICIPAL_ADMIN})),
    NavItem("Min profil", "/profil", _EVERYONE),
]


def clock_time(value: datetime) -> str:
    return value.astimezone(_OSLO).strftime("%H:%M")


templates.env.filters["klokkeslett"] = clock_time


_SHOWN_FIRST = (Role.ADMIN, Role.INSTRUCTOR, Role.MUNICIPAL_ADMIN, Role.LEADER)


def _main_role(user: Visitor) -> Role:
    """The role the header names: the widest the visitor holds."""
    held = user.roles | {user.role}
    return next((role for role in _SHOWN_FIRST if role in held), Role.LEARNER)


def _nav(user: Visitor | None, path: str) -> list[dict[str, object]]:
    if user is None:
        return []
    items = []
    for item in NAV_ITEMS:
        if (user.roles | {user.role}) & item.roles:
            current = path == item.href or (item.href != "/" and path.startswith(item.href + "/"))
            items.append({"label": item.label, "href": item.href, "current": current})
    return items


def apply_cookies(request: Request, response: Response) -> None:
    """Set the CSRF cookie if this request created the token."""
    new_token = getattr(request.state, "new_csrf_token", None)
    if new_token:
        set_cookie(response, request, CSRF_COOKIE, new_token)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` in the shared layout.

    Args:
        request: the request; its ``state.visitor`` (set by the user dependencies)
            decides the header and navigation.
        template: a template name under ``api/web/templates``.
        context: the template's own variables.
        status_code: the HTTP status of the page.
        headers: extra response headers.

    Returns:
        The page, with the CSRF cookie set when the browser had none. Pages shown to a
        logged-in user are not stored by the browser (``Cache-Control: no-store``).
    """
    user: Visitor | None = getattr(request.state, "visitor", None)
    full_context = {
        "user": user,
        "role_name": ROLE_NAMES[_main_role(user)] if user else None,
        "nav": _nav(user, request.url.path),
        "csrf_token": csrf_token(request),
        **(context or {}),
    }
    all_headers = dict(headers or {})
    if user is not None:
        all_headers.setdefault("Cache-Control", "no-store")
    response = templates.TemplateResponse(
        request, template, full_context, status_code=status_code, headers=all_headers
    )
    apply_cookies(request, response)
    return response


def redirect(request: Request, url: str) -> RedirectResponse:
    """303 See Other: after a form, the browser fetches ``url`` with GET."""
    response = RedirectResponse(url, status_code=303)
    apply_cookies(request, response)
    return response
