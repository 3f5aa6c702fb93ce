"""The plan as the documents show it: typed, immutable, in course order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SCALE = range(1, 6)  # likelihood and consequence, 1–5
RISK_HEADERS = ("Hva kan gå galt", "Sannsynlighet", "Konsekvens", "Risiko (S × K)", "Tiltak")


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    long: bool = False


@dataclass(frozen=True, slots=True)
class Items:
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A table, a stakeholder map or the benefits map: header labels and rows of text."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Risk:
    event: str
    likelihood: int | None
    consequence: int | None
    measure: str

    @property
    def score(self) -> int | None:
        if self.likelihood is None or self.consequence is None:
            return None
        return self.likelihood * self.consequence

    @property
    def score_text(self) -> str:
        score = self.score
        return "" if score is None else f"{self.likelihood} × {self.consequence} = {score}"


@dataclass(frozen=True, slots=True)
class Risks:
    """A ROS analysis: the rows, and the likelihood × consequence matrix made from them."""

    rows: tuple[Risk, ...]

    def count(self, likelihood: int, consequence: int) -> int:
        return sum(
            1 for r in self.rows if (r.likelihood, r.consequence) == (likelihood, consequence)
        )

    def table_rows(self) -> list[tuple[str, str, str, str, str]]:
        def number(value: int | None) -> str:
            return "" if value is None else str(value)

        return [
            (r.event, number(r.likelihood), number(r.consequence), r.score_text, r.measure)
            for r in self.rows
        ]


Value = Text | Items | Table | Risks


@dataclass(frozen=True, slots=True)
class PlanField:
    label: str
    value: Value | None  # None: not filled in


@dataclass(frozen=True, slots=True)
class PlanStep:
    module_title: str
    title: str
    fields: tuple[PlanField, ...]

    @property
    def filled(self) -> int:
        return sum(1 for f in self.fields if f.value is not None)

    @property
    def status(self) -> str:
        if self.filled == len(self.fields):
            return "Ferdig"
        return "Påbegynt" if self.filled else "Ikke påbegynt"


@dataclass(frozen=True, slots=True)
class PlanData:
    title: str
    challenge: str | None  # "Hvordan kan vi …?", if the plan has one
    authors: tuple[str, ...]
    municipality: str | None
    made_on: date
    course_title: str
    steps: tuple[PlanStep, ...]
    language: str = "nb"

    @property
    def steps_done(self) -> int:
        return sum(1 for s in self.steps if s.status == "Ferdig")

    @property
    def progress(self) -> str:
        filled = sum(s.filled for s in self.steps)
        total = sum(len(s.fields) for s in self.steps)
        return (
            f"{self.steps_done} av {len(self.steps)} steg ferdige "
            f"({filled} av {total} felt fylt ut)"
        )


def risk_color(score: int) -> str:
    """The matrix colour of a likelihood × consequence score, as hex RGB."""
    if score >= 15:
        return "E8A29B"  # high
    if score >= 8:
        return "F3D48B"  # medium
    return "BFDDB5"  # low
