"""xAPI: the learning record store as configured, and how delivery to it stands."""

from __future__ import annotations

from api.core.errors import Forbidden, NotAuthenticated, responses
from api.http.deps import AdminUser, SessionDep, SettingsDep
from api.http.routing import api_router
from api.http.schemas_xapi import XapiDelivery, XapiLrsStatus
from api.services import xapi_delivery

router = api_router(prefix="/xapi", tags=["xapi"])


@router.get("/lrs", responses=responses(NotAuthenticated, Forbidden))
def lrs_status(session: SessionDep, settings: SettingsDep, admin: AdminUser) -> XapiLrsStatus:
    """The learning record store (without its secret), what waits, and the latest delivery."""
    found = xapi_delivery.status(session=session, settings=settings)
    job = found.last_delivery
    last = None
    if job is not None and job.id is not None:
        error = (job.last_error or "").strip().splitlines()
        last = XapiDelivery(
            job_id=job.id,
            state=job.state,
            attempt=job.attempt,
            error=error[-1][:300] if error else None,
            created_at=job.created_at,
            finished_at=job.finished_at,
        )
    return XapiLrsStatus(
        configured=found.configured,
        endpoint=found.endpoint,
        key=found.key,
        waiting_events=found.waiting_events,
        waiting_statements=found.waiting_statements,
        sent_statements=found.sent_statements,
        last_delivery=last,
    )
