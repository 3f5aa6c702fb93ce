"""Answer keys for tests, read from the loaded course (never from the API)."""

from __future__ import annotations

from course.models import Course, Module


def correct_answers(module: Module) -> dict[str, list[str]]:
    assert module.quiz is not None
    return {q.id: sorted(q.correct_option_ids) for q in module.quiz.questions}


def wrong_answers(module: Module) -> dict[str, list[str]]:
    """A wrong answer to every question that has one (every question must be answered)."""
    assert module.quiz is not None
    answers = {}
    for q in module.quiz.questions:
        wrong = sorted(q.option_ids - q.correct_option_ids)
        # With every option right, choosing only some of them is wrong (if there are several).
        answers[q.id] = wrong[:1] or sorted(q.option_ids)[:1]
    return answers


def first_module(course: Course) -> Module:
    return course.modules[0]
