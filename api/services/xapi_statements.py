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

A statement carries what a reader of the store needs and no more, because every
byte is written on the learner's hot path (``bench/bench_xapi.py``): a question's
activity has its text and interaction type but not its choices, whose ids the
*response* names (``a[,]c``).
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
    at: datetime
    json: str  # the statement as stored and sent


@dataclass(frozen=True, slots=True)
class _Fragments:
    """A module revision's activities as JSON, encoded once (the statements are put
    together from these: encoding them for every statement cost most of its time)."""

    module: str
    module_ref: str
    quiz: str
    quiz_ref: str
    questions: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Who:
    """The learner's part of every statement of one event."""

    actor: str
    registration: str


@dataclass(frozen=True, slots=True)
class _At:
    """When an event happened, and as its statements say it."""

    value: datetime
    text: str

    @classmethod
    def of(cls, at: datetime) -> _At:
        return cls(at, _timestamp(at))


_COMPLETED = '{"completion":true}'


def _reference(activity: dict[str, Any]) -> str:
    return encode({"objectType": "Activity", "id": activity["id"]})


@dataclass
class StatementLog:
    """Makes the statements of an installation's learning events and writes them.

    One per application (``api.app``), made by ``statement_log`` only when a learning
    record store is configured: without one, no statement is made at all.
    """

    base_url: str
    key: bytes
    course: CourseInfo
    _fragments: dict[tuple[int, int], _Fragments] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        course = self.course_activity
        self._course = encode(course)
        self._course_ref = _reference(course)
        self._verbs = {
            verb: encode({"id": f"{ADL_VERBS}{verb}", "display": {"nb": display}})
            for verb, display in VERBS.items()
        }
        self._revision_key = encode(f"{self.base_url}/xapi/utvidelser/revisjon")
        self._platform = f',"platform":"innostudy","language":{encode(self.course.language)}'

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

    def _who(self, user_id: int) -> _Who:
        return _Who(encode(self.actor(user_id)), self.registration(user_id))

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

    def _question_activity(self, module: LiveModule, question: Question) -> dict[str, Any]:
        return {
            "objectType": "Activity",
            "id": f"{self.base_url}/moduler/{module.slug}/quiz#{question.id}",
            "definition": {
                "type": f"{ADL_ACTIVITIES}cmi.interaction",
                "name": self._name(question.text[:_QUESTION_NAME_CHARS]),
                "interactionType": "choice",
            },
        }

    def _of(self, module: LiveModule) -> _Fragments:
        """The module revision's fragments, made on its first statement."""
        key = (module.id, module.revision)
        found = self._fragments.get(key)
        if found is None:
            activity, quiz = self.module_activity(module), self.quiz_activity(module)
            questions = module.content.quiz.questions if module.content.quiz else ()
            found = _Fragments(
                module=encode(activity),
                module_ref=_reference(activity),
                quiz=encode(quiz),
                quiz_ref=_reference(quiz),
                questions={q.id: encode(self._question_activity(module, q)) for q in questions},
            )
            self._fragments[key] = found
        return found

    # -- statements -------------------------------------------------------------------

    def _statement(
        self,
        verb: str,
        who: _Who,
        at: _At,
        activity: str,
        *,
        parent: str | None = None,
        result: str | None = None,
        revision: int | None = None,
    ) -> Statement:
        """One statement's JSON, put together from encoded parts."""
        statement_id = str(uuid.uuid4())
        parts = [
            f'{{"id":"{statement_id}","actor":{who.actor},"verb":{self._verbs[verb]}',
            f',"object":{activity},"context":{{"registration":"{who.registration}"',
            self._platform,
            f',"contextActivities":{{"grouping":[{self._course_ref}]',
            "" if parent is None else f',"parent":[{parent}]',
            "}",
            "" if revision is None else f',"extensions":{{{self._revision_key}:{revision}}}',
            f'}},"timestamp":"{at.text}","version":"{VERSION}"',
            "" if result is None else f',"result":{result}',
            "}",
        ]
        return Statement(statement_id, at.value, "".join(parts))

    def read(self, *, user_id: int, module: LiveModule, at: datetime) -> Statement:
        parts = self._of(module)
        return self._statement(
            "experienced", self._who(user_id), _At.of(at), parts.module, parent=self._course_ref
        )

    def attempt(
        self, *, user_id: int, module: LiveModule, result: GradeResult, at: datetime
    ) -> list[Statement]:
        """One *answered* per question, then *passed* or *failed* for the quiz."""
        parts, who, when = self._of(module), self._who(user_id), _At.of(at)
        made = [
            self._statement(
                "answered",
                who,
                when,
                parts.questions[answer.id],
                parent=parts.quiz_ref,
                result=(
                    f'{{"success":{"true" if answer.correct else "false"},'
                    f'"response":{encode("[,]".join(answer.selected))}}}'
                ),
                revision=module.revision,
            )
            for answer in result.questions
            if answer.id in parts.questions
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
                who,
                when,
                parts.quiz,
                parent=parts.module_ref,
                result=encode({"score": score, "success": result.passed, "completion": True}),
                revision=module.revision,
            )
        )
        return made

    def module_completed(self, *, user_id: int, module: LiveModule, at: datetime) -> Statement:
        return self._statement(
            "completed",
            self._who(user_id),
            _At.of(at),
            self._of(module).module,
            parent=self._course_ref,
            result=_COMPLETED,
        )

    def course_completed(self, *, user_id: int, at: datetime) -> Statement:
        return self._statement(
            "completed", self._who(user_id), _At.of(at), self._course, result=_COMPLETED
        )

    # -- writing ----------------------------------------------------------------------

    def write(self, db: Statements, *, user_id: int, statements: Sequence[Statement]) -> None:
        """Keep ``statements`` in the caller's transaction: one row."""
        if not statements:
            return
        db.run(
            sql.NEW_XAPI_OUTBOX_SQL,
            {
                "user_id": user_id,
                "statements": "[" + ",".join(s.json for s in statements) + "]",
                "statement_count": len(statements),
                "created_at": db.timestamp(statements[0].at),
            },
        )


def encode(value: Any) -> str:
    """Statements as stored and sent: compact JSON, UTF-8 as it is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


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
