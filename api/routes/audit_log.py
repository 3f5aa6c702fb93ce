"""The audit log, for administrators (read-only: nothing in the application changes it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from api.core.errors import Forbidden, NotAuthenticated, responses
from api.http import presenters_admin as present
from api.http.deps import AdminUser, SessionDep
from api.http.routing import api_router
from api.http.schemas_admin import AuditEventPublic
from api.services import audit

router = api_router(tags=["audit"])
Id = Annotated[int | None, Query(ge=1, le=2_147_483_647)]


@router.get("/audit", responses=responses(NotAuthenticated, Forbidden))
def audit_log(
    session: SessionDep,
    admin: AdminUser,
    query: Annotated[audit.AuditQuery, Query()],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEventPublic]:
    """Audit events matching every filter given, newest first (administrators only)."""
    return present.audit_events(
        audit.list_events(session=session, filters=query.filters(), limit=limit)
    )
