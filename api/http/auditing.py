"""Auditing refusals, the same for every front door (API routes and pages).

Services record their own successes (each takes the actor; None is the command
line). What ends a request with a ``DomainError`` rolls back the service's
changes, so the refusal is recorded here: by ``audit_refusals`` for a route or
page that lets the error through, by ``record_refusal`` for a page that shows
the refusal itself (e.g. at a form field). Both write the same row, with the
actor from whichever credential the door accepts (``CurrentUser``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from sqlmodel import Session

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
    if "job_id" in params:
        return f"job:{params['job_id']}"
    if "unit_id" in params:
        return audit.unit_target(params["unit_id"])
    if "number" in params:
        return audit.municipality_target(params["number"])
    if "webhook_id" in params:
        return f"webhook:{params['webhook_id']}"
    return default or request.url.path


# What a request that did not validate is recorded as (the API answers it 422).
INVALID_CODE, INVALID_STATUS = "validation_error", 422


def _record(
    session: Session, actor: User | None, action: str, target: str, code: str, status: int
) -> None:
    audit.record(
        session=session,
        actor=actor,
        action=action,
        target=target,
        outcome=audit.outcome_for(status),
        details={"code": code, "status": status},
    )


def record_refusal(
    *, session: Session, actor: User | None, action: str, target: str, error: DomainError
) -> None:
    """Roll back the refused action's changes and audit the refusal in the request's
    transaction (which the caller then commits, e.g. by answering normally)."""
    session.rollback()
    _record(session, actor, action, target, error.code, error.status_code)


def record_invalid(*, session: Session, actor: User | None, action: str, target: str) -> None:
    """For a page whose form did not validate: the row the API writes for its 422."""
    session.rollback()
    _record(session, actor, action, target, INVALID_CODE, INVALID_STATUS)


def audit_refusals(action: str, *, target: str | None = None) -> Any:
    """A route or page dependency that audits the domain error (or, on the API, the
    request validation error) ending the request.

    The refused action's own changes are rolled back first (unless the error
    commits them anyway), then the audit row is committed on its own, and the
    error goes on to the client. Put it in ``dependencies=`` before the role
    guard's parameter, so that a 403 from the guard is audited too.

    Args:
        action: the ``audit.Action`` refused.
        target: the target when the path names none (``user_id``, ``code``, ``slug``).
    """

    def dependency(request: Request, session: SessionDep, actor: CurrentUser) -> Iterator[None]:
        try:
            yield
        except (DomainError, RequestValidationError) as exc:
            session.expunge(actor)  # keep its loaded attributes through the rollback
            if isinstance(exc, DomainError):
                code, status, keep = exc.code, exc.status_code, exc.commit_changes
            else:
                code, status, keep = INVALID_CODE, INVALID_STATUS, False
            if not keep:
                session.rollback()
            _record(session, actor, action, _target(request, target), code, status)
            session.commit()
            raise

    return Depends(dependency, scope="function")
