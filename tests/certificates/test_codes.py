import re
from itertools import islice

from certificates.codes import ALPHABET, is_valid_code, new_code, normalize_code

CANONICAL = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{3}$")
SAMPLE = [new_code() for _ in range(300)]


def _with_digits(*digits: str) -> str:
    return next(c for c in iter(new_code, None) if all(d in c for d in digits))


def test_new_codes_are_canonical_valid_and_distinct():
    codes = [new_code() for _ in range(2000)]
    assert all(CANONICAL.match(code) for code in codes)
    assert all(normalize_code(code) == code for code in codes)
    assert len(set(codes)) == len(codes)


def test_the_alphabet_is_crockford_base32_without_i_l_o_u():
    assert len(ALPHABET) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_lowercase_spaces_and_missing_or_extra_hyphens_are_accepted():
    code = SAMPLE[0]
    bare = code.replace("-", "")
    for typed in (
        code.lower(),
        bare,
        bare.lower(),
        f"  {bare[:3]} {bare[3:7]}--{bare[7:]} ",
        "-".join(bare),
        f"{code}\n",
    ):
        assert normalize_code(typed) == code


def test_confusable_letters_are_read_as_digits():
    code = _with_digits("0", "1")
    typed = code.replace("0", "o", 1).replace("1", "I", 1)
    assert normalize_code(typed) == code
    assert normalize_code(code.replace("1", "L")) == code
    assert normalize_code(code.replace("1", "l").replace("0", "O")) == code


def test_malformed_codes_are_rejected():
    code = SAMPLE[0]
    for typed in (
        "",
        "-",
        code[:-1],
        code + "0",
        code.replace(code[0], "U", 1),
        code + "X",
        code.replace("-", "_"),
        "ÆØÅÆ-ØÅÆØ-ÅÆØ",
        "../../etc/passwd",
    ):
        assert normalize_code(typed) is None, typed
        assert not is_valid_code(typed)


def test_any_single_changed_character_is_caught():
    for code in SAMPLE:
        chars = code.replace("-", "")
        for position, original in enumerate(chars):
            for other in ALPHABET.replace(original, ""):
                typo = chars[:position] + other + chars[position + 1 :]
                assert normalize_code(typo) is None, (code, typo)


def test_any_swap_of_two_adjacent_characters_is_caught():
    for code in SAMPLE:
        chars = code.replace("-", "")
        for position in range(len(chars) - 1):
            a, b = chars[position], chars[position + 1]
            if a != b:
                typo = chars[:position] + b + a + chars[position + 2 :]
                assert normalize_code(typo) is None, (code, typo)


def test_swaps_across_the_hyphens_as_typed_are_caught():
    for code in islice(SAMPLE, 50):
        for position in range(len(code) - 1):
            swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
            if swapped.replace("-", "") != code.replace("-", ""):
                assert normalize_code(swapped) is None, (code, swapped)


def test_the_documented_example_code_is_valid():
    assert normalize_code("7k3m q9xd 4t4") == "7K3M-Q9XD-4T4"
    assert normalize_code("7K3M-Q9XD-4TJ") is None


def test_swaps_of_characters_further_apart_are_caught_too():
    for code in islice(SAMPLE, 50):
        chars = list(code.replace("-", ""))
        for i in range(len(chars)):
            for j in range(i + 2, len(chars)):
                if chars[i] != chars[j]:
                    typo = chars.copy()
                    typo[i], typo[j] = typo[j], typo[i]
                    assert normalize_code("".join(typo)) is None, (code, typo)
