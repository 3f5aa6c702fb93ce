"""Why a typed code is not valid, and the example code printed on forms."""

from __future__ import annotations

from certificates.codes import EXAMPLE_CODE, CodeProblem, code_problem, new_code, normalize_code


def test_the_example_code_is_a_valid_canonical_code() -> None:
    assert normalize_code(EXAMPLE_CODE) == EXAMPLE_CODE
    assert code_problem(EXAMPLE_CODE.lower().replace("-", " ")) is None


def test_a_wrong_check_character_is_a_typing_error_and_a_wrong_shape_is_not_a_code() -> None:
    code = next(c for c in iter(new_code, None) if c[0] != c[1])
    wrong_last = code[:-1] + ("0" if code[-1] != "0" else "1")
    swapped = code[1] + code[0] + code[2:]
    assert code_problem(code) is None
    assert code_problem(wrong_last) is CodeProblem.CHECK
    assert code_problem(swapped) is CodeProblem.CHECK
    for text in ("", "tull", code[:-1], code + "7", code[:3] + "U" + code[4:], code + "!"):
        assert code_problem(text) is CodeProblem.SHAPE, text
