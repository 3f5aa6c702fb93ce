"""Everything a client can send wrong gets a precise 4xx, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from api.data.models import ModuleProgress, QuizAttempt
from course.models import Course
from tests.api.helpers import correct_answers
from tests.factories import user_headers


@pytest.fixture
def learner(client: TestClient, engine: Engine) -> dict[str, str]:
    return user_headers(client, engine)


def test_unknown_module_is_404_everywhere(client: TestClient, learner: dict[str, str]) -> None:
    for method, path in (("GET", ""), ("POST", "/read"), ("POST", "/attempts")):
        response = client.request(
            method, f"/api/v1/modules/finnes-ikke{path}", headers=learner, json={"answers": {}}
        )
        assert response.status_code == 404, path
        assert response.json()["code"] == "module_not_found"


def test_module_response_never_reveals_answers(
    client: TestClient, learner: dict[str, str], shipped_course: Course
) -> None:
    for module in shipped_course.modules:
        body = client.get(f"/api/v1/modules/{module.slug}", headers=learner)
        text = body.text
        assert "correct" not in text
        assert "explanation" not in text
        assert "feedback" not in text
        assert module.quiz is not None
        for question in module.quiz.questions:
            if question.explanation_html:
                assert question.explanation_html.strip() not in text
        for question in body.json()["quiz"]["questions"]:
            assert set(question) == {"id", "text", "html", "details_html", "kind", "options"}
            for option in question["options"]:
                assert set(option) == {"id", "text", "html"}


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "answers"]),
        ({"answers": []}, ["body", "answers"]),
        ({"answers": {"x": "a"}}, ["body", "answers", "x"]),
        ({"answers": {}, "extra": 1}, ["body", "extra"]),
        ({"answers": {}, "revision": "ny"}, ["body", "revision"]),
    ],
)
def test_malformed_attempt_bodies_get_field_level_422(
    client: TestClient,
    learner: dict[str, str],
    shipped_course: Course,
    body: object,
    loc: list[str],
) -> None:
    module = shipped_course.modules[0]
    response = client.post(f"/api/v1/modules/{module.slug}/attempts", headers=learner, json=body)
    assert response.status_code == 422
    assert loc in [error["loc"] for error in response.json()["detail"]]


def test_unknown_question_and_option_ids_get_422_and_store_nothing(
    client: TestClient, engine: Engine, learner: dict[str, str], shipped_course: Course
) -> None:
    module = shipped_course.modules[0]
    answers = correct_answers(module)
    first = next(iter(answers))
    answers["finnes-ikke"] = ["a"]
    answers[first] = ["z"]
    response = client.post(
        f"/api/v1/modules/{module.slug}/attempts", headers=learner, json={"answers": answers}
    )
    assert response.status_code == 422
    errors = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
    assert errors[("body", "answers", "finnes-ikke")] == "unknown question id"
    assert errors[("body", "answers", first, 0)] == "unknown option id 'z'"
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(QuizAttempt)).one() == 0
        assert session.exec(select(func.count()).select_from(ModuleProgress)).one() == 0


def test_two_choices_on_a_single_choice_question_is_422(
    client: TestClient, learner: dict[str, str], shipped_course: Course
) -> None:
    module = shipped_course.modules[0]
    assert module.quiz is not None
    single = next(q for q in module.quiz.questions if q.kind == "single")
    response = client.post(
        f"/api/v1/modules/{module.slug}/attempts",
        headers=learner,
        json={"answers": {single.id: ["a", "b"]}},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "answers", single.id]


def test_attempt_against_an_old_revision_is_409(
    client: TestClient, learner: dict[str, str], shipped_course: Course
) -> None:
    module = shipped_course.modules[0]
    response = client.post(
        f"/api/v1/modules/{module.slug}/attempts",
        headers=learner,
        json={"answers": correct_answers(module), "revision": 999},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "stale_revision"


@pytest.mark.parametrize(
    "payload",
    [
        b"{",
        b"null",
        b"[]",
        b'{"answers": {"a": [1, 2]}}',
        "\ud800".encode("utf-8", "surrogatepass"),
        b'{"answers": {"' + b"q" * 100 + b'": ["a"]}}',
        b"\xff\xfe",
    ],
)
def test_garbage_bodies_are_422(
    client: TestClient, learner: dict[str, str], shipped_course: Course, payload: bytes
) -> None:
    module = shipped_course.modules[0]
    response = client.post(
        f"/api/v1/modules/{module.slug}/attempts",
        headers={**learner, "Content-Type": "application/json"},
        content=payload,
    )
    assert response.status_code == 422


def test_overlong_module_slug_is_422_or_404(client: TestClient, learner: dict[str, str]) -> None:
    response = client.get("/api/v1/modules/" + "x" * 500, headers=learner)
    assert response.status_code in (404, 422)


def test_healthz_is_public(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


PUBLIC = {
    "/api/v1/auth/token",
    "/api/v1/certificates/{code}",
    "/api/v1/auth/password-setup",
    "/api/v1/auth/password-reset-request",
    "/api/v1/email/unsubscribe",
}


def test_openapi_documents_every_route_with_summaries_and_errors(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description") or operation.get("summary"), (method, path)
            if path.startswith("/api/v1/") and path not in PUBLIC:
                assert "401" in operation["responses"], (method, path)
