from __future__ import annotations

from fastapi import APIRouter, Request

from api.core.errors import DatabaseUnavailable, QueueBacklog, responses
from api.http.deps import EngineDep, SettingsDep, check_database
from api.http.routing import ApiRoute
from api.http.schemas import Health, Readiness
from api.services import queue_health

router = APIRouter(tags=["health"], route_class=ApiRoute)


# An async route with no session: it must answer while every request slot is busy,
# so it reads on the event loop's own SQLite connection, or in a slot kept for it.
@router.get("/healthz", responses=responses(DatabaseUnavailable))
async def healthz(request: Request) -> Health:
    """Liveness and database check (public)."""
    await check_database(request)
    return Health(status="ok", database="ok")


@router.get("/healthz/ready", responses=responses(DatabaseUnavailable, QueueBacklog))
async def ready(engine: EngineDep, settings: SettingsDep) -> Readiness:
    """Readiness for a load balancer: the database answers and no job queue is stuck
    (public). Queues without a live worker are listed in `unserved` but still answer 200."""
    result = await queue_health.check_readiness(engine=engine, settings=settings)
    return Readiness.model_validate(result)
