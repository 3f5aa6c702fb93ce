"""Typed, immutable objects for a loaded course.

Everything here is plain data: the loader builds it once per content
revision, and the API, the grader and the certificate renderer only read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from course.workbook_models import WorkbookStep

QuestionKind = Literal["single", "multiple"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a content file, located by file and line."""

    path: str
    line: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        prefix = "advarsel: " if self.severity is Severity.WARNING else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    text: str
    html: str
    correct: bool
    feedback_html: str | None = None


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str
    html: str
    kind: QuestionKind
    options: tuple[Option, ...]
    explanation_html: str
    details_html: str = ""
    line: int = 0
    # Derived once: grading asks for them on every attempt.
    option_ids: frozenset[str] = field(init=False, repr=False, compare=False)
    correct_option_ids: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "option_ids", frozenset(o.id for o in self.options))
        correct = frozenset(o.id for o in self.options if o.correct)
        object.__setattr__(self, "correct_option_ids", correct)


@dataclass(frozen=True, slots=True)
class Quiz:
    pass_mark: float
    questions: tuple[Question, ...]
    # The pass mark exactly as written (0.7 is 7/10, not the float just below it).
    pass_fraction: Fraction = field(init=False, repr=False, compare=False)
    _by_id: dict[str, Question] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pass_fraction", Fraction(str(self.pass_mark)))
        # The first question wins a duplicate id (the validator refuses those anyway).
        object.__setattr__(self, "_by_id", {q.id: q for q in reversed(self.questions)})

    def question(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Module:
    slug: str
    title: str
    order: int
    estimated_minutes: int
    required: bool
    objectives: tuple[str, ...]
    html: str
    toc: tuple[Heading, ...]
    quiz: Quiz | None
    words: int
    source: str = field(repr=False)
    pass_mark: float | None = None
    workbook: tuple[WorkbookStep, ...] = ()  # the ``::: oppgave`` steps, in order

    @property
    def file_name(self) -> str:
        return f"{self.order:02d}-{self.slug}.md"


@dataclass(frozen=True, slots=True)
class CourseInfo:
    title: str
    slug: str
    version: str
    issuer: str
    language: str = "nb"
    description: str = ""
    pass_mark: float = 0.8
    estimated_hours: float | None = None
    # ``[workbook] challenge = "step.field"``: where a project states its challenge.
    challenge: tuple[str, str] | None = None
    # ``[completion] require_approved_plan``: completion also needs an approved plan.
    require_approved_plan: bool = False


@dataclass(frozen=True, slots=True)
class Course:
    info: CourseInfo
    modules: tuple[Module, ...]

    def module(self, slug: str) -> Module | None:
        return next((m for m in self.modules if m.slug == slug), None)

    @property
    def question_count(self) -> int:
        return sum(len(m.quiz.questions) for m in self.modules if m.quiz)

    @property
    def step_count(self) -> int:
        return sum(len(m.workbook) for m in self.modules)

    @property
    def word_count(self) -> int:
        return sum(m.words for m in self.modules)
