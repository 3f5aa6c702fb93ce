"""Bodies of the workbook review and portfolio endpoints, and their presenters."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from api.data.models import ReviewerKind, ReviewStatus
from api.http.presenters_workbook import plan_public
from api.http.schemas_workbook import ProjectPlanPublic
from api.services.project_portfolio import PortfolioRow
from api.services.project_review import MAX_COMMENT, ReviewItem, ReviewState

StepId = Annotated[str, StringConstraints(max_length=80)]


class SubmissionCreate(BaseModel):
    to: ReviewerKind = Field(description="`leader` (your leader) or `instructor`")
    step_id: StepId | None = Field(default=None, description="One step; none: the whole plan")


class ReviewDecision(BaseModel):
    status: ReviewStatus = Field(description="`approved` (Godkjent) or `needs_work`")
    comments: dict[StepId, Annotated[str, StringConstraints(max_length=MAX_COMMENT)]] = Field(
        default_factory=dict, max_length=200, description="Step id → comment"
    )


class ReviewPublic(BaseModel):
    id: int
    project_id: int
    step_id: str | None
    reviewer_kind: ReviewerKind
    status: ReviewStatus
    status_label: str
    outdated: bool = Field(description="Decided, and a step it covers has been saved since")
    submitted_at: datetime
    reviewed_at: datetime | None
    comments: dict[str, str]


class ReviewItemPublic(BaseModel):
    review: ReviewPublic
    title: str
    authors: list[str] = Field(description="Names for a leader; empty for the instructors")
    plan: ProjectPlanPublic


class PortfolioRowPublic(BaseModel):
    project_id: int
    title: str
    challenge: str
    phase: str
    feedback: str
    units: list[str]


def review_public(state: ReviewState) -> ReviewPublic:
    return ReviewPublic(
        id=state.id,
        project_id=state.project_id,
        step_id=state.step_id,
        reviewer_kind=state.reviewer_kind,
        status=state.status,
        status_label=state.label,
        outdated=state.outdated,
        submitted_at=state.submitted_at,
        reviewed_at=state.reviewed_at,
        comments=state.comments,
    )


def item_public(item: ReviewItem) -> ReviewItemPublic:
    plan = plan_public(item.plan)
    if item.state.reviewer_kind == ReviewerKind.INSTRUCTOR:  # no account ids either
        plan.steps = [s.model_copy(update={"updated_by": None}) for s in plan.steps]
    return ReviewItemPublic(
        review=review_public(item.state), title=item.title, authors=item.authors, plan=plan
    )


def portfolio_public(row: PortfolioRow) -> PortfolioRowPublic:
    return PortfolioRowPublic.model_validate(row, from_attributes=True)
