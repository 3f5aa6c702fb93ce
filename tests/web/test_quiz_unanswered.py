"""The quiz form with questions left unanswered: shown again in Norwegian, nothing recorded."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from api.data.models import ModuleProgress, QuizAttempt
from course.grading import answer_everything
from course.models import Course, Module
from tests.api.helpers import correct_answers, wrong_answers
from tests.factories import make_user
from tests.web.test_web_security import csrf_from, log_in

NOT_ANSWERED = "Du har ikke svart på dette spørsmålet."
_TICKED = re.compile(r'<input [^>]*name="q-([^"]+)"[^>]*value="([^"]+)" checked>')


def _module(course: Course) -> Module:
    module = course.modules[0]
    assert module.quiz is not None and len(module.quiz.questions) >= 4
    return module


def _form(token: str, answers: dict[str, list[str]]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {"csrf_token": token, "revision": "1"}
    form.update({f"q-{question_id}": chosen for question_id, chosen in answers.items()})
    return form


def _checked(html: str) -> dict[str, list[str]]:
    """The ticked options in the quiz form: question id -> option ids."""
    ticked: dict[str, list[str]] = {}
    for name, value in _TICKED.findall(html):
        ticked.setdefault(name, []).append(value)
    return ticked


def _counts(engine: Engine) -> tuple[int, list[int]]:
    with Session(engine) as session:
        attempts = session.exec(select(func.count()).select_from(QuizAttempt)).one()
        progress = list(session.exec(select(ModuleProgress.attempt_count)).all())
    return attempts, progress


@pytest.mark.parametrize("kind", ["empty", "partly"])
def test_an_incomplete_quiz_is_shown_again_with_the_unanswered_questions_named(
    client: TestClient, engine: Engine, shipped_course: Course, kind: str
) -> None:
    module = _module(shipped_course)
    assert module.quiz is not None
    questions = module.quiz.questions
    log_in(client, make_user(engine).email)
    url = f"/moduler/{module.slug}/quiz"
    answers = {} if kind == "empty" else correct_answers(module)
    if kind == "partly":
        del answers[questions[1].id], answers[questions[-1].id]
    response = client.post(url, data=_form(csrf_from(client, url), answers), follow_redirects=False)

    assert response.status_code == 422
    assert "Svarene ble ikke levert" in response.text
    numbers = range(1, len(questions) + 1) if kind == "empty" else [2, len(questions)]
    assert answer_everything(list(numbers)) in response.text
    assert response.text.count(NOT_ANSWERED) == len(numbers)
    assert 'action="/moduler/' in response.text  # the quiz form again, to answer the rest
    assert _checked(response.text) == answers  # the learner's choices are kept
    for question in questions:  # nothing graded: no explanations, no feedback
        assert question.explanation_html not in response.text
    assert _counts(engine) == (0, [])


def test_an_incomplete_quiz_after_an_attempt_changes_nothing(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    module = _module(shipped_course)
    assert module.quiz is not None
    log_in(client, make_user(engine).email)
    url = f"/moduler/{module.slug}/quiz"
    first = client.post(
        url, data=_form(csrf_from(client, url), wrong_answers(module)), follow_redirects=False
    )
    assert first.status_code == 303
    assert _counts(engine) == (1, [1])

    answers = correct_answers(module)
    del answers[module.quiz.questions[0].id]  # every other answer right
    refused = client.post(url, data=_form(csrf_from(client, url), answers), follow_redirects=False)
    assert refused.status_code == 422
    assert answer_everything([1]) in refused.text
    assert _counts(engine) == (1, [1])
