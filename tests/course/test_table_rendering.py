"""A table in module text is rendered inside a focusable, named region that can scroll sideways."""

from __future__ import annotations

from html.parser import HTMLParser

from course.markdown import TABLE_HINT
from tests.course.helpers import compile_source, module_source

TABLE = "| Type | Eksempel |\n|---|---|\n| Kommunikasjonsinnovasjon | Klarspråk |\n"


class Outline(HTMLParser):
    """Each start tag with its attributes, and the text of each element, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.texts: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        if data.strip() and self.tags:
            self.texts.append((self.tags[-1][0], data.strip()))


def outline(body: str) -> Outline:
    result = compile_source(module_source(body))
    assert result.module is not None, result.problems
    parsed = Outline()
    parsed.feed(result.module.html)
    return parsed


def test_a_table_is_wrapped_in_a_region_named_by_the_heading_of_its_section() -> None:
    parsed = outline(f"## Typer innovasjon\n\nTekst.\n\n### Eksempler\n\n{TABLE}")
    tags = [tag for tag, _ in parsed.tags]
    region = tags.index("div")
    assert tags[region - 1 : region + 2] == ["p", "div", "table"]
    hint, wrap = parsed.tags[region - 1][1], parsed.tags[region][1]
    assert hint == {"class": "table-hint"}
    assert ("p", TABLE_HINT) in parsed.texts
    assert wrap == {
        "class": "table-wrap",
        "role": "region",
        "tabindex": "0",
        "aria-labelledby": "eksempler",
    }
    assert ("h3", {"id": "eksempler"}) in parsed.tags


def test_a_table_before_any_heading_is_still_a_named_region() -> None:
    parsed = outline(TABLE)
    wrap = next(attrs for tag, attrs in parsed.tags if tag == "div")
    assert wrap["aria-label"] == "Tabell" and "aria-labelledby" not in wrap
    assert wrap["role"] == "region" and wrap["tabindex"] == "0"


def test_every_table_gets_its_own_region() -> None:
    parsed = outline(f"## En\n\n{TABLE}\n## To\n\n{TABLE}")
    names = [attrs["aria-labelledby"] for tag, attrs in parsed.tags if tag == "div"]
    assert names == ["en", "to"]
