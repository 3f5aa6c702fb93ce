"""Public e-mail pages: "Glemt passord" and the unsubscribe link of deadline reminders.

Neither needs a login. "Glemt passord" shows the same page whether or not the address
has an account (``invitations.request_reset``); unsubscribing asks for a click, so a
mail scanner that opens every link does not unsubscribe anyone.

``one_click`` is RFC 8058's one-click unsubscribe, the address in a reminder's
``List-Unsubscribe`` header: the mail provider POSTs ``List-Unsubscribe=One-Click`` to it,
with no cookies, so it has no CSRF check and no login (the signed token in the address is
the authority, and the body says a person asked). A GET of it (a mail program without
one-click support opening the address) goes on to the page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse, RedirectResponse

from api.core.config import Settings
from api.core.errors import TooManyResetRequests, UnsubscribeLinkInvalid
from api.http.deps import OptionalUser, SessionDep, SettingsDep, client_address
from api.services import email_preferences, email_render, invitations
from api.web.deps import FormDep, form_text, page_router
from api.web.render import render

router = page_router()
one_click = APIRouter(include_in_schema=False)  # no CSRF check: see the module's docstring


def _forgot(
    request: Request,
    settings: Settings,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    context = {
        "enabled": settings.email_enabled,
        "sent": False,
        "error": None,
        "email": "",
        "minutes": settings.password_reset_link_minutes,
        **extra,
    }
    return render(
        request, "pages/forgot_password.html", context, status_code=status_code, headers=headers
    )


@router.get("/glemt-passord")
def forgot_password_page(request: Request, user: OptionalUser, settings: SettingsDep) -> Response:
    """The form that asks for a link to set a new password."""
    return _forgot(request, settings)


@router.post("/glemt-passord")
def forgot_password(
    request: Request, form: FormDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Send the link if the address has an account; the same page either way."""
    email = form_text(form, "epost", limit=254).strip()
    if not settings.email_enabled:
        return _forgot(request, settings)
    if "@" not in email:
        error = "Skriv inn e-postadressen du logger inn med, for eksempel kari@kommune.no."
        return _forgot(request, settings, email=email, error=error, status_code=422)
    try:
        invitations.request_reset(
            session=session, settings=settings, email=email, client=client_address(request)
        )
    except TooManyResetRequests as exc:
        minutes = max(1, round(exc.retry_after / 60))
        error = (
            "Det er bedt om nytt passord for mange ganger på kort tid. "
            f"Vent {minutes} minutter og prøv igjen."
        )
        return _forgot(
            request, settings, email=email, error=error, status_code=429, headers=exc.headers()
        )
    return _forgot(request, settings, sent=True)


def _unsubscribe(request: Request, *, status_code: int = 200, **extra: Any) -> Response:
    context = {"error": None, "done": False, "token": "", **extra}
    return render(request, "pages/unsubscribe.html", context, status_code=status_code)


@router.get("/varsler/avmeld")
def unsubscribe_page(
    request: Request,
    settings: SettingsDep,
    user: OptionalUser,
    token: str = "",
) -> Response:
    """The page a reminder's unsubscribe link opens: one button, no login."""
    token = token[:200]  # a mangled link gets the page's own message, not a 422
    try:
        email_preferences.check_unsubscribe_token(settings=settings, token=token)
    except UnsubscribeLinkInvalid as exc:
        return _unsubscribe(request, error=exc.detail, status_code=400)
    return _unsubscribe(request, token=token)


@router.post("/varsler/avmeld")
def unsubscribe(
    request: Request, form: FormDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Turn the reminders off."""
    try:
        email_preferences.unsubscribe(
            session=session, settings=settings, token=form_text(form, "token", limit=100)
        )
    except UnsubscribeLinkInvalid as exc:
        return _unsubscribe(request, error=exc.detail, status_code=400)
    return _unsubscribe(request, done=True)


@one_click.get(email_render.ONE_CLICK_PATH)
def one_click_page(token: str = "") -> Response:
    """A mail program opened the one-click address: the page with the button."""
    return RedirectResponse("/varsler/avmeld?" + urlencode({"token": token[:200]}), status_code=303)


@one_click.post(email_render.ONE_CLICK_PATH)
def one_click_unsubscribe(
    form: FormDep, session: SessionDep, settings: SettingsDep, token: str = ""
) -> Response:
    """RFC 8058: turn the reminders off, for the token in the address."""
    if form_text(form, "List-Unsubscribe", limit=100) != "One-Click":
        return PlainTextResponse(
            "Forespørselen må inneholde List-Unsubscribe=One-Click.", status_code=400
        )
    try:
        email_preferences.unsubscribe(session=session, settings=settings, token=token[:200])
    except UnsubscribeLinkInvalid as exc:
        return PlainTextResponse(exc.detail, status_code=400)
    return PlainTextResponse("Du får ikke flere påminnelser om frister.")
