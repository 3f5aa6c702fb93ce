"""Compiling a module costs work in proportion to its length, whatever its Markdown.

Work is counted, not timed: the Python calls and lines that run while a module
compiles (``sys.settrace``), which are the same on every machine and every run.
For each kind of input below, doubling it must about double the work (quadratic
work would quadruple it), and no kind may cost more than a fixed number of steps
per character. Work inside C functions (regular expressions, nh3) is not counted;
the bounds in ``course.limits`` cover what the parser does with it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

import pytest

from course.compile import ModuleDefaults, compile_module

FRONT = "---\ntitle: Modul\n---\n\n# Tittel\n\nTekst.\n\n"
# The costliest kinds below (runs of "![") take about 660 steps per character,
# plain lines about 375: some 66 million steps at the size limit.
MAX_STEPS_PER_CHARACTER = 1_000


@dataclass(frozen=True)
class Kind:
    name: str
    unit: str  # repeated to make the input
    size: int  # characters of repeated units in the smaller input
    before: str = ""
    after: str = ""

    def source(self, size: int) -> str:
        return FRONT + self.before + self.unit * (size // len(self.unit)) + self.after


QUIZ = "::: quiz\n"
KINDS = [
    # Link, image and footnote labels: every "[" starts a search for its "]".
    Kind("brackets", "[", 400),
    Kind("image-brackets", "![", 400),
    Kind("unclosed-links", "[a](", 600),
    Kind("link-references", "[a] ", 600, before="[a]: /adresse\n\n"),
    Kind("inline-footnotes", "^[a", 400),
    # Footnote references: the plugin scanned each "[^" to the next space (n²).
    Kind("footnote-reference-run", "[^a", 1_200, before="[^1]: x\n\nTekst[^1]\n\n"),
    Kind("footnote-references", "[^1] ", 600, before="[^1]: Fotnote.\n\n"),
    # Emphasis, code spans, autolinks, entities.
    Kind("emphasis", "*a", 600),
    Kind("strong", "**a", 600),
    Kind("backticks", "`a ", 600),
    Kind("angle-brackets", "<", 600),
    Kind("ampersands", "&", 600),
    # Headings with one id: the anchors plugin tried a, a-1, a-2, … from the start (n²).
    Kind("same-headings", "## a\n", 2_000),
    # Nesting, tables, quizzes, lines.
    Kind("nested-quotes", ">", 600, after=" a\n"),
    Kind("nested-lists", "- ", 600, after="a\n"),
    Kind("wide-table", "a|", 1_000, before="|", after="\n|" + "-|" * 500 + "\n"),
    Kind("tables", "|a|b|\n|-|-|\n|1|2|\n\n", 1_000),
    Kind("stray-fences", ":::\n", 600),
    Kind("unclosed-quizzes", QUIZ, 600),
    Kind("questions", "### Q{#q}\n- [x] a\n- [ ] b\n> F\n", 1_000, before=QUIZ, after=":::\n"),
    Kind("options", "- [x] a\n", 600, before=QUIZ + "### Q\n", after=":::\n"),
    Kind("lines", "a\n", 600),
]


@contextmanager
def _counting() -> Iterator[list[int]]:
    steps = [0]

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        steps[0] += 1
        return trace

    previous = sys.gettrace()  # a coverage tracer, if any, is put back
    sys.settrace(trace)
    try:
        yield steps
    finally:
        sys.settrace(previous)


def work(source: str) -> int:
    """Python calls and lines run while ``source`` compiles."""
    with _counting() as steps:
        compile_module(source, path="x.md", defaults=ModuleDefaults("x", 1, 0.8))
    return steps[0]


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_twice_the_input_takes_about_twice_the_work(kind: Kind) -> None:
    small, large = kind.source(kind.size), kind.source(2 * kind.size)
    small_work, large_work = work(small), work(large)
    ratio = large_work / small_work
    assert ratio < 2.3, f"{kind.name}: twice the input took {ratio:.2f} times the work"
    # Each character more costs a bounded amount of work, up to the size limit.
    per_character = (large_work - small_work) / (len(large) - len(small))
    assert per_character < MAX_STEPS_PER_CHARACTER, f"{kind.name}: {per_character:.0f} steps"
