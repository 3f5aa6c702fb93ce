"""A person's roles and their scopes: list, grant, revoke (``api.services.roles``).

An installation administrator grants any role; a municipal administrator grants
leader and municipal administrator within their own municipality, to its people.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Response

from api.core.errors import (
    Forbidden,
    MunicipalityNotFound,
    NotAuthenticated,
    OutsideScope,
    OwnAccount,
    RoleNotHeld,
    RoleOtherMunicipality,
    RoleScopeInvalid,
    UnitClosed,
    UnitNotFound,
    UserErased,
    UserNotFound,
    responses,
)
from api.data.models import Role
from api.http import presenters_admin as present
from api.http.auditing import audit_refusals
from api.http.deps import RoleGranter, SessionDep
from api.http.routing import api_router
from api.http.schemas_admin import RoleGrantRequest, RolesPublic
from api.services import roles as role_service
from api.services.audit import Action

router = api_router(prefix="/users", tags=["roles"])
GUARDED = (NotAuthenticated, Forbidden)
UserId = Annotated[int, Path(ge=1, le=2_147_483_647)]
_SCOPE_ERRORS = (
    UserNotFound,
    UserErased,
    OwnAccount,
    RoleScopeInvalid,
    RoleOtherMunicipality,
    OutsideScope,
    MunicipalityNotFound,
    UnitNotFound,
)


@router.get("/{user_id:int}/roles", responses=responses(*GUARDED, UserNotFound, UserErased))
def list_roles(user_id: UserId, session: SessionDep, actor: RoleGranter) -> RolesPublic:
    """The person's roles with their scopes (a learner holds none)."""
    return present.roles(role_service.roles_of(session=session, actor=actor, user_id=user_id))


@router.post(
    "/{user_id:int}/roles",
    status_code=201,
    responses=responses(*GUARDED, *_SCOPE_ERRORS, UnitClosed),
    dependencies=[audit_refusals(Action.ROLE_GRANT)],
)
def grant_role(
    user_id: UserId,
    body: RoleGrantRequest,
    session: SessionDep,
    actor: RoleGranter,
    response: Response,
) -> RolesPublic:
    """Give the person a role in a scope: 201, or 200 if they already held it."""
    found, created = role_service.grant(
        session=session,
        actor=actor,
        user_id=user_id,
        role=body.role,
        municipality=body.municipality_number,
        unit_id=body.unit_id,
    )
    if not created:
        response.status_code = 200
    return present.roles(found)


@router.delete(
    "/{user_id:int}/roles/{role}",
    responses=responses(*GUARDED, *_SCOPE_ERRORS, RoleNotHeld),
    dependencies=[audit_refusals(Action.ROLE_REVOKE)],
)
def revoke_role(
    user_id: UserId,
    role: Role,
    session: SessionDep,
    actor: RoleGranter,
    municipality_number: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> RolesPublic:
    """Take the role in the given scope away (the scope as it was granted)."""
    found = role_service.revoke(
        session=session,
        actor=actor,
        user_id=user_id,
        role=role,
        municipality=municipality_number,
        unit_id=unit_id,
    )
    return present.roles(found)
