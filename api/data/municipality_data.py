"""The municipality register shipped with the package (``api/data/register/``).

``municipalities_2024.csv`` holds the 357 municipalities valid from 1 January 2024,
``municipality_changes_2024.csv`` the numbers of 2020–2023 that changed that day.
Migration 0006 seeds them; ``api.services.municipalities`` updates the register
from a newer KLASS export. Where the rows come from is told in the README.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from api.core.collation import search_key

MUNICIPALITIES = "municipalities_2024.csv"
CHANGES = "municipality_changes_2024.csv"


@dataclass(frozen=True, slots=True)
class ShippedChange:
    old_number: str
    old_name: str
    new_number: str
    changed_on: date
    kind: str


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("api.data").joinpath("register", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def municipality_rows() -> list[dict[str, Any]]:
    """The shipped municipalities as column values of the ``municipality`` table."""
    return [
        {
            "number": row["number"],
            "name": row["name"],
            "klass_name": row["klass_name"],
            "county_number": row["county_number"],
            "county_name": row["county_name"],
            "written_form": row["written_form"],
            "search_text": search_text(row["name"], row["klass_name"]),
            "valid_from": date.fromisoformat(row["valid_from"]),
            "valid_to": None,
        }
        for row in _rows(MUNICIPALITIES)
    ]


def change_rows() -> list[ShippedChange]:
    return [
        ShippedChange(
            old_number=row["old_number"],
            old_name=row["old_name"],
            new_number=row["new_number"],
            changed_on=date.fromisoformat(row["changed_on"]),
            kind=row["kind"],
        )
        for row in _rows(CHANGES)
    ]


def search_text(name: str, klass_name: str) -> str:
    """What search matches for a municipality: both names, folded."""
    folded = search_key(klass_name)
    plain = search_key(name)
    return folded if plain in folded else f"{plain} {folded}"
