"""Certificate codes: unguessable, short enough to type, with a check character.

Format: ``XXXX-XXXX-XXC``, e.g. ``7K3M-Q9XD-4T4``. The first ten characters are
random (50 bits from :mod:`secrets`), ``C`` is a check character; all eleven are
taken from Crockford's base32 alphabet ``0-9 A-Z`` without ``I L O U``.

The check character makes the weighted sum of all character values zero in the
field GF(32): ``sum(a**(i + 1) * v[i] for i in 0..9) + v[10] == 0``, where ``a``
generates the multiplicative group (polynomial x^5 + x^2 + 1) and addition is
XOR. All eleven weights are distinct and non-zero, so any single changed
character and any swap of two different characters (adjacent or not, the check
character included) changes the sum and is rejected.

Input is forgiving, as Crockford prescribes: case is ignored, the confusable
letters ``I``/``L`` and ``O`` are read as ``1`` and ``0``, and separators are
dropped. A code copied from a PDF or an e-mail arrives with whatever a word
processor made of the hyphens and spaces, so after NFKC (which also folds
full-width letters and digits) every kind of space, dash, minus sign, control
and invisible format character (soft hyphen, zero-width space, BOM) counts as
a separator.

``EXAMPLE_CODE`` is a valid code that is never issued, so the example printed
on forms can be tried and only ever answers "no certificate has this code".
"""

from __future__ import annotations

import secrets
import unicodedata
from enum import StrEnum

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 10
_VALUES = {char: value for value, char in enumerate(ALPHABET)}
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0"})
_MAX_INPUT = 100  # a code with separators between all its characters is 21; longer is not a code
_MINUS_SIGN = "\u2212"  # a math symbol (Sm), not dash punctuation (Pd)
_SEPARATOR_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Pd"})
_POLYNOMIAL = 0b100101  # x^5 + x^2 + 1, primitive, so x generates all 31 non-zero elements


def _gf32_multiply(a: int, b: int) -> int:
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0b100000:
            a ^= _POLYNOMIAL
    return product


def _weights() -> tuple[int, ...]:
    weights = [2]  # x, then x^2 ... x^10
    for _ in range(RANDOM_LENGTH - 1):
        weights.append(_gf32_multiply(weights[-1], 2))
    return tuple(weights)


_WEIGHTS = _weights()


def _check_value(values: list[int]) -> int:
    total = 0
    for weight, value in zip(_WEIGHTS, values, strict=True):
        total ^= _gf32_multiply(weight, value)
    return total


def _format(chars: str) -> str:
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


EXAMPLE_CODE = "7K3M-Q9XD-4T4"


class CodeProblem(StrEnum):
    """Why typed text is not a valid code."""

    SHAPE = "shape"  # not eleven characters of the alphabet: not a code at all
    CHECK = "check"  # the right shape, but the check character does not match: a typing error


def new_code() -> str:
    """Return a fresh random code in canonical form (never ``EXAMPLE_CODE``)."""
    while True:
        values = [secrets.randbelow(32) for _ in range(RANDOM_LENGTH)]
        code = _format("".join(ALPHABET[v] for v in values) + ALPHABET[_check_value(values)])
        if code != EXAMPLE_CODE:
            return code


def _chars(text: str) -> str | None:
    """The code characters of typed text, separators dropped; None if far too long for a code."""
    text = text.strip()
    if len(text) > _MAX_INPUT:
        return None
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if not _is_separator(c)).upper().translate(_CONFUSABLE)


def code_problem(text: str) -> CodeProblem | None:
    """Why ``text`` is not a valid code, or None if it is one (in any accepted spelling)."""
    chars = _chars(text)
    if chars is None or len(chars) != RANDOM_LENGTH + 1 or any(c not in _VALUES for c in chars):
        return CodeProblem.SHAPE
    values = [_VALUES[c] for c in chars]
    if _check_value(values[:RANDOM_LENGTH]) != values[RANDOM_LENGTH]:
        return CodeProblem.CHECK
    return None


def _is_separator(char: str) -> bool:
    return char == _MINUS_SIGN or unicodedata.category(char) in _SEPARATOR_CATEGORIES


def normalize_code(text: str) -> str | None:
    """Return the canonical form of a typed code, or None if it is malformed or mistyped."""
    chars = _chars(text)
    if chars is None or code_problem(text) is not None:
        return None
    return _format(chars)


def is_valid_code(text: str) -> bool:
    return normalize_code(text) is not None
