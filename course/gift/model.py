"""A quiz question as GIFT and the course's quiz syntax both hold it: Markdown text, no HTML."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class GiftOption:
    text: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True, slots=True)
class GiftQuestion:
    """``id`` is the GIFT name (``::id::``); ``explanation`` is GIFT's general feedback."""

    id: str
    text: str
    options: tuple[GiftOption, ...]
    explanation: str = ""
    line: int = field(default=0, compare=False)  # where it starts in the file it was read from

    @property
    def multiple(self) -> bool:
        return sum(o.correct for o in self.options) > 1


@dataclass(frozen=True, slots=True)
class GiftProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"linje {self.line}: {self.message}"
