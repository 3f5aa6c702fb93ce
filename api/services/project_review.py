"""Feedback on the workbook: a learner submits the plan (or one step) to their leader or the
instructors; the reviewer comments per step and decides "Godkjent" or "Trenger mer arbeid".

A submission keeps the revision of every step it covers. The decision records them again,
so an approval of steps saved since then is *outdated* (shown as such, never silently
withdrawn). Who may read and answer a submission is ``scope.reviewable``; the learner is
told by e-mail (``email_outbox.WORKBOOK_REVIEWED``), and the leaders who may review a
plan sent to them are told it waits (``WORKBOOK_SUBMITTED``). With ``[completion]
require_approved_plan`` an approval of the whole plan completes the course for its
authors who have completed every module (``progress_writes.complete_course_if_done``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from api.core.errors import (
    NoLeaderToReview,
    NothingToSubmit,
    ReviewAlreadyDecided,
    ReviewNotFound,
    UnprocessableError,
)
from api.data.models import (
    OrgUnit,
    Project,
    ProjectMember,
    ProjectReview,
    ReviewerKind,
    ReviewStatus,
    Role,
    RoleAssignment,
    User,
    utcnow,
)
from api.data.sql import Statements
from api.services import audit, email_outbox, progress_writes, workbook
from api.services.content import LiveModule
from api.services.contracts import PersonalProjectReview
from api.services.scope import Actor, reviewable
from course.models import CourseInfo

MAX_COMMENT = 5000
STATUS_LABELS = {
    ReviewStatus.SUBMITTED: "Sendt til vurdering",
    ReviewStatus.APPROVED: "Godkjent",
    ReviewStatus.NEEDS_WORK: "Trenger mer arbeid",
}


@dataclass(frozen=True, slots=True)
class ReviewState:
    """A submission as its learner or reviewer sees it."""

    id: int
    project_id: int
    step_id: str | None
    reviewer_kind: ReviewerKind
    status: ReviewStatus
    submitted_at: datetime
    reviewed_at: datetime | None
    comments: dict[str, str]
    outdated: bool  # decided, and a covered step has been saved since

    @property
    def label(self) -> str:
        text = STATUS_LABELS[self.status]
        return f"{text} (utdatert: endret etterpå)" if self.outdated else text


def _revisions(plan: workbook.Plan, step_id: str | None) -> dict[str, int]:
    return {e.step.id: e.revision for e in plan.entries if step_id in (None, e.step.id)}


def review_state(review: ProjectReview, plan: workbook.Plan) -> ReviewState:
    assert review.id is not None
    recorded = json.loads(review.revisions)
    decided = review.status != ReviewStatus.SUBMITTED
    current = _revisions(plan, review.step_id)
    changed = any(current.get(step, 0) != rev for step, rev in recorded.items())
    return ReviewState(
        review.id,
        review.project_id,
        review.step_id,
        ReviewerKind(review.reviewer_kind),
        ReviewStatus(review.status),
        review.submitted_at,
        review.reviewed_at,
        json.loads(review.comments),
        decided and changed,
    )


def covering_leaders(session: Session, user: User) -> list[int]:
    """The accounts holding the leader role over the person's unit (or above) or their
    municipality: who may review what the person sends to "Lederen min"."""
    clauses = []
    if user.municipality_number is not None:
        clauses.append(col(RoleAssignment.municipality_number) == user.municipality_number)
    unit = session.get(OrgUnit, user.unit_id) if user.unit_id is not None else None
    if unit is not None:
        above = [int(part) for part in unit.path.strip("/").split("/") if part]
        clauses.append(col(RoleAssignment.unit_id).in_(above))
    if not clauses:
        return []
    query = (
        select(RoleAssignment.user_id)
        .where(RoleAssignment.role == Role.LEADER, or_(*clauses))
        .distinct()
        .order_by(col(RoleAssignment.user_id))
    )
    return list(session.exec(query).all())


def submit(
    *,
    session: Session,
    actor: Actor,
    modules: Sequence[LiveModule],
    to: ReviewerKind,
    step_id: str | None = None,
) -> ReviewState:
    """Submit the learner's plan (or the step ``step_id``) to a leader or the instructors."""
    user = actor.account
    assert user.id is not None
    if step_id is not None:
        workbook.find_step(modules, step_id)  # 404 for a step the course does not have
    plan = workbook.plan(session=session, user_id=user.id, modules=modules)
    revisions = _revisions(plan, step_id)
    if plan.project is None or plan.project.id is None or not any(revisions.values()):
        raise NothingToSubmit()
    # One's own plan is never one's own to review, nor to be told about.
    leaders = [
        leader
        for leader in (covering_leaders(session, user) if to == ReviewerKind.LEADER else [])
        if leader != user.id
    ]
    if to == ReviewerKind.LEADER and not leaders:
        raise NoLeaderToReview()
    review = ProjectReview(
        project_id=plan.project.id,
        step_id=step_id,
        reviewer_kind=to,
        submitted_by=user.id,
        submitted_at=utcnow(),
        revisions=json.dumps(revisions, sort_keys=True),
    )
    session.add(review)
    session.flush()
    for leader_id in leaders:  # the leaders hear that a plan waits (no names in the e-mail)
        email_outbox.queue(
            session=session,
            kind=email_outbox.WORKBOOK_SUBMITTED,
            user_id=leader_id,
            key=f"workbook_submitted:{review.id}:{leader_id}",
            params={"review_id": review.id, "submitted_by": user.id},
        )
    audit.record(
        session=session,
        actor=user,
        action=audit.Action.WORKBOOK_SUBMIT,
        target=f"project:{plan.project.id}",
        details={"review": review.id, "to": str(to), "step": step_id},
    )
    return review_state(review, plan)


def feedback(
    *, session: Session, user_id: int, modules: Sequence[LiveModule]
) -> dict[str | None, ReviewState]:
    """The latest submission of the learner's plan (key None) and of each step."""
    plan = workbook.plan(session=session, user_id=user_id, modules=modules)
    if plan.project is None:
        return {}
    rows = session.exec(
        select(ProjectReview)
        .where(ProjectReview.project_id == plan.project.id)
        .order_by(col(ProjectReview.id))
    ).all()
    return {row.step_id: review_state(row, plan) for row in rows}  # later ones win


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A submission in a reviewer's list, with the plan it is about."""

    state: ReviewState
    title: str
    authors: list[str]  # names for a leader; none for the instructors
    plan: workbook.Plan


def _authors(session: Session, project_id: int) -> list[User]:
    return list(
        session.exec(
            select(User)
            .join(ProjectMember, col(ProjectMember.user_id) == col(User.id))
            .where(ProjectMember.project_id == project_id)
            .order_by(col(User.id))
        ).all()
    )


def _item(
    session: Session, review: ProjectReview, project: Project, modules: Sequence[LiveModule]
) -> ReviewItem:
    plan = workbook.project_plan(session=session, project=project, modules=modules)
    names = (
        [u.full_name for u in _authors(session, project.id or 0)]
        if review.reviewer_kind == ReviewerKind.LEADER
        else []
    )
    return ReviewItem(review_state(review, plan), project.title, names, plan)


def review_queue(
    *, session: Session, actor: Actor, modules: Sequence[LiveModule]
) -> list[ReviewItem]:
    """The submissions the actor may answer, newest first."""
    rows = session.exec(
        select(ProjectReview, Project)
        .join(Project, col(Project.id) == col(ProjectReview.project_id))
        .where(reviewable(actor))
        .order_by(col(ProjectReview.id).desc())
        .limit(500)
    ).all()
    return [_item(session, review, project, modules) for review, project in rows]


def _reviewable(session: Session, actor: Actor, review_id: int) -> tuple[ProjectReview, Project]:
    found = session.exec(
        select(ProjectReview, Project)
        .join(Project, col(Project.id) == col(ProjectReview.project_id))
        .where(col(ProjectReview.id) == review_id, reviewable(actor))
    ).first()
    if found is None:
        raise ReviewNotFound()
    return found[0], found[1]


def reviewed_project(*, session: Session, actor: Actor, review_id: int) -> tuple[Project, bool]:
    """The project of a submission the reviewer may read (else 404), and whether the
    reviewer may see its authors' names (leaders yes; instructors review without them)."""
    review, project = _reviewable(session, actor, review_id)
    return project, review.reviewer_kind == ReviewerKind.LEADER


def review_detail(
    *, session: Session, actor: Actor, review_id: int, modules: Sequence[LiveModule]
) -> ReviewItem:
    """One submission with the plan, for a reviewer who may read it (else 404)."""
    review, project = _reviewable(session, actor, review_id)
    return _item(session, review, project, modules)


def decide(
    *,
    session: Session,
    actor: Actor,
    review_id: int,
    status: ReviewStatus,
    comments: Mapping[str, str],
    modules: Sequence[LiveModule],
    info: CourseInfo,
) -> ReviewState:
    """Answer a submission: comments per step and "Godkjent" or "Trenger mer arbeid"."""
    review, project = _reviewable(session, actor, review_id)
    if review.status != ReviewStatus.SUBMITTED:
        raise ReviewAlreadyDecided()
    if status == ReviewStatus.SUBMITTED:
        raise UnprocessableError([{"loc": ["body", "status"], "msg": "Velg en vurdering."}])
    plan = workbook.project_plan(session=session, project=project, modules=modules)
    covered = _revisions(plan, review.step_id)
    problems = [
        {"loc": ["body", "comments", step], "msg": "Ukjent oppgave, eller kommentaren er for lang."}
        for step, text in comments.items()
        if step not in covered or len(text) > MAX_COMMENT
    ]
    if problems:
        raise UnprocessableError(problems)
    review.status = status
    review.reviewed_by = actor.account.id
    review.reviewed_at = utcnow()
    review.revisions = json.dumps(covered, sort_keys=True)
    review.comments = json.dumps(
        {step: text.strip() for step, text in comments.items() if text.strip()}, sort_keys=True
    )
    session.add(review)
    session.flush()
    authors = _authors(session, project.id or 0)
    for author in authors:
        assert author.id is not None
        email_outbox.queue(
            session=session,
            kind=email_outbox.WORKBOOK_REVIEWED,
            user_id=author.id,
            key=f"workbook_reviewed:{review.id}:{author.id}",
            params={"review_id": review.id},
        )
    audit.record(
        session=session,
        actor=actor.account,
        action=audit.Action.WORKBOOK_REVIEW,
        target=f"project:{project.id}",
        details={"review": review.id, "status": str(status), "step": review.step_id},
    )
    if info.require_approved_plan and status == ReviewStatus.APPROVED and review.step_id is None:
        _complete_authors(session, [a.id for a in authors if a.id is not None], modules)
    return review_state(review, plan)


def _complete_authors(session: Session, user_ids: list[int], modules: Sequence[LiveModule]) -> None:
    db = Statements.of(session.connection())
    for user_id in user_ids:
        progress_writes.complete_course_if_done(
            db, user_id=user_id, course_modules=lambda: modules, require_approved_plan=True
        )
    session.expire_all()


# Personal data (``api.services.privacy``)
def export_reviews(*, session: Session, user_id: int) -> list[PersonalProjectReview]:
    """The feedback on the person's projects and the feedback they gave, as stored."""
    rows = session.exec(
        select(ProjectReview)
        .where(
            or_(
                col(ProjectReview.project_id).in_(
                    select(ProjectMember.project_id).where(ProjectMember.user_id == user_id)
                ),
                col(ProjectReview.reviewed_by) == user_id,
            )
        )
        .order_by(col(ProjectReview.id))
    ).all()
    return [
        PersonalProjectReview(
            role="reviewer" if row.reviewed_by == user_id else "author",
            project_id=row.project_id,
            step_id=row.step_id,
            reviewer_kind=row.reviewer_kind,
            status=row.status,
            submitted_at=row.submitted_at,
            reviewed_at=row.reviewed_at,
            comments=json.loads(row.comments),
        )
        for row in rows
    ]
