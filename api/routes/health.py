from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from api.http.deps import SessionDep
from api.http.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(session: SessionDep) -> Health:
    """Liveness and database check (public)."""
    session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return Health(status="ok", database="ok")
