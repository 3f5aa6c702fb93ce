"""E-mail: invitations, "Glemt passord", one's own e-mail preferences, the unsubscribe
link, and completion deadlines (which the reminders are about)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response

from api.core.errors import (
    DeadlineNotFound,
    EmailNotConfigured,
    Forbidden,
    MunicipalityNotFound,
    NotAuthenticated,
    OutsideScope,
    OwnAccount,
    TooManyResetRequests,
    UnitNotFound,
    UnsubscribeLinkInvalid,
    UserErased,
    UserInactive,
    UserNotFound,
    responses,
)
from api.http.auditing import audit_refusals
from api.http.deps import (
    CurrentUser,
    PeopleManager,
    SessionDep,
    SettingsDep,
    UnitManager,
    client_address,
)
from api.http.routing import api_router
from api.http.schemas_email import (
    DeadlinePublic,
    DeadlineSet,
    EmailPreferencesPublic,
    EmailPreferencesUpdate,
    ResetRequest,
)
from api.services import deadlines, email_preferences, invitations
from api.services.audit import Action

router = api_router(tags=["email"])
GUARDED = (NotAuthenticated, Forbidden)
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]


@router.post(
    "/users/{user_id:int}/invitation",
    status_code=202,
    responses=responses(
        *GUARDED, UserNotFound, UserInactive, UserErased, OwnAccount, EmailNotConfigured
    ),
    dependencies=[audit_refusals(Action.USER_INVITE)],
)
def invite(
    user_id: Id, session: SessionDep, actor: PeopleManager, settings: SettingsDep
) -> Response:
    """E-mail the person a link (valid 14 days, once) to choose a password; earlier codes end."""
    invitations.invite(session=session, actor=actor, settings=settings, user_id=user_id)
    return Response(status_code=202)


@router.post(
    "/auth/password-reset-request",
    status_code=202,
    responses=responses(TooManyResetRequests, EmailNotConfigured),
)
def request_password_reset(
    body: ResetRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """Public: e-mail a link to set a new password, if an account has the address (the
    answer is the same either way)."""
    if not settings.email_enabled:
        raise EmailNotConfigured("E-post er ikke satt opp. Be administratoren om en passordkode.")
    invitations.request_reset(
        session=session, settings=settings, email=body.email, client=client_address(request)
    )
    return Response(status_code=202)


@router.get("/me/email-preferences", responses=responses(NotAuthenticated))
def my_preferences(session: SessionDep, user: CurrentUser) -> EmailPreferencesPublic:
    """Your e-mail preferences: deadline reminders, and (for leaders) completion notices."""
    found = email_preferences.of(session=session, user=user)
    return EmailPreferencesPublic.model_validate(found)


@router.patch("/me/email-preferences", responses=responses(NotAuthenticated, Forbidden))
def change_my_preferences(
    body: EmailPreferencesUpdate, session: SessionDep, user: CurrentUser
) -> EmailPreferencesPublic:
    """Turn deadline reminders or (for leaders) completion notices on or off."""
    found = email_preferences.update(
        session=session,
        user=user,
        reminders=body.reminders,
        unit_completion_notices=body.unit_completion_notices,
    )
    return EmailPreferencesPublic.model_validate(found)


@router.post("/email/unsubscribe", status_code=204, responses=responses(UnsubscribeLinkInvalid))
def unsubscribe(
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Query(max_length=100)],
) -> Response:
    """Public: turn deadline reminders off with the token from a reminder's link (RFC 8058)."""
    email_preferences.unsubscribe(session=session, settings=settings, token=token)
    return Response(status_code=204)


@router.get("/deadlines", responses=responses(*GUARDED))
def list_deadlines(session: SessionDep, actor: UnitManager) -> list[DeadlinePublic]:
    """The completion deadlines in the municipalities you administer, soonest first."""
    found = deadlines.list_deadlines(session=session, actor=actor)
    return [DeadlinePublic.model_validate(deadline) for deadline in found]


@router.put(
    "/deadlines",
    responses=responses(*GUARDED, MunicipalityNotFound, UnitNotFound, OutsideScope),
    dependencies=[audit_refusals(Action.DEADLINE_SET, target="deadlines")],
)
def set_deadline(body: DeadlineSet, session: SessionDep, actor: UnitManager) -> DeadlinePublic:
    """Set or move the completion deadline of a municipality or a unit you administer."""
    deadline = deadlines.set_deadline(
        session=session,
        actor=actor,
        due_on=body.due_on,
        municipality_number=body.municipality_number,
        unit_id=body.unit_id,
    )
    return DeadlinePublic.model_validate(deadline)


@router.delete(
    "/deadlines/{deadline_id:int}",
    status_code=204,
    responses=responses(*GUARDED, DeadlineNotFound),
    dependencies=[audit_refusals(Action.DEADLINE_REMOVE, target="deadlines")],
)
def remove_deadline(deadline_id: Id, session: SessionDep, actor: UnitManager) -> Response:
    """Remove a completion deadline (no more reminders of it)."""
    deadlines.remove_deadline(session=session, actor=actor, deadline_id=deadline_id)
    return Response(status_code=204)
