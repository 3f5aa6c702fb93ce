"""Ids in course content: made from text, or written explicitly as ``{#id}``."""

from __future__ import annotations

import re
import unicodedata

VALID_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")


def slugify(text: str) -> str:
    """An ASCII id from heading text: 'Hva er første fase?' -> 'hva-er-forste-fase'."""
    folded = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:60].strip("-")


def explicit_id(text: str) -> tuple[str, str] | None:
    """``("Tekst", "id")`` for a heading that ends in ``{#id}``, else ``None``.

    Finds what ``\\s*\\{#([^}]*)\\}\\s*$`` would, without a search that backtracks
    over every position of a long heading.
    """
    end = len(text.rstrip()) - 1
    if end < 0 or text[end] != "}":
        return None
    start = text.find("{#", text.rfind("}", 0, end) + 1, end)
    if start < 0:
        return None
    return text[:start].strip(), text[start + 2 : end]
