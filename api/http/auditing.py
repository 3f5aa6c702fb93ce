"""Auditing at the request level: refused actions, and reads that export personal data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Depends, Request
from sqlalchemy import Engine

from api.core.db import transaction
from api.core.errors import DomainError
from api.data.models import User
from api.http.deps import CurrentUser, SessionDep
from api.services import audit


def _target(request: Request, default: str | None) -> str:
    params = request.path_params
    if "user_id" in params:
        return audit.user_target(params["user_id"])
    if "code" in params:
        return f"certificate:{params['code']}"
    if "slug" in params:
        return f"module:{params['slug']}"
    return default or request.url.path


def audit_refusals(action: str, *, target: str | None = None) -> Any:
    """A route dependency that audits the domain error ending the request as denied or failed.

    The refused action's own changes are rolled back first (unless the error
    commits them anyway), then the audit row is committed on its own, and the
    error goes on to the client. Routes record their successes themselves, with
    details, through ``audit.record``. Put it in ``dependencies=`` before the role
    guard's parameter, so that a 403 from the guard is audited too.
    """

    def dependency(request: Request, session: SessionDep, actor: CurrentUser) -> Iterator[None]:
        try:
            yield
        except DomainError as exc:
            # Keep the actor's loaded attributes through the rollback (which expires them).
            session.expunge(actor)
            if not exc.commit_changes:
                session.rollback()
            audit.record(
                session=session,
                actor=actor,
                action=action,
                target=_target(request, target),
                outcome=audit.outcome_for(exc.status_code),
                details={"code": exc.code, "status": exc.status_code},
            )
            session.commit()
            raise

    return Depends(dependency, scope="function")


def record_read(
    *, engine: Engine, actor: User, action: str, target: str, details: dict[str, object]
) -> None:
    """Audit a read (such as an export) in a short write transaction of its own.

    A GET request's session is a read transaction; on SQLite, writing in it after
    reading can fail if another request committed in between.
    """
    with transaction(engine, write=True) as session:
        audit.record(session=session, actor=actor, action=action, target=target, details=details)
