"""Quiz grading: all or nothing per question, the pass mark, invalid and missing answers."""

from __future__ import annotations

import pytest

from course.grading import (
    MISSING,
    AnswerProblem,
    InvalidAnswers,
    answer_everything,
    grade,
    validate_answers,
)
from tests.course.helpers import make_quiz

FIVE = {"q1": "a", "q2": "b", "q3": "c", "q4": "ab", "q5": "bcd"}
ALL_RIGHT = {"q1": ["a"], "q2": ["b"], "q3": ["c"], "q4": ["a", "b"], "q5": ["b", "c", "d"]}


def test_all_right_answers_pass_with_full_score() -> None:
    result = grade(make_quiz(FIVE), ALL_RIGHT)
    assert (result.score, result.passed, result.correct_count, result.question_count) == (
        1.0, True, 5, 5
    )  # fmt: skip
    assert [q.id for q in result.questions] == ["q1", "q2", "q3", "q4", "q5"]
    assert all(q.correct for q in result.questions)


def test_single_choice_wrong_option_is_wrong() -> None:
    result = grade(make_quiz(FIVE), {**ALL_RIGHT, "q1": ["b"]})
    assert [q.correct for q in result.questions] == [False, True, True, True, True]


@pytest.mark.parametrize(
    "chosen",
    [["a"], ["b"], ["a", "b", "c"], ["a", "c"]],
    ids=["one-of-two", "other-one-of-two", "extra-wrong", "one-right-one-wrong"],
)
def test_multiple_choice_is_all_or_nothing(chosen: list[str]) -> None:
    result = grade(make_quiz(FIVE), {**ALL_RIGHT, "q4": chosen})
    assert result.questions[3].correct is False
    assert result.correct_count == 4


def test_multiple_choice_in_any_order_is_right() -> None:
    result = grade(make_quiz(FIVE), {**ALL_RIGHT, "q5": ["d", "b", "c"]})
    assert result.questions[4].correct and result.questions[4].selected == ("b", "c", "d")


def test_all_wrong_answers_score_zero() -> None:
    wrong = {"q1": ["b"], "q2": ["a"], "q3": ["a"], "q4": ["c"], "q5": ["a"]}
    result = grade(make_quiz(FIVE), wrong)
    assert (result.score, result.passed, result.correct_count) == (0.0, False, 0)


def test_four_of_five_with_pass_mark_0_8_passes_exactly() -> None:
    result = grade(make_quiz(FIVE, pass_mark=0.8), {**ALL_RIGHT, "q5": ["b"]})
    assert (result.correct_count, result.score, result.passed) == (4, 0.8, True)


def test_three_of_four_with_pass_mark_0_8_fails() -> None:
    quiz = make_quiz({"q1": "a", "q2": "a", "q3": "a", "q4": "a"}, pass_mark=0.8)
    result = grade(quiz, {"q1": ["a"], "q2": ["a"], "q3": ["a"], "q4": ["b"]})
    assert (result.correct_count, result.score, result.passed) == (3, 0.75, False)


@pytest.mark.parametrize(
    ("pass_mark", "right", "total", "passed"),
    [
        (0.7, 7, 10, True), (0.7, 6, 10, False),  # 0.7 is not exact in binary
        (2 / 3, 2, 3, True), (0.67, 2, 3, False), (0.6, 3, 5, True), (0.3, 3, 10, True),
        (1.0, 5, 5, True), (1.0, 4, 5, False), (0.0, 0, 5, True),
    ],
)  # fmt: skip
def test_pass_mark_boundary_is_exact(
    pass_mark: float, right: int, total: int, passed: bool
) -> None:
    quiz = make_quiz({f"q{i}": "a" for i in range(total)}, pass_mark=pass_mark)
    answers = {f"q{i}": ["a" if i < right else "b"] for i in range(total)}
    assert grade(quiz, answers).passed is passed


def test_score_is_rounded_to_four_decimals() -> None:
    quiz = make_quiz({"q1": "a", "q2": "a", "q3": "a"})
    assert grade(quiz, {"q1": ["a"], "q2": ["b"], "q3": ["b"]}).score == 0.3333


def test_quiz_without_questions_passes() -> None:
    result = grade(make_quiz({}), {})
    assert (result.score, result.passed, result.question_count) == (1.0, True, 0)


def test_feedback_is_given_for_chosen_options_only() -> None:
    result = grade(make_quiz(FIVE), {**ALL_RIGHT, "q2": ["c"]})
    assert result.questions[0].feedback_html == (("a", "<p>q1a</p>"),)
    assert result.questions[1].feedback_html == ()
    assert result.questions[3].feedback_html == (("a", "<p>q4a</p>"),)
    assert result.questions[0].explanation_html == "<p>q1</p>"


def test_duplicate_choices_are_tolerated() -> None:
    chosen = {**ALL_RIGHT, "q1": ["a", "a"], "q4": ["b", "a", "b"]}
    assert validate_answers(make_quiz(FIVE), chosen) == {
        "q1": ("a",), "q2": ("b",), "q3": ("c",), "q4": ("a", "b"), "q5": ("b", "c", "d")
    }  # fmt: skip
    result = grade(make_quiz(FIVE), {**ALL_RIGHT, "q1": ["a", "a"]})
    assert result.questions[0].correct and result.correct_count == 5


def problems(answers: dict[str, list[str]]) -> tuple[AnswerProblem, ...]:
    with pytest.raises(InvalidAnswers) as caught:
        grade(make_quiz(FIVE), answers)
    return caught.value.problems


def test_unknown_question_id_is_invalid() -> None:
    assert problems({**ALL_RIGHT, "q9": ["a"]}) == (
        AnswerProblem(("answers", "q9"), "unknown question id"),
    )


def test_unknown_option_id_is_invalid_at_its_position() -> None:
    assert problems({**ALL_RIGHT, "q4": ["a", "z"], "q5": ["e"]}) == (
        AnswerProblem(("answers", "q4", 1), "unknown option id 'z'"),
        AnswerProblem(("answers", "q5", 0), "unknown option id 'e'"),
    )


def test_two_choices_on_a_single_choice_question_are_invalid() -> None:
    assert problems({**ALL_RIGHT, "q1": ["a", "b"]}) == (
        AnswerProblem(("answers", "q1"), "single-choice question: choose one option"),
    )


def test_every_invalid_answer_is_reported_together() -> None:
    caught = problems({"q0": [], "q1": ["a", "x"], "q2": ["b", "c"]})
    assert [(p.loc, p.type) for p in caught] == [
        (("answers", "q0"), "value_error"), (("answers", "q1", 1), "value_error"),
        (("answers", "q1"), "value_error"), (("answers", "q2"), "value_error"),
        (("answers", "q3"), "missing"), (("answers", "q4"), "missing"),
        (("answers", "q5"), "missing"),
    ]  # fmt: skip


def test_invalid_answers_is_a_value_error_with_a_readable_message() -> None:
    with pytest.raises(ValueError, match="unknown question id; unknown option id 'x'"):
        grade(make_quiz(FIVE), {"nope": [], "q1": ["x"]})


# -- every question must be answered ------------------------------------------------


def missing(*numbers: int) -> tuple[AnswerProblem, ...]:
    """The problems for unanswered questions ``q<n>`` of FIVE, which are numbered as named."""
    return tuple(
        AnswerProblem(("answers", f"q{n}"), answer_everything([n]), MISSING) for n in numbers
    )


def test_an_empty_submission_is_refused_naming_every_question() -> None:
    assert problems({}) == missing(1, 2, 3, 4, 5)
    assert problems({}) == problems({f"q{n}": [] for n in range(1, 6)})


def test_a_partly_answered_submission_is_refused_naming_the_unanswered_in_quiz_order() -> None:
    caught = problems({"q4": ["a"], "q2": [], "q1": ["b"]})
    assert caught == missing(2, 3, 5)
    assert [p.type for p in caught] == ["missing"] * 3


def test_one_unanswered_question_refuses_a_submission_that_would_pass() -> None:
    assert grade(make_quiz(FIVE, pass_mark=0.8), {**ALL_RIGHT, "q5": ["b"]}).passed
    assert problems({**ALL_RIGHT, "q5": []}) == missing(5)
    without_q5 = {k: v for k, v in ALL_RIGHT.items() if k != "q5"}
    assert problems(without_q5) == missing(5)


def test_an_answer_with_only_unknown_options_is_invalid_not_missing() -> None:
    assert problems({**ALL_RIGHT, "q3": ["z"]}) == (
        AnswerProblem(("answers", "q3", 0), "unknown option id 'z'"),
    )


def test_questions_are_numbered_by_their_place_in_the_quiz_not_their_id() -> None:
    quiz = make_quiz({"b": "a", "a": "a", "c": "a"})
    with pytest.raises(InvalidAnswers) as caught:
        grade(quiz, {"b": ["a"]})
    assert caught.value.problems == (
        AnswerProblem(("answers", "a"), answer_everything([2]), MISSING),
        AnswerProblem(("answers", "c"), answer_everything([3]), MISSING),
    )


@pytest.mark.parametrize(
    ("numbers", "which"),
    [([1], "spørsmål 1"), ([2, 5], "spørsmål 2 og 5"), ([1, 3, 4, 10], "spørsmål 1, 3, 4 og 10")],
)
def test_the_missing_answers_message_lists_the_questions_in_norwegian(
    numbers: list[int], which: str
) -> None:
    assert answer_everything(numbers) == (
        f"Svar på alle spørsmålene før du sender inn. Mangler svar på: {which}."
    )


def test_answer_problem_types_are_pydantics_words() -> None:
    assert MISSING == "missing"
    assert AnswerProblem(("answers",), "x").type == "value_error"
