"""Feedback on workbook plans (submit, review, decide) and the municipality's portfolio."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from fastapi.responses import Response

from api.core.errors import (
    NoLeaderToReview,
    NotAuthenticated,
    NothingToSubmit,
    ReviewAlreadyDecided,
    ReviewNotFound,
    UnprocessableError,
    WorkbookStepNotFound,
    responses,
)
from api.http.deps import ActorDep, CourseInfoDep, CurrentUser, LiveModules, SessionDep
from api.http.downloads import XLSX, attachment
from api.http.routing import api_router
from api.http.schemas_review import (
    PortfolioRowPublic,
    ReviewDecision,
    ReviewItemPublic,
    ReviewPublic,
    SubmissionCreate,
    item_public,
    portfolio_public,
    review_public,
)
from api.services import project_portfolio, project_review

router = api_router(tags=["workbook review"])
ReviewPath = Annotated[int, Path(ge=1, le=2_000_000_000)]


@router.post(
    "/me/project/submissions",
    status_code=201,
    responses=responses(NotAuthenticated, NothingToSubmit, NoLeaderToReview, WorkbookStepNotFound),
)
def submit(
    body: SubmissionCreate, session: SessionDep, actor: ActorDep, modules: LiveModules
) -> ReviewPublic:
    """Submit your plan (or one step) to your leader or to the instructors."""
    state = project_review.submit(
        session=session, actor=actor, modules=modules, to=body.to, step_id=body.step_id
    )
    return review_public(state)


@router.get("/me/project/feedback", responses=responses(NotAuthenticated))
def my_feedback(session: SessionDep, user: CurrentUser, modules: LiveModules) -> list[ReviewPublic]:
    """The latest submission of your plan and of each step, with comments and status."""
    found = project_review.feedback(session=session, user_id=user.id or 0, modules=modules)
    return [review_public(state) for state in found.values()]


@router.get("/reviews", responses=responses(NotAuthenticated))
def reviews(session: SessionDep, actor: ActorDep, modules: LiveModules) -> list[ReviewItemPublic]:
    """The submissions you may review (leaders: your units; instructors: those sent to you)."""
    items = project_review.review_queue(session=session, actor=actor, modules=modules)
    return [item_public(item) for item in items]


@router.get("/reviews/{review_id}", responses=responses(NotAuthenticated, ReviewNotFound))
def review(
    review_id: ReviewPath, session: SessionDep, actor: ActorDep, modules: LiveModules
) -> ReviewItemPublic:
    """One submission with the plan it is about (404 outside what you may review)."""
    item = project_review.review_detail(
        session=session, actor=actor, review_id=review_id, modules=modules
    )
    return item_public(item)


@router.post(
    "/reviews/{review_id}/decision",
    responses=responses(NotAuthenticated, ReviewNotFound, ReviewAlreadyDecided, UnprocessableError),
)
def decide(
    review_id: ReviewPath,
    body: ReviewDecision,
    session: SessionDep,
    actor: ActorDep,
    modules: LiveModules,
    info: CourseInfoDep,
) -> ReviewPublic:
    """Comment per step and mark the submission Godkjent or Trenger mer arbeid."""
    state = project_review.decide(
        session=session,
        actor=actor,
        review_id=review_id,
        status=body.status,
        comments=body.comments,
        modules=modules,
        info=info,
    )
    return review_public(state)


@router.get("/portfolio", responses=responses(NotAuthenticated))
def portfolio(
    session: SessionDep, actor: ActorDep, modules: LiveModules, info: CourseInfoDep
) -> list[PortfolioRowPublic]:
    """The projects of the units you lead or administer (empty for anyone else)."""
    rows = project_portfolio.portfolio(session=session, actor=actor, modules=modules, info=info)
    return [portfolio_public(row) for row in rows]


@router.get(
    "/portfolio.xlsx",
    responses={**responses(NotAuthenticated), 200: {"content": {XLSX: {}}}},
    response_class=Response,
)
def portfolio_xlsx(
    session: SessionDep, actor: ActorDep, modules: LiveModules, info: CourseInfoDep
) -> Response:
    """The portfolio as an Excel workbook."""
    data = project_portfolio.export(session=session, actor=actor, modules=modules, info=info)
    return attachment(data, media_type=XLSX, filename="prosjekter.xlsx")
