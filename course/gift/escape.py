"""GIFT's escapes: ``~ = # { } :`` and the backslash itself are written with a backslash."""

from __future__ import annotations

SPECIAL = "~=#{}:"
_ESCAPES = {"n": "\n"}


def escape(text: str) -> str:
    """``text`` as GIFT text: special characters escaped, line breaks as ``\\n``."""
    out = []
    for char in text:
        if char == "\\" or char in SPECIAL:
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        else:
            out.append(char)
    return "".join(out)


def unescape(text: str) -> str:
    """The text GIFT ``text`` stands for; an unknown escape keeps its backslash (as Moodle does)."""
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            if following == "\\" or following in SPECIAL:
                out.append(following)
            elif following in _ESCAPES:
                out.append(_ESCAPES[following])
            else:
                out.append(char + following)
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def find(text: str, needle: str, start: int = 0) -> int:
    """The index of the first unescaped ``needle`` in ``text`` from ``start``, or -1."""
    index = start
    while index <= len(text) - len(needle):
        if text[index] == "\\":
            index += 2
            continue
        if text.startswith(needle, index):
            return index
        index += 1
    return -1


def split(text: str, separators: str) -> list[tuple[str, str]]:
    """``text`` cut before each unescaped character of ``separators``: (separator, rest) pairs.

    The first pair has separator ``""`` and holds what comes before the first one.
    """
    parts: list[tuple[str, str]] = []
    kind, begin, index = "", 0, 0
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] in separators:
            parts.append((kind, text[begin:index]))
            kind, begin = text[index], index + 1
        index += 1
    parts.append((kind, text[begin:]))
    return parts
