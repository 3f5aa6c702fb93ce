"""Path convertors of the pages: ``{name:id}``, a row id that both databases can hold, and
``{name:municipality}``, a municipality number.

Starlette's ``int`` convertor takes any number of digits, so
``/moduler/x/forsok/9223372036854775808`` reached the database and failed there
(SQLite from 2**63, PostgreSQL's ``integer`` from 2**31) with a 500. ``id`` matches
only 1 to 2,147,483,647; anything else is no page at all, the ordinary 404 page.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

MAX_ID = 2_147_483_647  # PostgreSQL's integer


def below_or_equal(limit: int) -> str:
    """A regular expression for the whole numbers 1..``limit`` without leading zeros."""
    digits = str(limit)
    shorter = [f"[1-9][0-9]{{{n - 1}}}" if n > 1 else "[1-9]" for n in range(1, len(digits))]
    same_length = []
    for position, digit in enumerate(digits):
        rest = len(digits) - position - 1
        lowest = 1 if position == 0 else 0
        if int(digit) > lowest:
            tail = f"[0-9]{{{rest}}}" if rest else ""
            same_length.append(f"{digits[:position]}[{lowest}-{int(digit) - 1}]{tail}")
    same_length.append(digits)
    return "|".join(shorter + same_length)


class IdConvertor(Convertor[int]):
    regex = f"(?:{below_or_equal(MAX_ID)})"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())


class MunicipalityConvertor(Convertor[str]):
    """``{name:municipality}``: a four-digit municipality number, kept as text (0301)."""

    regex = "[0-9]{4}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("municipality", MunicipalityConvertor())
