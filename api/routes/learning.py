from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from sqlmodel import Session

from api import presenters
from api.deps import (
    CourseInfoDep,
    CurrentPrincipal,
    CurrentUser,
    LiveModules,
    ModuleJson,
    SessionDep,
    SlugPath,
    WriteUnitDep,
)
from api.errors import (
    ModuleNotFound,
    NotAuthenticated,
    StaleRevision,
    UnprocessableError,
    responses,
)
from api.schemas import (
    AttemptCreate,
    AttemptResult,
    CourseOutline,
    ModulePublic,
    ProgressPublic,
    ReadResult,
)
from api.services import content, learning
from api.services.content import LiveModule

router = APIRouter(tags=["learning"])


@router.get("/course", responses=responses(NotAuthenticated))
def course_outline(
    session: SessionDep, user: CurrentUser, info: CourseInfoDep, modules: LiveModules
) -> CourseOutline:
    """The course, its modules in order with the learner's status, and overall progress."""
    result = learning.outline(session=session, user_id=user.id or 0, modules=modules)
    return presenters.course_outline(info, result)


@router.get(
    "/modules/{slug}",
    response_model=ModulePublic,
    responses=responses(NotAuthenticated, ModuleNotFound),
)
async def get_module(
    principal: CurrentPrincipal,
    body: ModuleJson,
    accept_encoding: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """A module's text as HTML and its quiz, without correct answers or explanations."""
    return body.response(accept_encoding)


@router.post("/modules/{slug}/read", responses=responses(NotAuthenticated, ModuleNotFound))
async def mark_read(slug: SlugPath, principal: CurrentPrincipal, unit: WriteUnitDep) -> ReadResult:
    """Mark the module's text as read (idempotent)."""

    def work(session: Session, modules: list[LiveModule]) -> ReadResult:
        module = content.pick(modules, slug)
        row = learning.mark_read(
            session=session, user_id=principal.id, module=module, modules=modules
        )
        assert row.read_at is not None
        return ReadResult(status=learning.status_of_row(row), read_at=row.read_at)

    return await unit.run(work)


@router.post(
    "/modules/{slug}/attempts",
    status_code=201,
    responses=responses(NotAuthenticated, ModuleNotFound, StaleRevision, UnprocessableError),
)
async def submit_attempt(
    body: AttemptCreate, slug: SlugPath, principal: CurrentPrincipal, unit: WriteUnitDep
) -> AttemptResult:
    """Grade a quiz attempt on the server; returns the score and per-question explanations."""

    def work(session: Session, modules: list[LiveModule]) -> AttemptResult:
        outcome = learning.submit_attempt(
            session=session,
            user_id=principal.id,
            module=content.pick(modules, slug),
            answers=body.answers,
            revision=body.revision,
            modules=modules,
        )
        return presenters.attempt_result(outcome)

    return await unit.run(work)


@router.get("/progress", responses=responses(NotAuthenticated))
def progress(session: SessionDep, user: CurrentUser, modules: LiveModules) -> ProgressPublic:
    """The learner's progress per module, with every attempt."""
    summary, histories = learning.history(session=session, user_id=user.id or 0, modules=modules)
    return presenters.progress_public(summary, histories)
