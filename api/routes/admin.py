"""Account administration: change, deactivate, erase, reset password, import.

For administrators of the installation, and municipal administrators for the people of
their municipalities (the services narrow to the caller's scope: others are 404)."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Path, Query, UploadFile

from api.core.errors import (
    EmailTaken,
    Forbidden,
    ImportInvalid,
    MunicipalityInvalid,
    NotAuthenticated,
    OwnAccount,
    UnitClosed,
    UnitNotFound,
    UnitOtherMunicipality,
    UserInactive,
    UserNotFound,
    responses,
)
from api.http import presenters_admin as present
from api.http.auditing import audit_refusals
from api.http.deps import InstallationAdmin, PeopleManager, PeopleReader, SessionDep, SettingsDep
from api.http.routing import api_router
from api.http.schemas_admin import ImportReport, RoleChange, SetupCode, UserAdmin
from api.services import admin_users, privacy, user_import
from api.services.audit import Action
from api.services.contracts import UserUpdate

router = api_router(prefix="/users", tags=["users"])
GUARDED = (NotAuthenticated, Forbidden)
UserId = Annotated[int, Path(ge=1, le=2_147_483_647)]


@router.get("/{user_id:int}", responses=responses(*GUARDED, UserNotFound))
def get_user(user_id: UserId, session: SessionDep, actor: PeopleReader) -> UserAdmin:
    """One account in the caller's scope, erased ones included."""
    return present.user_admin(admin_users.get_user(session=session, actor=actor, user_id=user_id))


@router.patch(
    "/{user_id:int}",
    responses=responses(
        *GUARDED,
        UserNotFound,
        EmailTaken,
        MunicipalityInvalid,
        UnitNotFound,
        UnitClosed,
        UnitOtherMunicipality,
    ),
    dependencies=[audit_refusals(Action.USER_UPDATE)],
)
def update_user(
    user_id: UserId, data: UserUpdate, session: SessionDep, actor: PeopleManager
) -> UserAdmin:
    """Change name, e-mail address, municipality or primary unit; 409 if the address is taken."""
    user = admin_users.update_user(session=session, actor=actor, user_id=user_id, data=data)
    return present.user_admin(user)


@router.post(
    "/{user_id:int}/deactivate",
    responses=responses(*GUARDED, UserNotFound, OwnAccount),
    dependencies=[audit_refusals(Action.USER_DEACTIVATE)],
)
def deactivate_user(user_id: UserId, session: SessionDep, actor: PeopleManager) -> UserAdmin:
    """Stop the account from logging in and end its sessions; progress and history stay."""
    return present.user_admin(admin_users.deactivate(session=session, actor=actor, user_id=user_id))


@router.post(
    "/{user_id:int}/reactivate",
    responses=responses(*GUARDED, UserNotFound, OwnAccount),
    dependencies=[audit_refusals(Action.USER_REACTIVATE)],
)
def reactivate_user(user_id: UserId, session: SessionDep, actor: PeopleManager) -> UserAdmin:
    """Let a deactivated account log in again (erased accounts cannot be reactivated)."""
    return present.user_admin(admin_users.reactivate(session=session, actor=actor, user_id=user_id))


@router.put(
    "/{user_id:int}/role",
    responses=responses(*GUARDED, UserNotFound, OwnAccount),
    dependencies=[audit_refusals(Action.USER_ROLE_CHANGE)],
)
def change_role(
    user_id: UserId, body: RoleChange, session: SessionDep, actor: InstallationAdmin
) -> UserAdmin:
    """Set the installation role: learner, instructor or administrator (never your own).

    Leaders and municipal administrators are scoped assignments: `/users/{id}/roles`."""
    user = admin_users.change_role(session=session, actor=actor, user_id=user_id, role=body.role)
    return present.user_admin(user)


@router.post(
    "/{user_id:int}/password-reset",
    responses=responses(*GUARDED, UserNotFound, UserInactive),
    dependencies=[audit_refusals(Action.USER_PASSWORD_RESET)],
)
def reset_password(
    user_id: UserId, session: SessionDep, actor: PeopleManager, settings: SettingsDep
) -> SetupCode:
    """A single-use code and link (valid 14 days) with which the person sets a new password."""
    issued = admin_users.reset_password(session=session, actor=actor, user_id=user_id)
    return present.setup_code(issued, settings.base_url)


@router.post(
    "/{user_id:int}/erase",
    responses=responses(*GUARDED, UserNotFound, OwnAccount),
    dependencies=[audit_refusals(Action.USER_ERASE)],
)
def erase_user(user_id: UserId, session: SessionDep, actor: PeopleManager) -> UserAdmin:
    """Erase the person's data: name, e-mail, answers; counts, scores and the unit stay."""
    return present.user_admin(privacy.erase_user(session=session, actor=actor, user_id=user_id))


@router.post(
    "/import",
    responses=responses(*GUARDED, ImportInvalid),
    dependencies=[audit_refusals(Action.USER_IMPORT, target="users")],
)
def import_users(
    file: Annotated[UploadFile, File(description="CSV: UTF-8, comma or semicolon separated")],
    session: SessionDep,
    actor: PeopleManager,
    settings: SettingsDep,
    dry_run: Annotated[bool, Query(description="Only check the file and report")] = False,
) -> ImportReport:
    """Create and update accounts from a CSV file; any bad row imports nothing (422).

    Columns: email, full name, municipality, municipality number, unit, role (or
    the Norwegian e-post, navn, kommune, kommunenummer, enhet, rolle). The
    municipality is a name or a number from the register (either column, or both);
    a line whose municipality matches none or several is an error on that line.
    The unit is the path of an existing unit in the person's municipality ("Helse
    og omsorg/Hjemmetjenesten"; the old header avdeling is read as enhet). Existing
    e-mail addresses are updated; new accounts get a setup code.
    """
    result = user_import.import_users(
        session=session, actor=actor, data=file.file.read(), dry_run=dry_run
    )
    return present.import_report(result, settings.base_url)
