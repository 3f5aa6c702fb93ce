"""The audit log, for administrators (read-only: nothing in the application changes it).

A municipal administrator reads the events of their own municipalities."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from api.core.errors import Forbidden, NotAuthenticated, responses
from api.http import presenters_admin as present
from api.http.deps import AuditReader, SessionDep
from api.http.routing import api_router
from api.http.schemas_admin import AuditEventPublic
from api.services import audit

router = api_router(tags=["audit"])
Id = Annotated[int | None, Query(ge=1, le=2_147_483_647)]


@router.get("/audit", responses=responses(NotAuthenticated, Forbidden))
def audit_log(
    session: SessionDep,
    actor: AuditReader,
    query: Annotated[audit.AuditQuery, Query()],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEventPublic]:
    """Audit events matching every filter given, newest first (for a municipal
    administrator: the events of their municipalities)."""
    events = audit.list_events(session=session, actor=actor, filters=query.filters(), limit=limit)
    return present.audit_events(events)
