"""Line diffs between two Markdown texts, for the revision history and edit conflicts."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

DiffKind = Literal["added", "removed", "context", "hunk"]
_HUNK_RE = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)")


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: DiffKind
    text: str


def line_diff(old: str, new: str, *, context: int = 2) -> list[DiffLine]:
    """A unified diff of ``old`` to ``new`` as typed lines; the template escapes the text."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), n=context, lineterm="", fromfile="", tofile=""
    )
    result: list[DiffLine] = []
    for line in lines:
        if line.startswith(("---", "+++")) and not result:
            continue  # the file header
        if line.startswith("@@"):
            match = _HUNK_RE.match(line)
            result.append(DiffLine("hunk", f"Fra linje {match['start'] if match else '?'}"))
        elif line.startswith("+"):
            result.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            result.append(DiffLine("removed", line[1:]))
        else:
            result.append(DiffLine("context", line[1:]))
    return result
