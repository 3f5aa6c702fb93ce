"""The project workbook's steps as typed, immutable data (``::: oppgave`` blocks).

A step is one practical assignment of a module; its fields are what the learner fills
in. The field kinds are a registry (``FIELD_KINDS``): the syntax names a kind by its
Norwegian keyword, and a kind says whether it takes columns or options of its own,
or has fixed columns (the benefits map and the ROS matrix).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldKind = Literal["short", "long", "list", "table", "choice", "date", "benefits", "risks"]
Takes = Literal["nothing", "columns", "options"]
SCALE_MIN, SCALE_MAX = 1, 5


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a table-like field; ``scale`` columns take a whole number 1–5."""

    id: str
    label: str
    scale: bool = False


@dataclass(frozen=True, slots=True)
class ChoiceOption:
    id: str
    label: str


@dataclass(frozen=True, slots=True)
class KindSpec:
    kind: FieldKind
    keyword: str  # as written in the Markdown
    name: str  # in Norwegian, for messages and the authoring preview
    takes: Takes = "nothing"
    columns: tuple[Column, ...] = ()  # fixed columns (benefits map, ROS matrix)

    @property
    def table_like(self) -> bool:
        return self.takes == "columns" or bool(self.columns)


_BENEFITS = (
    Column("tiltak", "Tiltak"),
    Column("effekt", "Effekt"),
    Column("gevinst", "Gevinst"),
    Column("eier", "Hvem eier gevinsten"),
    Column("maling", "Hvordan gevinsten måles"),
)
_RISKS = (
    Column("hendelse", "Hva kan gå galt"),
    Column("sannsynlighet", "Sannsynlighet (1–5)", scale=True),
    Column("konsekvens", "Konsekvens (1–5)", scale=True),
    Column("tiltak", "Tiltak"),
)
FIELD_KINDS: dict[str, KindSpec] = {
    spec.keyword: spec
    for spec in (
        KindSpec("short", "kort", "kort tekst"),
        KindSpec("long", "lang", "lang tekst"),
        KindSpec("list", "liste", "liste"),
        KindSpec("table", "tabell", "tabell", takes="columns"),
        KindSpec("choice", "valg", "valg", takes="options"),
        KindSpec("date", "dato", "dato"),
        KindSpec("benefits", "gevinstkart", "gevinstkart", columns=_BENEFITS),
        KindSpec("risks", "ros", "ROS-analyse", columns=_RISKS),
    )
}
BY_KIND: dict[FieldKind, KindSpec] = {spec.kind: spec for spec in FIELD_KINDS.values()}


@dataclass(frozen=True, slots=True)
class WorkbookField:
    id: str
    kind: FieldKind
    label: str
    columns: tuple[Column, ...] = ()
    options: tuple[ChoiceOption, ...] = ()
    line: int = 0

    @property
    def spec(self) -> KindSpec:
        return BY_KIND[self.kind]

    @property
    def table_like(self) -> bool:
        return bool(self.columns)


@dataclass(frozen=True, slots=True)
class WorkbookStep:
    """One ``::: oppgave`` block: its id is unique in the course, its fields' ids in the step."""

    id: str
    title: str
    intro_html: str
    fields: tuple[WorkbookField, ...]
    line: int = 0

    def field(self, field_id: str) -> WorkbookField | None:
        return next((f for f in self.fields if f.id == field_id), None)
