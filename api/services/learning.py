"""The learner's journey: reading, quiz attempts, progress and course completion."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from api.errors import NotFound, StaleRevision, UnprocessableError
from api.models import Enrollment, ModuleProgress, QuizAttempt, utcnow
from api.services.content import LiveModule, RenderCache, revision_content
from course.grading import Answers, GradeResult, InvalidAnswers, grade
from course.models import CourseInfo
from course.progress import CourseProgress, ModuleStatus, course_progress, module_complete
from course.progress import module_status as status_of


class QuizNotFound(NotFound):
    code = "quiz_not_found"
    message = "Modulen har ingen quiz."


class AttemptNotFound(NotFound):
    code = "attempt_not_found"
    message = "Fant ikke dette forsøket."


@dataclass(frozen=True, slots=True)
class Outline:
    modules: list[tuple[LiveModule, ModuleStatus]]
    progress: CourseProgress
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    attempt: QuizAttempt
    result: GradeResult
    module_completed: bool
    course_completed: bool


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
    return course_progress(
        modules=[(m.slug, m.content.required) for m in modules],
        completed=[
            m.slug for m in modules if status_of_row(rows.get(m.id)) is ModuleStatus.COMPLETED
        ],
    )


def _enrollment(*, session: Session, user_id: int, lock: bool = False) -> Enrollment:
    query = select(Enrollment).where(Enrollment.user_id == user_id)
    found = session.exec(query.with_for_update() if lock else query).first()
    if found is None:
        _insert_ignore(
            session, Enrollment, {"user_id": user_id, "enrolled_at": utcnow()}, ["user_id"]
        )
        found = session.exec(query.with_for_update() if lock else query).one()
    return found


def outline(*, session: Session, user_id: int, modules: Sequence[LiveModule]) -> Outline:
    """Course outline with the learner's status per module: a fixed number of queries."""
    rows = _progress_rows(session=session, user_id=user_id)
    enrollment = session.exec(select(Enrollment).where(Enrollment.user_id == user_id)).first()
    return Outline(
        modules=[(m, status_of_row(rows.get(m.id))) for m in modules],
        progress=_summary(modules, rows),
        completed_at=enrollment.completed_at if enrollment else None,
    )


def _insert_ignore(
    session: Session, table: type, values: Mapping[str, object], keys: list[str]
) -> None:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.exec(insert(table).values(**values).on_conflict_do_nothing(index_elements=keys))


def _locked_progress(*, session: Session, user_id: int, module: LiveModule) -> ModuleProgress:
    """The learner's progress row for a module, created if needed and locked for update."""
    query = (
        select(ModuleProgress)
        .where(ModuleProgress.user_id == user_id, ModuleProgress.module_id == module.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row = session.exec(query).first()
    if row is None:
        # Another request may insert it first; the unique constraint keeps one row.
        values = {"user_id": user_id, "module_id": module.id, "attempt_count": 0}
        _insert_ignore(session, ModuleProgress, values, ["user_id", "module_id"])
        row = session.exec(query).one()
    return row


def _complete_if_done(
    *,
    session: Session,
    user_id: int,
    row: ModuleProgress,
    module: LiveModule,
    modules: Sequence[LiveModule],
) -> tuple[bool, bool]:
    """Apply the completion rules; returns (module just completed, course just completed)."""
    module_done = False
    if row.completed_at is None and module_complete(
        read=row.read_at is not None,
        has_quiz=module.content.quiz is not None,
        passed=row.passed_at is not None,
    ):
        row.completed_at = utcnow()
        module_done = True
    session.flush()
    if not module_done:
        return False, False
    enrollment = _enrollment(session=session, user_id=user_id, lock=True)
    if enrollment.completed_at is not None:
        return True, False
    session.expire_all()
    rows = _progress_rows(session=session, user_id=user_id)
    if _summary(modules, rows).all_required_completed:
        enrollment = _enrollment(session=session, user_id=user_id)
        enrollment.completed_at = utcnow()
        session.flush()
        return True, True
    return True, False


def mark_read(
    *, session: Session, user_id: int, module: LiveModule, modules: Sequence[LiveModule]
) -> ModuleProgress:
    """Record that the learner has read the module's text (idempotent)."""
    row = _locked_progress(session=session, user_id=user_id, module=module)
    if row.read_at is None:
        row.read_at = utcnow()
    _complete_if_done(session=session, user_id=user_id, row=row, module=module, modules=modules)
    return row


def submit_attempt(
    *,
    session: Session,
    user_id: int,
    module: LiveModule,
    answers: Answers,
    revision: int | None,
    modules: Sequence[LiveModule],
) -> AttemptOutcome:
    """Grade answers on the server, keep the attempt, and update progress together."""
    quiz = module.content.quiz
    if quiz is None:
        raise QuizNotFound()
    if revision is not None and revision != module.revision:
        raise StaleRevision()
    try:
        result = grade(quiz, answers)
    except InvalidAnswers as exc:
        raise UnprocessableError(
            [
                {"loc": ["body", *p.loc], "msg": p.message, "type": "value_error"}
                for p in exc.problems
            ]
        ) from exc

    row = _locked_progress(session=session, user_id=user_id, module=module)
    now = utcnow()
    attempt = QuizAttempt(
        user_id=user_id,
        module_id=module.id,
        revision=module.revision,
        answers=json.dumps({q.id: list(q.selected) for q in result.questions}),
        score=result.score,
        passed=result.passed,
        created_at=now,
    )
    session.add(attempt)
    row.attempt_count += 1
    row.best_score = max(row.best_score or 0.0, result.score)
    if result.passed and row.passed_at is None:
        row.passed_at = now
    module_done, course_done = _complete_if_done(
        session=session, user_id=user_id, row=row, module=module, modules=modules
    )
    session.flush()
    return AttemptOutcome(attempt, result, module_done, course_done)


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
