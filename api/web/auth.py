"""Logging in and out in the browser, with the API's tokens and throttling."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from api.core.config import Settings
from api.core.errors import (
    InvalidCredentials,
    PasswordLoginNotAllowed,
    SignInFailed,
    TooManyAttempts,
)
from api.data.models import User
from api.http.deps import (
    OptionalUser,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
    client_address,
)
from api.services import oidc_sign_in
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
# The sign-in in progress at a provider, and the ID token for logging out there (both sealed).
FLOW_COOKIE = "innostudy_oidc_flow"
LOGOUT_COOKIE = "innostudy_oidc_logout"
CALLBACK_PATH = "/logg-inn/tilbake"
ProviderId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _login_form(
    request: Request,
    *,
    session: Session,
    next_path: str,
    email: str = "",
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    context = {
        "next_path": next_path,
        "email": email,
        "error": error,
        "notice": notice,
        "providers": oidc_sign_in.providers_for_login(session=session),
    }
    return render(request, "pages/login.html", context, status_code=status_code, headers=headers)


@router.get("/logg-inn")
def login_page(
    request: Request, user: OptionalUser, session: SessionDep, neste: str | None = None
) -> Response:
    """The login form (or on to the page asked for, if already logged in)."""
    next_path = local_path(neste)
    if user is not None:
        return redirect(request, next_path)
    notice = "Du er logget ut." if request.query_params.get("utlogget") else None
    return _login_form(request, session=session, next_path=next_path, notice=notice)


@router.post("/logg-inn")
def login(request: Request, form: FormDep, session: SessionDep, settings: SettingsDep) -> Response:
    """Check the credentials, set the session cookie and go on to the page asked for."""
    email = form_text(form, "epost", limit=254).strip()
    password = form_text(form, "passord", limit=200)
    next_path = local_path(form_text(form, "neste", limit=2000))
    if not email or not password:
        return _login_form(
            request,
            session=session,
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
            request,
            session=session,
            next_path=next_path,
            email=email,
            error=exc.detail,
            status_code=400,
        )
    except PasswordLoginNotAllowed as exc:
        return _login_form(
            request,
            session=session,
            next_path=next_path,
            email=email,
            error=exc.detail,
            status_code=exc.status_code,
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
            session=session,
            next_path=next_path,
            email=email,
            error=message,
            status_code=429,
            headers=exc.headers(),
        )
    response = _signed_in(request, session, settings, user, next_path)
    if LOGOUT_COOKIE in request.cookies:  # from an earlier sign-in through a provider
        clear_cookie(response, request, LOGOUT_COOKIE)
    return response


def _signed_in(
    request: Request, session: Session, settings: Settings, user: User, next_path: str
) -> Response:
    ttl = timedelta(minutes=settings.token_ttl_minutes)
    token = user_service.issue_token(session=session, user=user, ttl=ttl)
    renew_csrf_token(request)
    response = redirect(request, next_path)
    set_cookie(response, request, SESSION_COOKIE, token, max_age=int(ttl.total_seconds()))
    return response


def _sign_in_failed(
    request: Request, session: Session, exc: SignInFailed, next_path: str = "/"
) -> Response:
    response = _login_form(
        request, session=session, next_path=next_path, error=exc.detail,
        status_code=exc.status_code,
    )  # fmt: skip
    clear_cookie(response, request, FLOW_COOKIE)
    return response


@router.get("/logg-inn/med/{provider_id}")
def sign_in_with_provider(
    request: Request,
    provider_id: ProviderId,
    session: SessionDep,
    settings: SettingsDep,
    neste: str | None = None,
) -> Response:
    """Start signing in at an OpenID Connect provider (on to its login page)."""
    next_path = local_path(neste)
    try:
        started = oidc_sign_in.start(
            session=session,
            settings=settings,
            provider_id=provider_id,
            redirect_uri=settings.base_url + CALLBACK_PATH,
            next_path=next_path,
        )
    except SignInFailed as exc:
        return _sign_in_failed(request, session, exc, next_path)
    response = RedirectResponse(started.url, status_code=303)
    set_cookie(response, request, FLOW_COOKIE, started.flow, max_age=oidc_sign_in.FLOW_SECONDS)
    return response


@router.get(CALLBACK_PATH)
def sign_in_callback(
    request: Request,
    session: WriteSessionDep,
    settings: SettingsDep,
    state: Annotated[str | None, Query(max_length=500)] = None,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The provider's answer: check it, sign in, and go on to the page first asked for."""
    try:
        done = oidc_sign_in.finish(
            session=session,
            settings=settings,
            flow=request.cookies.get(FLOW_COOKIE),
            callback=oidc_sign_in.Callback(state=state, code=code, error=error),
            redirect_uri=settings.base_url + CALLBACK_PATH,
        )
    except SignInFailed as exc:
        # The audit row of the failure is committed: the page returns normally.
        return _sign_in_failed(request, session, exc)
    response = _signed_in(request, session, settings, done.user, local_path(done.next_path))
    clear_cookie(response, request, FLOW_COOKIE)
    if done.logout is not None:
        max_age = settings.token_ttl_minutes * 60
        set_cookie(response, request, LOGOUT_COOKIE, done.logout, max_age=max_age)
    else:
        clear_cookie(response, request, LOGOUT_COOKIE)
    return response


@router.post("/logg-ut")
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Revoke the login token, clear the session cookie, and log out at the provider too."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        user_service.revoke_token(session=session, token=token)
    back = "/logg-inn?utlogget=1"
    at_provider = oidc_sign_in.logout_url(
        session=session,
        settings=settings,
        kept=request.cookies.get(LOGOUT_COOKIE),
        post_logout_redirect_uri=settings.base_url + back,
    )
    if at_provider is None:
        response: Response = redirect(request, back)
    else:
        # A page that goes on by itself, not a redirect: the logout form's own page allows
        # forms to post only to this site (CSP form-action), redirects after them included.
        response = render(request, "pages/logout_provider.html", {"url": at_provider})
    clear_cookie(response, request, SESSION_COOKIE)
    if LOGOUT_COOKIE in request.cookies:
        clear_cookie(response, request, LOGOUT_COOKIE)
    return response
