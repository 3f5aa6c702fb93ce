"""The learner's progress writes in plain SQL: read marks, quiz attempts, completion.

Every quiz attempt and read mark runs these inside one short write transaction
(``api.http.deps.WriteUnit`` for the API, the request's session for pages). Through
ORM objects an attempt cost about 1.8 ms of CPU; as a few statements on the
DBAPI connection (``api.data.sql``, measured by ``bench/bench_api.py``) about
0.15 ms, commit included.
The rules stay in ``course``: grading in ``course.grading``, completion in
``course.progress``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from api.core.errors import NotFound, StaleRevision, UnprocessableError
from api.data import sql
from api.data.models import utcnow
from api.data.sql import Statements
from api.services import email_outbox, webhook_events
from api.services.content import LiveModule
from api.services.xapi_statements import Statement, StatementLog
from course.grading import Answers, GradeResult, InvalidAnswers, grade
from course.models import Quiz
from course.progress import (
    CourseProgress,
    ModuleStatus,
    course_complete,
    course_progress,
    module_complete,
)
from course.progress import module_status as status_of

# The course's live modules, asked for only when a module was just completed.
CourseModules = Callable[[], Sequence[LiveModule]]


class QuizNotFound(NotFound):
    code = "quiz_not_found"
    message = "Modulen har ingen quiz."


@dataclass(frozen=True, slots=True)
class _Progress:
    """A learner's progress row for one module, as these writes need it."""

    id: int
    read_at: datetime | None
    passed: bool
    completed: bool
    best_score: float | None
    attempt_count: int


@dataclass(frozen=True, slots=True)
class ReadMark:
    read_at: datetime
    status: ModuleStatus


@dataclass(frozen=True, slots=True)
class RecordedAttempt:
    id: int
    revision: int
    score: float
    passed: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    attempt: RecordedAttempt
    result: GradeResult
    module_completed: bool
    course_completed: bool


def summarise(modules: Sequence[LiveModule], completed_ids: Collection[int]) -> CourseProgress:
    """Course progress over ``modules`` given the ids of the learner's completed modules."""
    return course_progress(
        modules=[(m.slug, m.content.required) for m in modules],
        completed=[m.slug for m in modules if m.id in completed_ids],
    )


def mark_read(
    *,
    db: Statements,
    user_id: int,
    module: LiveModule,
    course_modules: CourseModules,
    xapi: StatementLog | None = None,
    require_approved_plan: bool = False,
) -> ReadMark:
    """Record that the learner has read the module's text (idempotent); with ``xapi``, the
    xAPI statements of what changed too."""
    row = _locked_progress(db, user_id=user_id, module_id=module.id)
    completes = not row.completed and module_complete(
        read=True, has_quiz=module.content.quiz is not None, passed=row.passed
    )
    read_at = row.read_at if row.read_at is not None else utcnow()
    if row.read_at is None or completes:
        db.run(
            sql.RECORD_READ_SQL,
            {
                "id": row.id,
                "read_at": db.timestamp(read_at),
                "completed_at": db.timestamp(utcnow()) if completes else None,
            },
        )
    course_done = completes and complete_course_if_done(
        db,
        user_id=user_id,
        course_modules=course_modules,
        require_approved_plan=require_approved_plan,
    )
    if xapi is not None and (row.read_at is None or completes):
        first = row.read_at is None
        made = [xapi.read(user_id=user_id, module=module, at=read_at)] if first else []
        made += _completions(xapi, user_id, module, completes, course_done)
        xapi.write(db, user_id=user_id, statements=made)
    completed = row.completed or completes
    attempted = row.attempt_count > 0
    return ReadMark(read_at, status_of(completed=completed, read=True, attempted=attempted))


def submit_attempt(
    *,
    db: Statements,
    user_id: int,
    module: LiveModule,
    answers: Answers,
    revision: int | None,
    course_modules: CourseModules,
    xapi: StatementLog | None = None,
    require_approved_plan: bool = False,
) -> AttemptOutcome:
    """Grade answers on the server, keep the attempt, and update progress together; with
    ``xapi``, the attempt's xAPI statements too."""
    quiz = module.content.quiz
    if quiz is None:
        raise QuizNotFound()
    if revision is not None and revision != module.revision:
        raise StaleRevision()
    result = _grade(quiz, answers)

    row = _locked_progress(db, user_id=user_id, module_id=module.id)
    now = utcnow()
    inserted = db.one(
        sql.NEW_ATTEMPT_SQL,
        {
            "user_id": user_id,
            "module_id": module.id,
            "revision": module.revision,
            "answers": json.dumps({q.id: list(q.selected) for q in result.questions}),
            "score": result.score,
            "passed": result.passed,
            "created_at": db.timestamp(now),
        },
    )
    assert inserted is not None
    completes = not row.completed and module_complete(
        read=row.read_at is not None, has_quiz=True, passed=row.passed or result.passed
    )
    db.run(
        sql.RECORD_ATTEMPT_SQL,
        {
            "id": row.id,
            "best_score": max(row.best_score or 0.0, result.score),
            "passed_at": db.timestamp(now) if result.passed and not row.passed else None,
            "completed_at": db.timestamp(utcnow()) if completes else None,
        },
    )
    course_done = completes and complete_course_if_done(
        db,
        user_id=user_id,
        course_modules=course_modules,
        require_approved_plan=require_approved_plan,
    )
    if xapi is not None:
        made = xapi.attempt(user_id=user_id, module=module, result=result, at=now)
        made += _completions(xapi, user_id, module, completes, course_done)
        xapi.write(db, user_id=user_id, statements=made)
    attempt = RecordedAttempt(int(inserted[0]), module.revision, result.score, result.passed, now)
    return AttemptOutcome(attempt, result, completes, course_done)


def _completions(
    xapi: StatementLog, user_id: int, module: LiveModule, module_done: bool, course_done: bool
) -> list[Statement]:
    now = utcnow()
    made = [xapi.module_completed(user_id=user_id, module=module, at=now)] if module_done else []
    if course_done:
        made.append(xapi.course_completed(user_id=user_id, at=now))
    return made


def _grade(quiz: Quiz, answers: Answers) -> GradeResult:
    try:
        return grade(quiz, answers)
    except InvalidAnswers as exc:
        raise UnprocessableError(
            [{"loc": ["body", *p.loc], "msg": p.message, "type": p.type} for p in exc.problems]
        ) from exc


def _locked_progress(db: Statements, *, user_id: int, module_id: int) -> _Progress:
    """The learner's progress row for a module, created if needed and locked for update."""
    params = {"user_id": user_id, "module_id": module_id}
    found = db.one(sql.PROGRESS_SQL + db.for_update, params)
    if found is None:
        # Another request may insert it first; the unique constraint keeps one row.
        db.run(sql.NEW_PROGRESS_SQL, params)
        found = db.one(sql.PROGRESS_SQL + db.for_update, params)
        assert found is not None
    row_id, read_at, passed, completed, best_score, attempt_count = found
    return _Progress(
        int(row_id), db.datetime(read_at), bool(passed), bool(completed), best_score, attempt_count
    )


def complete_course_if_done(
    db: Statements, *, user_id: int, course_modules: CourseModules, require_approved_plan: bool
) -> bool:
    """Record the course as completed once every required module is; True if it just was."""
    params = {"user_id": user_id}
    enrollment = db.one(sql.ENROLLMENT_SQL + db.for_update, params)
    if enrollment is None:
        db.run(sql.NEW_ENROLLMENT_SQL, {"user_id": user_id, "now": db.timestamp(utcnow())})
        enrollment = db.one(sql.ENROLLMENT_SQL + db.for_update, params)
        assert enrollment is not None
    if enrollment[0]:
        return False
    completed = {int(module_id) for (module_id,) in db.all(sql.COMPLETED_MODULES_SQL, params)}
    progress = summarise(course_modules(), completed)
    approved = require_approved_plan and db.one(sql.APPROVED_PLAN_SQL, params) is not None
    if not course_complete(
        progress, require_approved_plan=require_approved_plan, plan_approved=approved
    ):
        return False
    db.run(sql.COMPLETE_COURSE_SQL, {"user_id": user_id, "now": db.timestamp(utcnow())})
    webhook_events.course_completed(db, user_id=user_id)  # in the same transaction
    email_outbox.course_completed(db, user_id=user_id)
    return True
