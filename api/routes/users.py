from __future__ import annotations

from typing import Annotated

from fastapi import Query

from api.core.errors import (
    EmailTaken,
    Forbidden,
    MunicipalityInvalid,
    NotAuthenticated,
    UnitClosed,
    UnitNotFound,
    UnitOtherMunicipality,
    responses,
)
from api.data.models import Role
from api.http import presenters as present
from api.http.auditing import audit_refusals
from api.http.deps import PeopleManager, PeopleReader, SessionDep
from api.http.routing import api_router
from api.http.schemas import UserPublic
from api.services import admin_users, audit
from api.services.contracts import NO_CONTROL_CHARACTERS, UserCreate

router = api_router(prefix="/users", tags=["users"])
_GUARDED = (NotAuthenticated, Forbidden)
_Search = Annotated[str | None, Query(max_length=200, pattern=NO_CONTROL_CHARACTERS)]


@router.get("", responses=responses(*_GUARDED, UnitNotFound))
def list_users(
    session: SessionDep,
    actor: PeopleReader,
    role: Role | None = None,
    q: Annotated[_Search, Query(description="Part of the name or e-mail address")] = None,
    municipality: Annotated[
        _Search, Query(description="Municipality name, number or old number")
    ] = None,
    unit: Annotated[
        int | None,
        Query(ge=1, le=2_147_483_647, description="Unit id: its people and those below it"),
    ] = None,
    unmatched: Annotated[
        bool,
        Query(description="Only accounts whose municipality matched nothing in the register"),
    ] = False,
    active: bool | None = None,
    department_unmatched: Annotated[
        bool | None,
        Query(description="true: only accounts whose old department could not be placed"),
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[UserPublic]:
    """The accounts in the caller's scope, or those matching the filters, by name (not erased)."""
    found = admin_users.search_users(
        session=session,
        actor=actor,
        role=role,
        text=q,
        municipality=municipality,
        unit=unit,
        unmatched=unmatched,
        active=active,
        department_unmatched=department_unmatched,
        limit=limit,
        offset=offset,
    )
    return [present.user_public(u) for u in found]


@router.post(
    "",
    status_code=201,
    responses=responses(
        *_GUARDED,
        EmailTaken,
        MunicipalityInvalid,
        UnitNotFound,
        UnitClosed,
        UnitOtherMunicipality,
    ),
    dependencies=[audit_refusals(audit.Action.USER_CREATE, target="users")],
)
def create_user(data: UserCreate, session: SessionDep, actor: PeopleManager) -> UserPublic:
    """Create an account in a municipality the caller administers."""
    user = admin_users.create_user(session=session, actor=actor, data=data)
    return present.user_public(user)
