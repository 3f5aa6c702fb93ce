"""A markdown-it block rule for ``::: quiz`` containers.

Unlike the generic container plugin it records whether the block was closed,
so the validator can report an unclosed quiz at the line that opened it.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

QUIZ_OPEN = "quiz_open"
QUIZ_CLOSE = "quiz_close"

_OPEN_RE = re.compile(r"^:{3,}\s*quiz\s*$")
_CLOSE_RE = re.compile(r"^:{3,}\s*$")


def _line(state: StateBlock, line: int) -> str:
    start = state.bMarks[line] + state.tShift[line]
    return state.src[start : state.eMarks[line]]


def _quiz_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    if not _OPEN_RE.match(_line(state, start_line)):
        return False
    if silent:
        return True

    next_line = start_line + 1
    closed = False
    while next_line < end_line:
        if state.sCount[next_line] < state.blkIndent and _line(state, next_line):
            break
        if state.sCount[next_line] - state.blkIndent < 4 and _CLOSE_RE.match(
            _line(state, next_line)
        ):
            closed = True
            break
        next_line += 1

    old_parent, old_line_max = state.parentType, state.lineMax
    state.parentType = "quiz"
    state.lineMax = next_line

    token = state.push(QUIZ_OPEN, "div", 1)
    token.block = True
    token.map = [start_line, next_line]
    token.meta = {"closed": closed}
    state.md.block.tokenize(state, start_line + 1, next_line)
    token = state.push(QUIZ_CLOSE, "div", -1)
    token.block = True

    state.parentType, state.lineMax = old_parent, old_line_max
    state.line = next_line + (1 if closed else 0)
    return True


def quiz_plugin(md: MarkdownIt) -> None:
    """Register the ``::: quiz`` block rule."""
    md.block.ruler.before(
        "fence", "quiz", _quiz_block, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
