"""The audit log, for administrators (read-only: nothing in the application changes it)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.core.errors import Forbidden, NotAuthenticated, responses
from api.http import presenters_admin as present
from api.http.deps import AdminUser, SessionDep
from api.http.schemas_admin import AuditEventPublic
from api.services import audit
from api.services.contracts import NO_CONTROL_CHARACTERS
from api.services.roster import oslo_day_end_utc, oslo_midnight_utc

router = APIRouter(tags=["audit"])
Id = Annotated[int | None, Query(ge=1, le=2_147_483_647)]


@router.get("/audit", responses=responses(NotAuthenticated, Forbidden))
def audit_log(
    session: SessionDep,
    admin: AdminUser,
    actor_id: Id = None,
    action: Annotated[
        str | None, Query(max_length=60, pattern=NO_CONTROL_CHARACTERS, examples=["user.erase"])
    ] = None,
    target: Annotated[
        str | None, Query(max_length=120, pattern=NO_CONTROL_CHARACTERS, examples=["user:42"])
    ] = None,
    outcome: audit.Outcome | None = None,
    since: Annotated[date | None, Query(description="From this day (Norway), included")] = None,
    until: Annotated[date | None, Query(description="To this day (Norway), included")] = None,
    before_id: Annotated[Id, Query(description="Next page: the last id of this one")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEventPublic]:
    """Audit events matching every filter given, newest first (administrators only)."""
    filters = audit.AuditFilters(
        actor_id=actor_id,
        action=action,
        target=target,
        outcome=outcome,
        since=oslo_midnight_utc(since) if since else None,
        until=oslo_day_end_utc(until) if until else None,
        before_id=before_id,
    )
    return present.audit_events(audit.list_events(session=session, filters=filters, limit=limit))
