"""A quiz attempt must answer every question: otherwise 422, nothing graded or recorded."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from api.data.models import ModuleProgress, QuizAttempt
from course.grading import answer_everything
from course.models import Course, Module
from tests.api.helpers import correct_answers, wrong_answers
from tests.factories import user_headers


def _module(course: Course) -> Module:
    module = course.modules[0]
    assert module.quiz is not None and len(module.quiz.questions) >= 4
    return module


def _partly(module: Module) -> dict[str, list[str]]:
    """Every question answered but the second and the last (the second with an empty list)."""
    assert module.quiz is not None
    questions = module.quiz.questions
    answers = correct_answers(module)
    answers[questions[1].id] = []
    del answers[questions[-1].id]
    return answers


def _counts(engine: Engine) -> tuple[int, list[int]]:
    with Session(engine) as session:
        attempts = session.exec(select(func.count()).select_from(QuizAttempt)).one()
        progress = list(session.exec(select(ModuleProgress.attempt_count)).all())
    return attempts, progress


@pytest.mark.parametrize("kind", ["empty", "partly"])
def test_an_incomplete_attempt_is_422_naming_each_unanswered_question(
    client: TestClient, engine: Engine, shipped_course: Course, kind: str
) -> None:
    module = _module(shipped_course)
    assert module.quiz is not None
    questions = module.quiz.questions
    headers = user_headers(client, engine)
    answers = {} if kind == "empty" else _partly(module)
    response = client.post(
        f"/api/v1/modules/{module.slug}/attempts", headers=headers, json={"answers": answers}
    )
    assert response.status_code == 422
    unanswered = range(len(questions)) if kind == "empty" else (1, len(questions) - 1)
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "answers", questions[index].id],
                "msg": answer_everything([index + 1]),
                "type": "missing",
            }
            for index in unanswered
        ],
        "code": "invalid",
    }
    assert "Svar på alle spørsmålene før du sender inn" in response.text
    for question in questions:  # nothing graded: no explanation, no feedback
        assert question.explanation_html not in response.text
        for option in question.options:
            assert not option.feedback_html or option.feedback_html not in response.text
    assert _counts(engine) == (0, [])


@pytest.mark.parametrize("kind", ["empty", "partly"])
def test_an_incomplete_attempt_leaves_earlier_attempts_and_progress_as_they_were(
    client: TestClient, engine: Engine, shipped_course: Course, kind: str
) -> None:
    module = _module(shipped_course)
    headers = user_headers(client, engine)
    url = f"/api/v1/modules/{module.slug}/attempts"
    first = client.post(url, headers=headers, json={"answers": wrong_answers(module)})
    assert first.status_code == 201
    before = client.get("/api/v1/progress", headers=headers).json()
    assert _counts(engine) == (1, [1])

    answers = {} if kind == "empty" else _partly(module)
    refused = client.post(url, headers=headers, json={"answers": answers})
    assert refused.status_code == 422
    assert {e["type"] for e in refused.json()["detail"]} == {"missing"}
    assert _counts(engine) == (1, [1])
    assert client.get("/api/v1/progress", headers=headers).json() == before


def test_an_unanswered_question_is_reported_beside_invalid_answers(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    module = _module(shipped_course)
    assert module.quiz is not None
    questions = module.quiz.questions
    answers = correct_answers(module)
    answers[questions[0].id] = ["z"]
    del answers[questions[2].id]
    response = client.post(
        f"/api/v1/modules/{module.slug}/attempts",
        headers=user_headers(client, engine),
        json={"answers": answers},
    )
    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [
        (["body", "answers", questions[0].id, 0], "value_error"),
        (["body", "answers", questions[2].id], "missing"),
    ]
    assert _counts(engine) == (0, [])
