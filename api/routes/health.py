from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import literal
from sqlmodel import select

from api.http.deps import SessionDep
from api.http.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(session: SessionDep) -> Health:
    """Liveness and database check (public)."""
    session.exec(select(literal(1))).one()
    return Health(status="ok", database="ok")
