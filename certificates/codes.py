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

Input is forgiving: case, spaces and hyphens are ignored and the confusable
letters ``I``/``L`` and ``O`` are read as ``1`` and ``0``, as Crockford prescribes.

``EXAMPLE_CODE`` is a valid code that is never issued, so the example printed
on forms can be tried and only ever answers "no certificate has this code".
"""

from __future__ import annotations

import secrets
from enum import StrEnum

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 10
_VALUES = {char: value for value, char in enumerate(ALPHABET)}
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = str.maketrans(dict.fromkeys(" \t\r\n-\u2010\u2011\u2012\u2013\u2014\u00a0"))
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


def _chars(text: str) -> str:
    return text.translate(_SEPARATORS).upper().translate(_CONFUSABLE)


def code_problem(text: str) -> CodeProblem | None:
    """Why ``text`` is not a valid code, or None if it is one (in any accepted spelling)."""
    chars = _chars(text)
    if len(chars) != RANDOM_LENGTH + 1 or any(c not in _VALUES for c in chars):
        return CodeProblem.SHAPE
    values = [_VALUES[c] for c in chars]
    if _check_value(values[:RANDOM_LENGTH]) != values[RANDOM_LENGTH]:
        return CodeProblem.CHECK
    return None


def normalize_code(text: str) -> str | None:
    """Return the canonical form of a typed code, or None if it is malformed or mistyped."""
    if code_problem(text) is not None:
        return None
    return _format(_chars(text))


def is_valid_code(text: str) -> bool:
    return normalize_code(text) is not None
