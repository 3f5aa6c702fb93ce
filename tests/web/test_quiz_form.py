"""The quiz form over plain HTTP: answers the form could not have sent get a Norwegian answer."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from api.data.models import QuizAttempt
from course.models import Course
from tests.factories import make_user
from tests.web.test_web_security import csrf_from, log_in


@pytest.mark.parametrize("chosen", [["a", "b"], ["z"]], ids=["two-choices", "unknown-option"])
def test_a_tampered_quiz_form_is_refused_in_norwegian_and_nothing_is_graded(
    client: TestClient, engine: Engine, shipped_course: Course, chosen: list[str]
) -> None:
    module = next(m for m in shipped_course.modules if m.quiz is not None)
    assert module.quiz is not None
    single = next(q for q in module.quiz.questions if q.kind == "single")
    log_in(client, make_user(engine).email)
    url = f"/moduler/{module.slug}/quiz"
    token = csrf_from(client, url)
    response = client.post(
        url,
        data={"csrf_token": token, "revision": "1", f"q-{single.id}": chosen},
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert "Svarene ble ikke levert" in response.text
    assert (
        "Noen av svarene passer ikke til spørsmålene, for eksempel flere valg på et spørsmål "
        "der du skal velge ett. Svar på nytt." in response.text
    )
    assert "single-choice" not in response.text and "unknown option" not in response.text
    assert 'action="/moduler/' in response.text  # the quiz form again, to answer anew
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(QuizAttempt)).one() == 0
