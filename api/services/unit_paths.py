"""Unit paths as people write them: "Helse og omsorg/Hjemmetjenesten/Sone nord".

Pure: the CSV readers (``org_csv``, ``user_csv``) and ``org_units`` share it.
"""

from __future__ import annotations

import re

from api.core.collation import search_key

MAX_NAME = 200
SEPARATOR = " / "  # between the names of a unit's path, as it is shown
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def name_key(name: str) -> str:
    """How sibling names are compared: case and accents ignored; never empty."""
    return search_key(name) or name.casefold()


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


def split_path(text: str) -> list[str]:
    """The names of a path from the top down, spaces tidied; "" for an empty level."""
    return [" ".join(part.split()) for part in text.split("/")]


def path_problem(names: list[str]) -> str | None:
    """What is wrong with a path's names, in Norwegian; None if it can be used."""
    if not any(names):
        return "Stien mangler."
    if not all(names):
        return "Stien har et tomt nivå (to skråstreker etter hverandre, eller en i enden)."
    for name in names:
        if _CONTROL.search(name):
            return "Inneholder kontrolltegn (for eksempel tabulator)."
        if len(name) > MAX_NAME:
            return f"Navnet «{name[:40]}…» er lengre enn {MAX_NAME} tegn."
    return None
