"""Logging in and out in the browser, with the API's tokens and throttling."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request, Response

from api.core.errors import InvalidCredentials, TooManyAttempts
from api.http.deps import OptionalUser, SessionDep, SettingsDep, client_address
from api.services import users as user_service
from api.services.login_throttle import LoginPolicy
from api.web.deps import (
    SESSION_COOKIE,
    FormDep,
    clear_cookie,
    form_text,
    local_path,
    page_router,
    renew_csrf_token,
    set_cookie,
)
from api.web.render import redirect, render

router = page_router()


def _login_form(
    request: Request,
    *,
    next_path: str,
    email: str = "",
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    context = {"next_path": next_path, "email": email, "error": error, "notice": notice}
    return render(request, "pages/login.html", context, status_code=status_code, headers=headers)


@router.get("/logg-inn")
def login_page(request: Request, user: OptionalUser, neste: str | None = None) -> Response:
    """The login form (or on to the page asked for, if already logged in)."""
    next_path = local_path(neste)
    if user is not None:
        return redirect(request, next_path)
    notice = "Du er logget ut." if request.query_params.get("utlogget") else None
    return _login_form(request, next_path=next_path, notice=notice)


@router.post("/logg-inn")
def login(request: Request, form: FormDep, session: SessionDep, settings: SettingsDep) -> Response:
    """Check the credentials, set the session cookie and go on to the page asked for."""
    email = form_text(form, "epost", limit=254).strip()
    password = form_text(form, "passord", limit=200)
    next_path = local_path(form_text(form, "neste", limit=2000))
    if not email or not password:
        return _login_form(
            request,
            next_path=next_path,
            email=email,
            error="Skriv inn både e-postadresse og passord.",
            status_code=400,
        )
    try:
        user = user_service.authenticate(
            session=session,
            email=email,
            password=password,
            client=client_address(request),
            policy=LoginPolicy.from_settings(settings),
        )
    except InvalidCredentials as exc:
        # The failure stays recorded: the session dependency commits a route that returns.
        return _login_form(
            request, next_path=next_path, email=email, error=exc.detail, status_code=400
        )
    except TooManyAttempts as exc:
        wait = (
            f"{exc.retry_after} sekunder"
            if exc.retry_after < 90
            else f"{round(exc.retry_after / 60)} minutter"
        )
        message = f"For mange mislykkede innlogginger. Vent {wait} og prøv igjen."
        return _login_form(
            request,
            next_path=next_path,
            email=email,
            error=message,
            status_code=429,
            headers=exc.headers(),
        )
    ttl = timedelta(minutes=settings.token_ttl_minutes)
    token = user_service.issue_token(session=session, user=user, ttl=ttl)
    renew_csrf_token(request)
    response = redirect(request, next_path)
    set_cookie(response, request, SESSION_COOKIE, token, max_age=int(ttl.total_seconds()))
    return response


@router.post("/logg-ut")
def logout(request: Request, session: SessionDep) -> Response:
    """Revoke the login token and clear the session cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        user_service.revoke_token(session=session, token=token)
    response = redirect(request, "/logg-inn?utlogget=1")
    clear_cookie(response, request, SESSION_COOKIE)
    return response
