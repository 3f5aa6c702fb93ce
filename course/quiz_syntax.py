"""markdown-it block rules for ``::: quiz`` (and ``::: oppgave``) containers.

Unlike the generic container plugin they record whether the block was closed,
so the validator can report an unclosed block at the line that opened it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

BlockRule = Callable[[StateBlock, int, int, bool], bool]

QUIZ_OPEN = "quiz_open"
QUIZ_CLOSE = "quiz_close"

_OPEN_RE = re.compile(r"^:{3,}\s*quiz\s*$")
_CLOSE_RE = re.compile(r"^:{3,}\s*$")


def _line(state: StateBlock, line: int) -> str:
    start = state.bMarks[line] + state.tShift[line]
    return state.src[start : state.eMarks[line]]


def container_rule(name: str, open_re: re.Pattern[str]) -> BlockRule:
    """A block rule for ``::: name`` … ``:::``: tokens ``name_open`` and ``name_close``.

    The opening line is kept as the open token's ``info``; its ``meta`` says
    whether a closing ``:::`` was found.
    """

    def block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if state.sCount[start_line] - state.blkIndent >= 4:
            return False
        opening = _line(state, start_line)
        if not open_re.match(opening):
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
        state.parentType = name
        state.lineMax = next_line

        token = state.push(f"{name}_open", "div", 1)
        token.block = True
        token.map = [start_line, next_line]
        token.meta = {"closed": closed}
        token.info = opening
        state.md.block.tokenize(state, start_line + 1, next_line)
        token = state.push(f"{name}_close", "div", -1)
        token.block = True

        state.parentType, state.lineMax = old_parent, old_line_max
        state.line = next_line + (1 if closed else 0)
        return True

    return block


_quiz_block = container_rule("quiz", _OPEN_RE)


def quiz_plugin(md: MarkdownIt) -> None:
    """Register the ``::: quiz`` block rule."""
    md.block.ruler.before(
        "fence", "quiz", _quiz_block, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
