"""Server-side quiz grading: answers in, score and per-question results out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from course.models import Quiz

Answers = Mapping[str, Sequence[str]]


# What an answer problem is, in the words pydantic uses for its ``type``.
INVALID = "value_error"
MISSING = "missing"  # a question without an answer


@dataclass(frozen=True, slots=True)
class AnswerProblem:
    """One invalid part of submitted answers; ``loc`` and ``type`` follow pydantic's convention."""

    loc: tuple[str | int, ...]
    message: str
    type: str = INVALID


class InvalidAnswers(ValueError):
    def __init__(self, problems: Sequence[AnswerProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class QuestionResult:
    id: str
    correct: bool
    selected: tuple[str, ...]
    explanation_html: str
    feedback_html: tuple[tuple[str, str], ...]  # (option id, feedback) for selected options


@dataclass(frozen=True, slots=True)
class GradeResult:
    score: float
    passed: bool
    correct_count: int
    question_count: int
    questions: tuple[QuestionResult, ...]


def answer_everything(numbers: Sequence[int]) -> str:
    """What to tell a learner who left questions ``numbers`` (1-based) unanswered."""
    listed = [str(n) for n in numbers]
    if len(listed) > 1:
        listed[-2:] = [f"{listed[-2]} og {listed[-1]}"]
    which = "spørsmål " + ", ".join(listed)
    return f"Svar på alle spørsmålene før du sender inn. Mangler svar på: {which}."


def validate_answers(quiz: Quiz, answers: Answers) -> dict[str, tuple[str, ...]]:
    """Check ids, choice counts and that every question is answered.

    Returns the answers normalised to sorted, unique option ids. Problems with the
    answers given come first, in their order; then one per unanswered question, in
    the quiz's order, located at the question and of type ``MISSING``.
    """
    problems: list[AnswerProblem] = []
    normalised: dict[str, tuple[str, ...]] = {}
    for question_id, selected in answers.items():
        question = quiz.question(question_id)
        if question is None:
            problems.append(AnswerProblem(("answers", question_id), "unknown question id"))
            continue
        for position, option_id in enumerate(selected):
            if option_id not in question.option_ids:
                problems.append(AnswerProblem(("answers", question_id, position),
                                              f"unknown option id '{option_id}'"))  # fmt: skip
        unique = tuple(sorted(set(selected)))
        if question.kind == "single" and len(unique) > 1:
            problems.append(AnswerProblem(("answers", question_id),
                                          "single-choice question: choose one option"))  # fmt: skip
        normalised[question_id] = unique
    for number, question in enumerate(quiz.questions, start=1):
        if not normalised.get(question.id):
            message = answer_everything([number])
            problems.append(AnswerProblem(("answers", question.id), message, MISSING))
    if problems:
        raise InvalidAnswers(problems)
    return normalised


def grade(quiz: Quiz, answers: Answers) -> GradeResult:
    """Grade answers against the quiz; every question must be answered.

    A question is correct when exactly its correct options are chosen.
    Raises ``InvalidAnswers`` for unknown ids, several choices on a single-choice
    question, or a question left unanswered (then nothing is graded).
    """
    chosen = validate_answers(quiz, answers)
    results = []
    for question in quiz.questions:
        selected = chosen[question.id]
        feedback = tuple(
            (option.id, option.feedback_html)
            for option in question.options
            if option.id in selected and option.feedback_html
        )
        results.append(
            QuestionResult(
                id=question.id,
                correct=frozenset(selected) == question.correct_option_ids,
                selected=selected,
                explanation_html=question.explanation_html,
                feedback_html=feedback,
            )
        )
    correct = sum(r.correct for r in results)
    total = len(results)
    mark = quiz.pass_fraction
    return GradeResult(
        score=round(correct / total, 4) if total else 1.0,
        # correct / total >= mark, in whole numbers (exact, and cheaper than fractions)
        passed=correct * mark.denominator >= mark.numerator * total if total else True,
        correct_count=correct,
        question_count=total,
        questions=tuple(results),
    )
