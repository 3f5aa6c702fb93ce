"""markdown-it rules that keep parsing linear: heading ids, tables, footnote references.

Each one stands in for a plugin or core rule whose work grew faster than its
input (see ``course.limits``). Problems found while parsing are collected in the
parser's ``env``; ``limit_problems`` returns them for the compiler to report.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.table import table
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.anchors.index import slugify
from mdit_py_plugins.footnote.index import footnote_ref

from course.limits import (
    LABEL_NESTING,
    MAX_FOOTNOTE_LABEL,
    MAX_TABLE_CELLS,
    MAX_TABLE_COLUMNS,
)
from course.messages import number

Env = MutableMapping[str, Any]
_PROBLEMS = "innostudy_limit_problems"
_CELLS = "innostudy_table_cells"


def limit_problems(env: Env) -> list[tuple[int, str]]:
    """(0-based line in the parsed text, message) for every bound a parse ran into."""
    return list(dict.fromkeys(env.get(_PROBLEMS, ())))


def _problem(env: Env, line: int, message: str) -> None:
    env.setdefault(_PROBLEMS, []).append((line, message))


# -- link labels --------------------------------------------------------------------


class LabelBoundedInline(ParserInline):
    """The inline parser, giving up on link labels nested deeper than LABEL_NESTING.

    To find where a ``[`` label ends, markdown-it skips the tokens inside it,
    trying every rule at each position, nested labels included; past
    ``maxNesting`` it gives up on the rest of the paragraph. So every ``[``,
    matched or not, costs work in proportion to that depth. This gives up at the
    shallower LABEL_NESTING, exactly as markdown-it does at its own bound.
    """

    def skipToken(self, state: StateInline) -> None:
        if state.level >= LABEL_NESTING and state.pos not in state.cache:
            # What ParserInline.skipToken does past maxNesting: skip to the end.
            state.cache[state.pos] = state.posMax + 1
            state.pos = state.posMax + 1
            return
        super().skipToken(state)


# -- heading ids ------------------------------------------------------------------


def heading_ids_plugin(md: MarkdownIt, *, min_level: int, max_level: int) -> None:
    """Give headings ids as mdit-py-plugins' ``anchors_plugin`` does, in linear time.

    That plugin finds a free id by trying ``a``, ``a-1``, ``a-2``, … from the start
    for every heading, so n headings with the same text cost n² steps. This one
    remembers where each base id's search stopped; since taken ids stay taken, it
    gives the same ids.
    """
    levels = range(min_level, max_level + 1)

    def heading_ids(state: StateCore) -> None:
        tokens = state.tokens
        taken = {
            str(token.attrGet("id"))
            for token in tokens
            if token.type == "heading_open" and token.attrGet("id")
        }
        next_suffix: dict[str, int] = {}
        for index, token in enumerate(tokens):
            if token.type != "heading_open" or int(token.tag[1]) not in levels:
                continue
            if token.attrGet("id"):
                continue
            children = tokens[index + 1].children or []
            title = "".join(c.content for c in children if c.type in ("text", "code_inline"))
            token.attrSet("id", _unique(slugify(title), taken, next_suffix))

    md.core.ruler.push("anchor", heading_ids)


def _unique(slug: str, taken: set[str], next_suffix: dict[str, int]) -> str:
    found = slug
    if found in taken:
        suffix = next_suffix.get(slug, 1)
        while f"{slug}-{suffix}" in taken:
            suffix += 1
        next_suffix[slug] = suffix + 1
        found = f"{slug}-{suffix}"
    taken.add(found)
    return found


# -- tables -------------------------------------------------------------------------


def bounded_tables_plugin(md: MarkdownIt) -> None:
    """Refuse tables wider than MAX_TABLE_COLUMNS and stop at MAX_TABLE_CELLS cells."""
    md.block.ruler.at("table", _table, {"alt": ["paragraph", "reference"]})


def _columns(state: StateBlock, line: int) -> int:
    """Columns in a table whose delimiter row (``|---|:-:|``) is ``line``."""
    text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
    return sum(1 for part in text.split("|") if part.strip())


def _table(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if not table(state, start_line, end_line, True):
        return False
    if silent:
        return True
    columns = _columns(state, start_line + 1)
    if columns > MAX_TABLE_COLUMNS:
        _problem(state.env, start_line, f"tabellen har {number(columns)} kolonner, men en tabell "
                 f"kan ha høyst {MAX_TABLE_COLUMNS}: del den opp i flere tabeller")  # fmt: skip
        return False  # read as a paragraph, which costs little; the module has an error anyway
    used: int = state.env.get(_CELLS, 0)
    remaining = MAX_TABLE_CELLS - used
    parsed = columns <= remaining
    if parsed:
        # markdown-it fills every row to the header's width: allow the rows that fit,
        # and one more to tell whether the table goes on.
        rows = remaining // columns - 1
        before = len(state.tokens)
        table(state, start_line, min(end_line, start_line + 3 + rows), False)
        cells = sum(1 for t in state.tokens[before:] if t.type in ("th_open", "td_open"))
        state.env[_CELLS] = used + cells
        if cells <= remaining:
            return True
    else:
        state.env[_CELLS] = MAX_TABLE_CELLS + 1
    if used <= MAX_TABLE_CELLS:  # once, at the table that goes over
        _problem(state.env, start_line, "tabellene i modulen har til sammen mer enn "
                 f"{number(MAX_TABLE_CELLS)} celler: del dem opp, eller flytt noen til en "
                 "annen modul")  # fmt: skip
    return parsed  # past the budget a table is read as paragraphs


# -- footnote references -------------------------------------------------------------

_LABEL_END = re.compile(r"[ \n\]]")


def bounded_footnote_refs_plugin(md: MarkdownIt) -> None:
    """Look up ``[^label]`` only when the label is short and defined (after footnote_plugin).

    The plugin's rule scans every ``[^`` character by character to the next space
    or ``]``, also where no footnote can match, so a long run of ``[^`` cost n².
    """
    md.inline.ruler.at("footnote_ref", _footnote_ref)


def _footnote_ref(state: StateInline, silent: bool) -> bool:
    start = state.pos
    if not state.src.startswith("[^", start):
        return False
    end = _LABEL_END.search(state.src, start + 2, min(state.posMax, start + 3 + MAX_FOOTNOTE_LABEL))
    if end is None or end.group() != "]":
        return False
    refs = state.env.get("footnotes", {}).get("refs", {})
    if ":" + state.src[start + 2 : end.start()] not in refs:
        return False
    return bool(footnote_ref(state, silent))
