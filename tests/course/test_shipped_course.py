"""The course that ships in modules/ meets the content requirements."""

from __future__ import annotations

import pytest

from course.loader import load_course
from course.models import Course, Module
from tests.course.helpers import SHIPPED


@pytest.fixture(scope="module")
def course() -> Course:
    result = load_course(SHIPPED)
    assert result.problems == [], [str(p) for p in result.problems]
    assert result.course is not None
    return result.course


def test_course_has_at_least_eight_modules_in_order(course: Course) -> None:
    assert len(course.modules) >= 8
    assert [m.order for m in course.modules] == sorted(m.order for m in course.modules)
    assert len({m.slug for m in course.modules}) == len(course.modules)


def test_course_info_is_complete(course: Course) -> None:
    info = course.info
    assert info.title and info.slug and info.version and info.issuer
    assert 0 < info.pass_mark <= 1


def _modules() -> list[Module]:
    course = load_course(SHIPPED).course  # None fails the tests above, not the collection
    return list(course.modules) if course else []


@pytest.mark.parametrize("module", _modules(), ids=lambda m: m.slug)
def test_module_has_1500_to_3000_words(module: Module) -> None:
    assert 1500 <= module.words <= 3000


@pytest.mark.parametrize("module", _modules(), ids=lambda m: m.slug)
def test_module_has_a_quiz_of_5_to_8_explained_questions(module: Module) -> None:
    assert module.quiz is not None
    assert 5 <= len(module.quiz.questions) <= 8
    for question in module.quiz.questions:
        assert question.explanation_html.strip(), question.id
        assert len(question.options) >= 2, question.id
        assert question.correct_option_ids, question.id


@pytest.mark.parametrize("module", _modules(), ids=lambda m: m.slug)
def test_module_has_objectives_and_a_table_of_contents(module: Module) -> None:
    assert module.objectives
    assert module.toc


@pytest.mark.parametrize("module", _modules(), ids=lambda m: m.slug)
def test_module_has_its_practical_assignment_as_workbook_steps(module: Module) -> None:
    assert module.workbook
    prefix = f"m{module.order:02d}-"
    assert all(step.id.startswith(prefix) and step.intro_html.strip() for step in module.workbook)


def test_the_challenge_is_a_short_field_the_portfolio_can_show(course: Course) -> None:
    # The portfolio shows the challenge by these ids: they must never change.
    module = course.modules[0]
    step = next(s for s in module.workbook if s.id == "m01-utfordring")
    challenge = step.field("hvordan-kan-vi")
    assert challenge is not None and challenge.kind == "short"
