from __future__ import annotations

from fastapi import Request, Response

from api.core.errors import (
    ModuleNotFound,
    NotAuthenticated,
    StaleRevision,
    UnprocessableError,
    responses,
)
from api.data.sql import Statements
from api.http import presenters
from api.http.deps import (
    CourseInfoDep,
    CurrentPrincipal,
    CurrentUser,
    LiveModules,
    SessionDep,
    SlugPath,
    WriteUnit,
    module_json,
)
from api.http.routing import HotRoute, api_router
from api.http.schemas import (
    AttemptCreate,
    AttemptResult,
    CourseOutline,
    ModulePublic,
    ProgressPublic,
    ReadResult,
)
from api.http.xapi import get_statement_log
from api.services import learning, progress_writes
from api.services.content import LiveModule
from api.services.progress_writes import CourseModules

router = api_router(tags=["learning"])
# The most frequent requests: HotRoute fills in their arguments (api.http.routing).
hot_router = api_router(tags=["learning"], route_class=HotRoute)


@router.get("/course", responses=responses(NotAuthenticated))
def course_outline(
    session: SessionDep, user: CurrentUser, info: CourseInfoDep, modules: LiveModules
) -> CourseOutline:
    """The course, its modules in order with the learner's status, and overall progress."""
    result = learning.outline(session=session, user_id=user.id or 0, modules=modules)
    return presenters.course_outline(info, result)


@hot_router.get(
    "/modules/{slug}",
    response_model=ModulePublic,
    responses=responses(NotAuthenticated, ModuleNotFound),
)
async def get_module(request: Request, slug: SlugPath, principal: CurrentPrincipal) -> Response:
    """A module's text as HTML and its quiz, without correct answers or explanations."""
    # Called, not a dependency: on the most frequent request each dependency FastAPI
    # resolves costs about 15 µs (bench/bench_api.py).
    body = await module_json(request, slug)
    return body.response(request.headers.get("accept-encoding"))


@hot_router.post(
    "/modules/{slug}/read",
    response_model=ReadResult,
    responses=responses(NotAuthenticated, ModuleNotFound),
)
async def mark_read(request: Request, slug: SlugPath, principal: CurrentPrincipal) -> Response:
    """Mark the module's text as read (idempotent)."""

    xapi = get_statement_log(request)
    unit = WriteUnit(request)

    def work(db: Statements, module: LiveModule, course_modules: CourseModules) -> bytes:
        mark = progress_writes.mark_read(
            db=db,
            user_id=principal.id,
            module=module,
            course_modules=course_modules,
            xapi=xapi,
            require_approved_plan=unit.info.require_approved_plan,
        )
        return presenters.read_json(mark)

    content = await unit.run(slug, work)
    return Response(content, media_type="application/json")


@hot_router.post(
    "/modules/{slug}/attempts",
    status_code=201,
    response_model=AttemptResult,
    responses=responses(NotAuthenticated, ModuleNotFound, StaleRevision, UnprocessableError),
)
async def submit_attempt(
    request: Request, body: AttemptCreate, slug: SlugPath, principal: CurrentPrincipal
) -> Response:
    """Grade a quiz attempt on the server; returns the score and per-question explanations."""
    xapi = get_statement_log(request)
    unit = WriteUnit(request)

    def work(db: Statements, module: LiveModule, course_modules: CourseModules) -> bytes:
        outcome = progress_writes.submit_attempt(
            db=db,
            user_id=principal.id,
            module=module,
            answers=body.answers,
            revision=body.revision,
            course_modules=course_modules,
            xapi=xapi,
            require_approved_plan=unit.info.require_approved_plan,
        )
        return presenters.attempt_json(outcome)

    content = await unit.run(slug, work)
    return Response(content, status_code=201, media_type="application/json")


@router.get("/progress", responses=responses(NotAuthenticated))
def progress(session: SessionDep, user: CurrentUser, modules: LiveModules) -> ProgressPublic:
    """The learner's progress per module, with every attempt."""
    summary, histories = learning.history(session=session, user_id=user.id or 0, modules=modules)
    return presenters.progress_public(summary, histories)
