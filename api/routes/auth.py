from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from api.core.errors import (
    InvalidCredentials,
    NotAuthenticated,
    PasswordLoginNotAllowed,
    TooManyAttempts,
    responses,
)
from api.http.deps import CurrentUser, SessionDep, SettingsDep, TokenDep, client_address
from api.http.routing import api_router
from api.http.schemas import Token
from api.services import users as user_service
from api.services.login_throttle import LoginPolicy

router = api_router(prefix="/auth", tags=["auth"])


@router.post(
    "/token", responses=responses(InvalidCredentials, TooManyAttempts, PasswordLoginNotAllowed)
)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    """Log in with e-mail (as `username`) and password; returns a bearer token."""
    user = user_service.authenticate(
        session=session,
        email=form.username,
        password=form.password,
        client=client_address(request),
        policy=LoginPolicy.from_settings(settings),
    )
    ttl = timedelta(minutes=settings.token_ttl_minutes)
    token = user_service.issue_token(session=session, user=user, ttl=ttl)
    return Token(access_token=token, expires_in=int(ttl.total_seconds()))


@router.post("/logout", status_code=204, responses=responses(NotAuthenticated))
def logout(session: SessionDep, user: CurrentUser, token: TokenDep) -> Response:
    """Revoke the token used for this request."""
    assert token is not None
    user_service.revoke_token(session=session, token=token)
    return Response(status_code=204)
