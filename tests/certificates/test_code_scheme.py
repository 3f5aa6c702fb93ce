"""The code scheme pinned down: alphabet order, check character and what a pasted code may carry.

Every certificate already issued depends on these: reordering the alphabet or
changing a weight would make every printed code fail verification, so the
known answers below were computed once and checked by hand and by the
independent implementation in ``_reference_check`` (which does not use the
module's alphabet or field arithmetic).
"""

from __future__ import annotations

from collections import Counter

import pytest

from certificates.codes import ALPHABET, RANDOM_LENGTH, is_valid_code, new_code, normalize_code

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# Between them the first four use every character of the alphabet once (in the
# random part), in order and in reverse; the check characters come out as 0, 4, R, Y, ...
KNOWN_CODES = [
    "0123-4567-890",
    "ABCD-EFGH-JK4",
    "MNPQ-RSTV-WXR",
    "YZ7K-3MQ9-XDY",
    "ZYXW-VTSR-QP4",
    "NMKJ-HGFE-DC0",
    "BA98-7654-32W",
    "10ZZ-ZZZZ-ZZE",
    "7K3M-Q9XD-4T4",  # the example in the module docstring and the README
]
# A single 1 in position i: the check character is the weight a^(i+1) itself,
# 2, 4, 8, 16, 5, 10, 20, 13, 26, 17 (x^5 = x^2 + 1 in GF(32)).
WEIGHT_CODES = [
    "1000-0000-002",
    "0100-0000-004",
    "0010-0000-008",
    "0001-0000-00G",
    "0000-1000-005",
    "0000-0100-00A",
    "0000-0010-00M",
    "0000-0001-00D",
    "0000-0000-10T",
    "0000-0000-01H",
]


def _reference_check(payload: str) -> str:
    """The documented scheme, written out independently: polynomials over GF(2) mod x^5+x^2+1."""

    def multiply(a: int, b: int) -> int:
        product = 0
        for bit in range(5):
            if b >> bit & 1:
                product ^= a << bit
        for degree in range(8, 4, -1):
            if product >> degree & 1:
                product ^= 0b100101 << (degree - 5)
        return product

    power, total = 1, 0
    for char in payload:
        power = multiply(power, 0b10)  # a^(i+1), a = x
        total ^= multiply(power, CROCKFORD.index(char))
    return CROCKFORD[total]


def test_the_alphabet_is_exactly_crockfords_in_order():
    assert ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert "".join(c for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in "ILOU") == (
        ALPHABET
    )


def test_known_codes_cover_every_character_at_least_once():
    used = set("".join(KNOWN_CODES).replace("-", ""))
    assert used == set(CROCKFORD)


@pytest.mark.parametrize("code", KNOWN_CODES + WEIGHT_CODES)
def test_known_codes_are_still_valid(code: str) -> None:
    assert normalize_code(code) == code
    assert normalize_code(code.replace("-", "").lower()) == code


@pytest.mark.parametrize("code", KNOWN_CODES + WEIGHT_CODES)
def test_known_codes_follow_the_documented_scheme(code: str) -> None:
    chars = code.replace("-", "")
    assert _reference_check(chars[:RANDOM_LENGTH]) == chars[RANDOM_LENGTH]


@pytest.mark.parametrize("code", KNOWN_CODES + WEIGHT_CODES)
def test_known_codes_with_any_other_check_character_are_rejected(code: str) -> None:
    for other in CROCKFORD.replace(code[-1], ""):
        assert normalize_code(code[:-1] + other) is None


def test_generated_codes_agree_with_the_reference_implementation():
    for code in (new_code() for _ in range(500)):
        chars = code.replace("-", "")
        assert _reference_check(chars[:RANDOM_LENGTH]) == chars[RANDOM_LENGTH], code


def test_generation_can_produce_every_character_in_every_position():
    # 3,000 codes: the chance that a given character never turns up in a given
    # position by luck is (31/32)^3000, about 1e-41; a generator that cannot
    # draw some value (randbelow(31), an off-by-one) leaves a gap every time.
    positions: list[Counter[str]] = [Counter() for _ in range(RANDOM_LENGTH + 1)]
    for _ in range(3000):
        for position, char in enumerate(new_code().replace("-", "")):
            positions[position][char] += 1
    for position, counts in enumerate(positions):
        assert set(counts) == set(CROCKFORD), (position, set(CROCKFORD) - set(counts))


PASTED_SEPARATORS = {
    "tab": "\t",
    "carriage return": "\r",
    "line feed": "\n",
    "CRLF": "\r\n",
    "hyphen U+2010": "\u2010",
    "non-breaking hyphen U+2011": "\u2011",
    "figure dash U+2012": "\u2012",
    "en dash U+2013": "\u2013",
    "em dash U+2014": "\u2014",
    "horizontal bar U+2015": "\u2015",
    "minus sign U+2212": "\u2212",
    "no-break space U+00A0": "\u00a0",
    "narrow no-break space U+202F": "\u202f",
    "thin space U+2009": "\u2009",
    "zero-width space U+200B": "\u200b",
    "word joiner U+2060": "\u2060",
    "soft hyphen U+00AD": "\u00ad",
    "byte order mark U+FEFF": "\ufeff",
    "full-width hyphen-minus U+FF0D": "\uff0d",
    "small hyphen-minus U+FE63": "\ufe63",
    "ideographic space U+3000": "\u3000",
    "line separator U+2028": "\u2028",
    "paragraph separator U+2029": "\u2029",
}


@pytest.mark.parametrize("separator", PASTED_SEPARATORS.values(), ids=PASTED_SEPARATORS.keys())
def test_codes_pasted_with_typographic_separators_are_recognised(separator: str) -> None:
    for code in ("7K3M-Q9XD-4T4", "0123-4567-890"):
        pasted = code.replace("-", separator)
        assert normalize_code(pasted) == code, repr(pasted)
        assert normalize_code(f"{separator}{pasted}{separator}") == code, repr(pasted)


def test_a_code_copied_out_of_a_pdf_with_mixed_separators_is_recognised():
    assert normalize_code("\ufeff 7k3m\u2011q9xd\u202f4t4\u200b\r\n") == "7K3M-Q9XD-4T4"
    assert normalize_code("\t01234\u2013567 \u2014 890\u2060") == "0123-4567-890"
    assert normalize_code(" \r\n" * 100 + "7K3M-Q9XD-4T4" + "\u00a0" * 100) == "7K3M-Q9XD-4T4"


def test_full_width_letters_and_digits_are_read_as_their_ascii_forms():
    assert normalize_code("７Ｋ３Ｍ－Ｑ９ＸＤ－４Ｔ４") == "7K3M-Q9XD-4T4"


REJECTED = {
    "underscore": "7K3M_Q9XD_4T4",  # not a separator anyone types by mistake
    "full stop": "7K3M.Q9XD.4T4",
    "slash": "7K3M/Q9XD/4T4",
    "plus": "7K3M+Q9XD+4T4",
    "combining accent": "7K3M-Q9XD-4T\u03014",
    "overlong": "-" * 100 + "7K3M-Q9XD-4T4",
}


@pytest.mark.parametrize("typed", REJECTED.values(), ids=REJECTED.keys())
def test_other_punctuation_and_overlong_input_are_still_rejected(typed: str) -> None:
    assert normalize_code(typed) is None
    assert not is_valid_code(typed)
