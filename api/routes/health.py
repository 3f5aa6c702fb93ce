from __future__ import annotations

from fastapi import APIRouter, Request

from api.http.deps import check_database
from api.http.routing import ApiRoute
from api.http.schemas import Health

router = APIRouter(tags=["health"], route_class=ApiRoute)


# An async route with no session: it must answer while every request slot is busy,
# so it reads on the event loop's own SQLite connection, or in a slot kept for it.
@router.get("/healthz")
async def healthz(request: Request) -> Health:
    """Liveness and database check (public)."""
    await check_database(request)
    return Health(status="ok", database="ok")
