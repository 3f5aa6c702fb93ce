"""The learner's journey: reading, quiz attempts, progress and course completion."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from api.core.errors import NotFound
from api.data.models import Enrollment, ModuleProgress, QuizAttempt
from api.data.sql import Statements
from api.services import progress_writes
from api.services.content import LiveModule, RenderCache, revision_content
from api.services.progress_writes import AttemptOutcome, ReadMark, summarise
from api.services.progress_writes import QuizNotFound as QuizNotFound
from api.services.xapi_statements import StatementLog
from course.grading import Answers, GradeResult, grade
from course.models import CourseInfo
from course.progress import CourseProgress, ModuleStatus
from course.progress import module_status as status_of


class AttemptNotFound(NotFound):
    code = "attempt_not_found"
    message = "Fant ikke dette forsøket."


@dataclass(frozen=True, slots=True)
class Outline:
    modules: list[tuple[LiveModule, ModuleStatus]]
    progress: CourseProgress
    completed_at: datetime | None


def status_of_row(row: ModuleProgress | None) -> ModuleStatus:
    if row is None:
        return ModuleStatus.NOT_STARTED
    return status_of(
        completed=row.completed_at is not None,
        read=row.read_at is not None,
        attempted=row.attempt_count > 0,
    )


def _progress_rows(*, session: Session, user_id: int) -> dict[int, ModuleProgress]:
    rows = session.exec(select(ModuleProgress).where(ModuleProgress.user_id == user_id)).all()
    return {row.module_id: row for row in rows}


def _summary(modules: Sequence[LiveModule], rows: Mapping[int, ModuleProgress]) -> CourseProgress:
    return summarise(modules, {i for i, row in rows.items() if row.completed_at is not None})


def outline(*, session: Session, user_id: int, modules: Sequence[LiveModule]) -> Outline:
    """Course outline with the learner's status per module: a fixed number of queries."""
    rows = _progress_rows(session=session, user_id=user_id)
    enrollment = session.exec(select(Enrollment).where(Enrollment.user_id == user_id)).first()
    return Outline(
        modules=[(m, status_of_row(rows.get(m.id))) for m in modules],
        progress=_summary(modules, rows),
        completed_at=enrollment.completed_at if enrollment else None,
    )


@contextmanager
def _statements(session: Session) -> Iterator[Statements]:
    """Plain SQL inside ``session``'s transaction, after its pending changes."""
    session.flush()
    yield Statements.of(session.connection())
    # The statements bypassed the ORM: objects it loaded before may now be stale.
    session.expire_all()


def mark_read(
    *,
    session: Session,
    user_id: int,
    module: LiveModule,
    modules: Sequence[LiveModule],
    xapi: StatementLog | None = None,
    require_approved_plan: bool = False,
) -> ReadMark:
    """Record that the learner has read the module's text (idempotent)."""
    with _statements(session) as db:
        return progress_writes.mark_read(
            db=db,
            user_id=user_id,
            module=module,
            course_modules=lambda: modules,
            xapi=xapi,
            require_approved_plan=require_approved_plan,
        )


def submit_attempt(
    *,
    session: Session,
    user_id: int,
    module: LiveModule,
    answers: Answers,
    revision: int | None,
    modules: Sequence[LiveModule],
    xapi: StatementLog | None = None,
    require_approved_plan: bool = False,
) -> AttemptOutcome:
    """Grade answers on the server, keep the attempt, and update progress together."""
    with _statements(session) as db:
        return progress_writes.submit_attempt(
            db=db,
            user_id=user_id,
            module=module,
            answers=answers,
            revision=revision,
            course_modules=lambda: modules,
            xapi=xapi,
            require_approved_plan=require_approved_plan,
        )


@dataclass(frozen=True, slots=True)
class ModuleState:
    """Where the learner stands in one module: its status and progress row (if any)."""

    status: ModuleStatus
    row: ModuleProgress | None


def module_state(*, session: Session, user_id: int, module: LiveModule) -> ModuleState:
    """One module's status for the learner: one indexed query (the module page's)."""
    row = session.exec(
        select(ModuleProgress).where(
            ModuleProgress.user_id == user_id, ModuleProgress.module_id == module.id
        )
    ).first()
    return ModuleState(status_of_row(row), row)


@dataclass(frozen=True, slots=True)
class ModuleHistory:
    module: LiveModule
    status: ModuleStatus
    row: ModuleProgress | None
    attempts: list[QuizAttempt]


def history(
    *, session: Session, user_id: int, modules: Sequence[LiveModule]
) -> tuple[Outline, list[ModuleHistory]]:
    rows = _progress_rows(session=session, user_id=user_id)
    attempts = session.exec(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user_id)
        .order_by(col(QuizAttempt.created_at), col(QuizAttempt.id))
    ).all()
    by_module: dict[int, list[QuizAttempt]] = {}
    for attempt in attempts:
        by_module.setdefault(attempt.module_id, []).append(attempt)
    enrollment = session.exec(select(Enrollment).where(Enrollment.user_id == user_id)).first()
    summary = Outline(
        modules=[(m, status_of_row(rows.get(m.id))) for m in modules],
        progress=_summary(modules, rows),
        completed_at=enrollment.completed_at if enrollment else None,
    )
    return summary, [
        ModuleHistory(m, status_of_row(rows.get(m.id)), rows.get(m.id), by_module.get(m.id, []))
        for m in modules
    ]


def graded_attempt(
    *,
    session: Session,
    user_id: int,
    module: LiveModule,
    attempt_id: int,
    info: CourseInfo,
    cache: RenderCache,
) -> tuple[QuizAttempt, GradeResult]:
    """One of the learner's own attempts at ``module``, graded again against its revision.

    Grading is deterministic and a revision never changes, so this is the result
    the learner got when submitting.
    """
    attempt = session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != user_id or attempt.module_id != module.id:
        raise AttemptNotFound()
    content = revision_content(
        session=session, module=module, number=attempt.revision, info=info, cache=cache
    )
    if content.quiz is None:
        raise QuizNotFound()
    answers = json.loads(attempt.answers)
    return attempt, grade(content.quiz, answers if isinstance(answers, dict) else {})
