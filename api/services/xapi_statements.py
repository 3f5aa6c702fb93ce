"""xAPI 1.0.3 statements about a learner's learning events, written where the events happen.

``progress_writes`` asks a ``StatementLog`` for the statements of an event (read a
module: *experienced*; a quiz attempt: *answered* per question and *passed* or
*failed*; a module or the course done: *completed*) and writes them into
``xapi_statement`` in the event's own transaction: one statement on the DBAPI
connection, run for every row. ``api.services.xapi_delivery`` sends them.

The actor is an account on this installation (``homePage`` is
``INNOSTUDY_BASE_URL``) whose ``name`` is an opaque id: a keyed hash of the
account's id, stable for as long as the installation's secret key is, and
meaningless without it. Never an e-mail address, and never the id in clear. The
registration (``context.registration``) is the learner's enrollment in the course,
made the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from api.core.config import Settings
from api.data import sql
from api.data.sql import Statements
from api.services.content import LiveModule
from course.grading import GradeResult
from course.models import CourseInfo, Question

VERSION = "1.0.3"
ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
VERBS = {
    "experienced": "opplevde",
    "answered": "svarte på",
    "passed": "bestod",
    "failed": "bestod ikke",
    "completed": "fullførte",
}
_QUESTION_NAME_CHARS = 500


@dataclass(frozen=True, slots=True)
class Statement:
    id: str
    verb: str
    at: datetime
    body: dict[str, Any]


@dataclass
class StatementLog:
    """Makes the statements of an installation's learning events and writes them.

    One per application (``api.app``), made by ``statement_log`` only when a learning
    record store is configured: without one, no statement is made at all.
    """

    base_url: str
    key: bytes
    course: CourseInfo
    _activities: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict, repr=False)

    # -- who and where ----------------------------------------------------------------

    def actor_name(self, user_id: int) -> str:
        """The learner's opaque, stable account name."""
        digest = hmac.new(self.key, f"actor:{user_id}".encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def registration(self, user_id: int) -> str:
        digest = hmac.new(self.key, f"registration:{user_id}".encode(), hashlib.sha256)
        return str(uuid.UUID(bytes=digest.digest()[:16], version=4))

    def actor(self, user_id: int) -> dict[str, Any]:
        account = {"homePage": self.base_url, "name": self.actor_name(user_id)}
        return {"objectType": "Agent", "account": account}

    def _name(self, text: str) -> dict[str, str]:
        return {self.course.language: text}

    @property
    def course_activity(self) -> dict[str, Any]:
        return {
            "objectType": "Activity",
            "id": f"{self.base_url}/xapi/kurs/{self.course.slug}",
            "definition": {
                "type": f"{ADL_ACTIVITIES}course",
                "name": self._name(self.course.title),
            },
        }

    def module_activity(self, module: LiveModule) -> dict[str, Any]:
        return {
            "objectType": "Activity",
            "id": f"{self.base_url}/moduler/{module.slug}",
            "definition": {
                "type": f"{ADL_ACTIVITIES}module",
                "name": self._name(module.content.title),
            },
        }

    def quiz_activity(self, module: LiveModule) -> dict[str, Any]:
        return {
            "objectType": "Activity",
            "id": f"{self.base_url}/moduler/{module.slug}/quiz",
            "definition": {
                "type": f"{ADL_ACTIVITIES}assessment",
                "name": self._name(f"Quiz: {module.content.title}"),
            },
        }

    def _question_activities(self, module: LiveModule) -> dict[str, Any]:
        """The module revision's question activities, made once per revision."""
        key = (module.id, module.revision)
        found = self._activities.get(key)
        if found is None:
            quiz = module.content.quiz
            questions = quiz.questions if quiz is not None else ()
            found = {q.id: self._question_activity(module, q) for q in questions}
            self._activities[key] = found
        return found

    def _question_activity(self, module: LiveModule, question: Question) -> dict[str, Any]:
        return {
            "objectType": "Activity",
            "id": f"{self.base_url}/moduler/{module.slug}/quiz#{question.id}",
            "definition": {
                "type": f"{ADL_ACTIVITIES}cmi.interaction",
                "name": self._name(question.text[:_QUESTION_NAME_CHARS]),
                "interactionType": "choice",
                "choices": [
                    {"id": option.id, "description": self._name(option.text)}
                    for option in question.options
                ],
            },
        }

    # -- statements -------------------------------------------------------------------

    def _statement(
        self,
        verb: str,
        *,
        user_id: int,
        at: datetime,
        activity: dict[str, Any],
        parents: Sequence[dict[str, Any]] = (),
        result: dict[str, Any] | None = None,
        revision: int | None = None,
    ) -> Statement:
        statement_id = str(uuid.uuid4())
        context: dict[str, Any] = {
            "registration": self.registration(user_id),
            "platform": "innostudy",
            "language": self.course.language,
            "contextActivities": {"grouping": [self._reference(self.course_activity)]},
        }
        if parents:
            context["contextActivities"]["parent"] = [self._reference(p) for p in parents]
        if revision is not None:
            context["extensions"] = {f"{self.base_url}/xapi/utvidelser/revisjon": revision}
        body: dict[str, Any] = {
            "id": statement_id,
            "actor": self.actor(user_id),
            "verb": {"id": f"{ADL_VERBS}{verb}", "display": {"nb": VERBS[verb]}},
            "object": activity,
            "context": context,
            "timestamp": _timestamp(at),
            "version": VERSION,
        }
        if result is not None:
            body["result"] = result
        return Statement(statement_id, verb, at, body)

    @staticmethod
    def _reference(activity: dict[str, Any]) -> dict[str, Any]:
        return {"objectType": "Activity", "id": activity["id"]}

    def read(self, *, user_id: int, module: LiveModule, at: datetime) -> Statement:
        return self._statement(
            "experienced",
            user_id=user_id,
            at=at,
            activity=self.module_activity(module),
            parents=[self.course_activity],
        )

    def attempt(
        self, *, user_id: int, module: LiveModule, result: GradeResult, at: datetime
    ) -> list[Statement]:
        """One *answered* per question, then *passed* or *failed* for the quiz."""
        quiz = self.quiz_activity(module)
        questions = self._question_activities(module)
        made = [
            self._statement(
                "answered",
                user_id=user_id,
                at=at,
                activity=questions[answer.id],
                parents=[quiz],
                result={"success": answer.correct, "response": "[,]".join(answer.selected)},
                revision=module.revision,
            )
            for answer in result.questions
            if answer.id in questions
        ]
        score = {
            "scaled": result.score,
            "raw": result.correct_count,
            "min": 0,
            "max": result.question_count,
        }
        made.append(
            self._statement(
                "passed" if result.passed else "failed",
                user_id=user_id,
                at=at,
                activity=quiz,
                parents=[self.module_activity(module)],
                result={"score": score, "success": result.passed, "completion": True},
                revision=module.revision,
            )
        )
        return made

    def module_completed(self, *, user_id: int, module: LiveModule, at: datetime) -> Statement:
        return self._statement(
            "completed",
            user_id=user_id,
            at=at,
            activity=self.module_activity(module),
            parents=[self.course_activity],
            result={"completion": True},
        )

    def course_completed(self, *, user_id: int, at: datetime) -> Statement:
        return self._statement(
            "completed",
            user_id=user_id,
            at=at,
            activity=self.course_activity,
            result={"completion": True},
        )

    # -- writing ----------------------------------------------------------------------

    def write(self, db: Statements, *, user_id: int, statements: Sequence[Statement]) -> None:
        """Keep ``statements`` in the caller's transaction (one statement, every row)."""
        if not statements:
            return
        db.run_many(
            sql.NEW_XAPI_STATEMENT_SQL,
            [
                {
                    "id": s.id,
                    "user_id": user_id,
                    "verb": s.verb,
                    "statement": json.dumps(s.body, ensure_ascii=False, separators=(",", ":")),
                    "created_at": db.timestamp(s.at),
                }
                for s in statements
            ],
        )


def _timestamp(at: datetime) -> str:
    """ISO 8601 in UTC with milliseconds: the precision an LRS keeps (xAPI 1.0.3 4.1.7)."""
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def statement_log(settings: Settings, course: CourseInfo) -> StatementLog | None:
    """The installation's statement log, or None when no learning record store is set up."""
    if settings.xapi_endpoint is None:
        return None
    key = hmac.new(
        settings.effective_secret_key.encode(), b"innostudy xapi", hashlib.sha256
    ).digest()
    return StatementLog(base_url=settings.base_url, key=key, course=course)
