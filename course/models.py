"""Typed, immutable objects for a loaded course.

Everything here is plain data: the loader builds it once per content
revision, and the API, the grader and the certificate renderer only read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

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

    @property
    def correct_option_ids(self) -> frozenset[str]:
        return frozenset(o.id for o in self.options if o.correct)

    @property
    def option_ids(self) -> frozenset[str]:
        return frozenset(o.id for o in self.options)


@dataclass(frozen=True, slots=True)
class Quiz:
    pass_mark: float
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


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
    def word_count(self) -> int:
        return sum(m.words for m in self.modules)
