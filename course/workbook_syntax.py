"""The ``::: oppgave`` block: a workbook step and its fields (syntax in ``modules/README.md``).

```
::: oppgave Kartlegg interessentene {#m04-interessenter}
Tekst om oppgaven (vanlig Markdown).

- kort: Prosjektets navn {#navn}
- tabell: Interessentkart {#kart}
  - Aktør
  - Interesse
  - Innflytelse
- valg: Fase {#fase}
  - Forankring
  - Innsikt
:::
```

The block rule is registered on the one course parser (``course.markdown``); the
compiler hands each block's tokens to ``parse_step``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from markdown_it import MarkdownIt
from markdown_it.token import Token

from course.ids import VALID_ID_RE, explicit_id, slugify
from course.models import Problem
from course.quiz_syntax import container_rule
from course.workbook_models import (
    FIELD_KINDS,
    ChoiceOption,
    Column,
    WorkbookField,
    WorkbookStep,
)

WORKBOOK_OPEN = "oppgave_open"
WORKBOOK_CLOSE = "oppgave_close"
MAX_STEPS = 20  # per module
MAX_FIELDS = 30  # per step
MAX_COLUMNS = 12
MAX_OPTIONS = 26
MAX_LABEL = 200

_OPEN_RE = re.compile(r"^:{3,}\s*oppgave(?:\s.*)?$")
_OPENING_RE = re.compile(r"^:{3,}\s*oppgave\s*")
_FIELD_RE = re.compile(r"^(?P<keyword>[^\s:]+)\s*:\s*(?P<label>.*)$", re.DOTALL)
ID_RULE = (
    "bruk bare a–z, 0–9, «-» og «_», begynn med en bokstav eller et siffer, og bruk høyst 80 tegn"
)
_KEYWORDS = ", ".join(f"«{k}»" for k in FIELD_KINDS)


class Reporter(Protocol):
    def line(self, token: Token) -> int: ...

    def error(self, token: Token | int, message: str) -> None: ...


class Render(Protocol):
    def __call__(self, tokens: Sequence[Token], /) -> str: ...


def workbook_plugin(md: MarkdownIt) -> None:
    """Register the ``::: oppgave`` block rule."""
    md.block.ruler.before(
        "fence",
        "oppgave",
        container_rule("oppgave", _OPEN_RE),
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )


def _close_index(tokens: Sequence[Token], start: int) -> int:
    if tokens[start].nesting != 1:
        return start
    level = tokens[start].level
    for index in range(start + 1, len(tokens)):
        if tokens[index].level == level and tokens[index].nesting == -1:
            return index
    return len(tokens) - 1


def _split_id(text: str) -> tuple[str, str | None]:
    """``("Tekst", "id")`` for text ending in ``{#id}``; ``(text, None)`` without one."""
    found = explicit_id(text)
    return (found[0], found[1]) if found else (text.strip(), None)


def _item_text(tokens: Sequence[Token], start: int, end: int) -> tuple[str, int]:
    """The first paragraph's text of the list item ``tokens[start:end]`` and where it ends."""
    if start + 2 < end and tokens[start + 1].type == "paragraph_open":
        return tokens[start + 2].content, start + 4
    return "", start + 1


class _StepParser:
    def __init__(self, report: Reporter) -> None:
        self.report = report
        self.id_re = VALID_ID_RE

    def checked_id(self, token: Token, given: str | None, what: str, fix: str) -> str | None:
        if given is None:
            self.report.error(token, f"{what} mangler id: skriv {fix}")
            return None
        if not self.id_re.match(given):
            self.report.error(token, f"ugyldig id «{given}»: {ID_RULE}")
            return None
        return given

    def sub_items(self, tokens: Sequence[Token], start: int, end: int) -> list[tuple[str, Token]]:
        """The texts of a field's nested list (columns or options)."""
        items: list[tuple[str, Token]] = []
        index = start
        while index < end:
            close = _close_index(tokens, index)
            token = tokens[index]
            if token.type in ("bullet_list_open", "ordered_list_open"):
                inner = index + 1
                while inner < close:
                    item_close = _close_index(tokens, inner)
                    text, _ = _item_text(tokens, inner, item_close)
                    items.append((text.strip(), tokens[inner]))
                    inner = item_close + 1
            else:
                self.report.error(token, "under et felt kan det bare stå en liste med "
                                  "kolonner eller valgmuligheter")  # fmt: skip
            index = close + 1
        return items

    def field(self, tokens: Sequence[Token], start: int, end: int) -> WorkbookField | None:
        item = tokens[start]
        text, after = _item_text(tokens, start, end)
        match = _FIELD_RE.match(text)
        if match is None:
            self.report.error(item, "et listepunkt i en oppgave må være et felt: "
                              "«- type: ledetekst {#id}», f.eks. «- kort: Prosjektets navn "
                              "{#navn}»")  # fmt: skip
            return None
        keyword = match["keyword"].lower()
        spec = FIELD_KINDS.get(keyword)
        if spec is None:
            self.report.error(item, f"ukjent felttype «{match['keyword']}»: bruk {_KEYWORDS}")
            return None
        label, given = _split_id(match["label"])
        field_id = self.checked_id(item, given, f"feltet «{label or keyword}»",
                                   "«{#id}» til slutt i linjen")  # fmt: skip
        if not label:
            self.report.error(item, f"feltet av typen «{keyword}» mangler ledetekst")
            return None
        if len(label) > MAX_LABEL:
            self.report.error(item, f"ledeteksten kan ha høyst {MAX_LABEL} tegn")
            return None
        subs = self.sub_items(tokens, after, end)
        if spec.takes == "nothing" and subs:
            self.report.error(subs[0][1], f"et felt av typen «{keyword}» har ingen kolonner "
                              "eller valgmuligheter: fjern listen under det")  # fmt: skip
            return None
        if any(not sub for sub, _ in subs):
            blank = next(token for sub, token in subs if not sub)
            self.report.error(blank, "et punkt under feltet er tomt: skriv navnet på "
                              "kolonnen eller valget")  # fmt: skip
            return None
        if spec.takes == "columns":
            return self._table(item, field_id, label, subs)
        if spec.takes == "options":
            return self._choice(item, field_id, label, subs)
        if field_id is None:
            return None
        return WorkbookField(field_id, spec.kind, label, spec.columns, (), self.report.line(item))

    def _named(
        self, item: Token, subs: list[tuple[str, Token]], what: str
    ) -> list[tuple[str, str]]:
        """(id, label) for columns or options: ``{#id}`` or made from the text, unique."""
        named: list[tuple[str, str]] = []
        seen: set[str] = set()
        for text, token in subs:
            label, given = _split_id(text)
            made = given if given is not None else slugify(label)
            if not made or not self.id_re.match(made):
                self.report.error(token, f"kan ikke lage en id av {what} «{label}»: legg til "
                                  f"«{{#id}}» til slutt ({ID_RULE})")  # fmt: skip
            elif made in seen:
                self.report.error(token, f"{what} «{label}» har samme id som et annet punkt "
                                  f"(«{made}»): gi det en annen tekst eller «{{#id}}»")  # fmt: skip
            else:
                seen.add(made)
                named.append((made, label))
        return named

    def _table(
        self, item: Token, field_id: str | None, label: str, subs: list[tuple[str, Token]]
    ) -> WorkbookField | None:
        if not subs:
            self.report.error(item, f"tabellen «{label}» har ingen kolonner: skriv hver kolonne "
                              "som et punkt under feltet («  - Aktør»)")  # fmt: skip
            return None
        if len(subs) > MAX_COLUMNS:
            self.report.error(item, f"tabellen «{label}» kan ha høyst {MAX_COLUMNS} kolonner")
            return None
        named = self._named(item, subs, "kolonnen")
        if field_id is None or len(named) != len(subs):
            return None
        columns = tuple(Column(i, text) for i, text in named)
        return WorkbookField(field_id, "table", label, columns, (), self.report.line(item))

    def _choice(
        self, item: Token, field_id: str | None, label: str, subs: list[tuple[str, Token]]
    ) -> WorkbookField | None:
        if not subs:
            self.report.error(item, f"valget «{label}» har ingen valgmuligheter: skriv hver "
                              "mulighet som et punkt under feltet")  # fmt: skip
            return None
        if len(subs) > MAX_OPTIONS:
            self.report.error(item, f"valget «{label}» kan ha høyst {MAX_OPTIONS} muligheter")
            return None
        named = self._named(item, subs, "valgmuligheten")
        if field_id is None or len(named) != len(subs):
            return None
        options = tuple(ChoiceOption(i, text) for i, text in named)
        return WorkbookField(field_id, "choice", label, (), options, self.report.line(item))


def opening_id(opener: Token) -> str | None:
    """The id written on a block's ``::: oppgave`` line, valid or not."""
    return _split_id(_OPENING_RE.sub("", opener.info, count=1))[1]


def parse_step(
    tokens: Sequence[Token],
    start: int,
    end: int,
    *,
    report: Reporter,
    render: Render,
) -> WorkbookStep | None:
    """The step in ``tokens[start..end]`` (its open and close tokens), or None after errors."""
    opener = tokens[start]
    parser = _StepParser(report)
    title, given = _split_id(_OPENING_RE.sub("", opener.info, count=1))
    step_id = parser.checked_id(
        opener, given, "oppgaven", "«::: oppgave Tittel {#id}» på første linje"
    )
    if not title:
        report.error(opener, "oppgaven mangler tittel: skriv «::: oppgave Tittel {#id}»")
    elif len(title) > MAX_LABEL:
        report.error(opener, f"tittelen på oppgaven kan ha høyst {MAX_LABEL} tegn")
    fields: list[WorkbookField] = []
    field_ids: set[str] = set()
    intro: list[Token] = []
    ok = True
    index = start + 1
    while index < end:
        token = tokens[index]
        close = _close_index(tokens, index)
        if token.type in (WORKBOOK_OPEN, "quiz_open"):
            report.error(token, "en oppgave kan ikke stå inne i en oppgave, og en quiz ikke i "
                         "en oppgave: lukk oppgaven med «:::» først")  # fmt: skip
            ok = False
        elif token.type == "bullet_list_open":
            item = index + 1
            while item < close:
                item_close = _close_index(tokens, item)
                built = parser.field(tokens, item, item_close)
                if built is None:
                    ok = False
                elif built.id in field_ids:
                    report.error(tokens[item], f"felt-id «{built.id}» er allerede brukt i "
                                 "oppgaven: gi feltet en annen id")  # fmt: skip
                    ok = False
                else:
                    field_ids.add(built.id)
                    fields.append(built)
                item = item_close + 1
        else:
            intro.extend(tokens[index : close + 1])
        index = close + 1
    if not fields and ok:
        report.error(opener, "oppgaven har ingen felt: skriv feltene som en punktliste, "
                     "«- kort: Prosjektets navn {#navn}»")  # fmt: skip
        return None
    if len(fields) > MAX_FIELDS:
        report.error(opener, f"en oppgave kan ha høyst {MAX_FIELDS} felt")
        return None
    if not ok or step_id is None or not title or len(title) > MAX_LABEL:
        return None
    return WorkbookStep(step_id, title, render(intro), tuple(fields), report.line(opener))


_WRITTEN_ID_RE = re.compile(r"^ {0,3}:{3,}[ \t]*oppgave\b[^\n]*\{#([^}\n]*)\}[ \t]*$", re.MULTILINE)


def written_step_ids(source: str) -> set[str]:
    """The step ids on the ``::: oppgave`` lines of a module's source, without compiling it
    (for checking one module against the rest of the course when it is saved)."""
    return set(_WRITTEN_ID_RE.findall(source))


def step_ids_taken(
    steps: Sequence[WorkbookStep], taken: dict[str, str], *, path: str
) -> list[Problem]:
    """Steps whose id another module (``taken``: id to that module's name) already uses."""
    return [
        Problem(
            path,
            step.line,
            f"oppgave-id «{step.id}» er allerede brukt i modulen "
            f"{taken[step.id]}: id-ene må være unike i hele kurset, så gi oppgaven en "
            "annen id",
        )
        for step in steps
        if step.id in taken
    ]


def duplicate_step_problems(
    modules: Sequence[tuple[str, Sequence[WorkbookStep]]],
) -> list[Problem]:
    """A step id used in an earlier module, reported at its later use (answers are kept
    by step id, so two steps with one id would share them)."""
    first: dict[str, tuple[str, int]] = {}
    problems: list[Problem] = []
    for path, steps in modules:
        for step in steps:
            seen = first.setdefault(step.id, (path, step.line))
            if seen[0] != path:
                problems.append(Problem(path, step.line, f"oppgave-id «{step.id}» er allerede "
                                        f"brukt i modulen {Path(seen[0]).name} (linje {seen[1]}): "
                                        "id-ene må være unike i hele kurset, så gi oppgaven en "
                                        "annen id"))  # fmt: skip
    return problems
