from __future__ import annotations

from fastapi import Request, Response

from api.core.errors import (
    LoginSessionNotFound,
    NotAuthenticated,
    TooManyAttempts,
    UnprocessableError,
    responses,
)
from api.http import presenters as present
from api.http.deps import CurrentUser, LoginTokenDep, SessionDep, SettingsDep, client_address
from api.http.routing import api_router
from api.http.schemas import UserPublic
from api.http.schemas_me import LoginSessionPublic, PasswordChange, PasswordChanged, SessionsEnded
from api.services import own_account
from api.services.login_throttle import LoginPolicy

router = api_router(tags=["me"])


@router.get("/me", responses=responses(NotAuthenticated))
def me(user: CurrentUser) -> UserPublic:
    """The logged-in user's account."""
    return present.user_public(user)


@router.post(
    "/me/password", responses=responses(NotAuthenticated, UnprocessableError, TooManyAttempts)
)
def change_password(
    body: PasswordChange,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    token: LoginTokenDep,
) -> PasswordChanged:
    """Change your password with the current one; your other sessions end, this one stays."""
    ended = own_account.change_password(
        session=session,
        user=user,
        current_password=body.current_password,
        new_password=body.new_password,
        token=token,
        client=client_address(request),
        policy=LoginPolicy.from_settings(settings),
    )
    return PasswordChanged(ended_sessions=len(ended))


@router.get("/me/sessions", responses=responses(NotAuthenticated))
def list_sessions(
    session: SessionDep, user: CurrentUser, token: LoginTokenDep
) -> list[LoginSessionPublic]:
    """Your active sessions, newest first, with the one this request came with marked."""
    found = own_account.list_sessions(session=session, user=user, token=token)
    return [LoginSessionPublic.model_validate(item, from_attributes=True) for item in found]


@router.post("/me/sessions/logout-others", responses=responses(NotAuthenticated))
def logout_others(session: SessionDep, user: CurrentUser, token: LoginTokenDep) -> SessionsEnded:
    """End all your sessions except the one this request came with."""
    ended = own_account.end_other_sessions(session=session, user=user, token=token)
    return SessionsEnded(ended_sessions=len(ended))


@router.delete(
    "/me/sessions/{session_id:int}",
    status_code=204,
    responses=responses(NotAuthenticated, LoginSessionNotFound),
)
def end_session(session_id: int, session: SessionDep, user: CurrentUser) -> Response:
    """End one of your sessions."""
    own_account.end_session(session=session, user=user, session_id=session_id)
    return Response(status_code=204)
