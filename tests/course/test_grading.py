"""Quiz grading: all or nothing per question, the pass mark boundary, invalid answers."""

from __future__ import annotations

import pytest

from course.grading import AnswerProblem, InvalidAnswers, grade, validate_answers
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
    [["a"], ["b"], ["a", "b", "c"], ["a", "c"], []],
    ids=["one-of-two", "other-one-of-two", "extra-wrong", "one-right-one-wrong", "none"],
)
def test_multiple_choice_is_all_or_nothing(chosen: list[str]) -> None:
    result = grade(make_quiz(FIVE), {**ALL_RIGHT, "q4": chosen})
    assert result.questions[3].correct is False
    assert result.correct_count == 4


def test_multiple_choice_in_any_order_is_right() -> None:
    result = grade(make_quiz(FIVE), {**ALL_RIGHT, "q5": ["d", "b", "c"]})
    assert result.questions[4].correct and result.questions[4].selected == ("b", "c", "d")


def test_unanswered_questions_count_as_wrong() -> None:
    result = grade(make_quiz(FIVE), {"q1": ["a"], "q2": []})
    assert result.correct_count == 1 and result.question_count == 5
    assert result.score == 0.2 and not result.passed
    assert result.questions[2].selected == ()


def test_nothing_answered_scores_zero() -> None:
    result = grade(make_quiz(FIVE), {})
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
    assert grade(quiz, {"q1": ["a"]}).score == 0.3333


def test_quiz_without_questions_passes() -> None:
    result = grade(make_quiz({}), {})
    assert (result.score, result.passed, result.question_count) == (1.0, True, 0)


def test_feedback_is_given_for_chosen_options_only() -> None:
    result = grade(make_quiz(FIVE), {"q1": ["a"], "q2": ["c"], "q4": ["a", "b"]})
    assert result.questions[0].feedback_html == (("a", "<p>q1a</p>"),)
    assert result.questions[1].feedback_html == ()
    assert result.questions[3].feedback_html == (("a", "<p>q4a</p>"),)
    assert result.questions[0].explanation_html == "<p>q1</p>"


def test_duplicate_choices_are_tolerated() -> None:
    assert validate_answers(make_quiz(FIVE), {"q1": ["a", "a"], "q4": ["b", "a", "b"]}) == {
        "q1": ("a",), "q4": ("a", "b")
    }  # fmt: skip
    result = grade(make_quiz(FIVE), {**ALL_RIGHT, "q1": ["a", "a"]})
    assert result.questions[0].correct and result.correct_count == 5


def problems(answers: dict[str, list[str]]) -> tuple[AnswerProblem, ...]:
    with pytest.raises(InvalidAnswers) as caught:
        grade(make_quiz(FIVE), answers)
    return caught.value.problems


def test_unknown_question_id_is_invalid() -> None:
    assert problems({"q1": ["a"], "q9": ["a"]}) == (
        AnswerProblem(("answers", "q9"), "unknown question id"),
    )


def test_unknown_option_id_is_invalid_at_its_position() -> None:
    assert problems({"q4": ["a", "z"], "q5": ["e"]}) == (
        AnswerProblem(("answers", "q4", 1), "unknown option id 'z'"),
        AnswerProblem(("answers", "q5", 0), "unknown option id 'e'"),
    )


def test_two_choices_on_a_single_choice_question_are_invalid() -> None:
    assert problems({"q1": ["a", "b"]}) == (
        AnswerProblem(("answers", "q1"), "single-choice question: choose one option"),
    )


def test_every_invalid_answer_is_reported_together() -> None:
    caught = problems({"q0": [], "q1": ["a", "x"], "q2": ["b", "c"]})
    assert [p.loc for p in caught] == [
        ("answers", "q0"), ("answers", "q1", 1), ("answers", "q1"), ("answers", "q2")
    ]  # fmt: skip


def test_invalid_answers_is_a_value_error_with_a_readable_message() -> None:
    with pytest.raises(ValueError, match="unknown question id; unknown option id 'x'"):
        grade(make_quiz(FIVE), {"nope": [], "q1": ["x"]})
