from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.http.deps import EngineDep, MetricsAccess, SettingsDep
from api.http.metrics import CONTENT_TYPE, Metrics

router = APIRouter(tags=["health"])


# Not in the API documentation: it is for the operator's Prometheus, not for clients.
@router.get("/metrics", include_in_schema=False, dependencies=[MetricsAccess])
async def metrics(request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    """Prometheus metrics; needs `Authorization: Bearer <INNOSTUDY_METRICS_TOKEN>`."""
    registry: Metrics = request.app.state.metrics
    body = await registry.scrape(engine=engine, settings=settings)
    return Response(body, media_type=CONTENT_TYPE)
