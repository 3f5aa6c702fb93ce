"""The whole learner journey through HTTP, on every configured database."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from course.models import Course
from tests.api.helpers import correct_answers, wrong_answers
from tests.factories import user_headers


def test_learner_completes_the_course_module_by_module(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    headers = user_headers(client, engine, full_name="Áigin Ŋuolla Čuđe")

    me = client.get("/api/v1/me", headers=headers).json()
    assert me["full_name"] == "Áigin Ŋuolla Čuđe"
    assert me["role"] == "learner"

    outline = client.get("/api/v1/course", headers=headers).json()
    assert outline["title"] == shipped_course.info.title
    assert outline["version"] == shipped_course.info.version
    assert [m["slug"] for m in outline["modules"]] == [m.slug for m in shipped_course.modules]
    assert {m["status"] for m in outline["modules"]} == {"not_started"}
    assert outline["progress"] == {
        "completed_modules": 0,
        "total_modules": len(shipped_course.modules),
        "percent": 0,
        "optional_completed": 0,
        "optional_total": 0,
        "completed_at": None,
    }

    for index, module in enumerate(shipped_course.modules):
        url = f"/api/v1/modules/{module.slug}"
        body = client.get(url, headers=headers).json()
        assert body["title"] == module.title
        assert body["quiz"] is not None

        failed = client.post(
            f"{url}/attempts", headers=headers, json={"answers": wrong_answers(module)}
        )
        assert failed.status_code == 201
        assert failed.json()["passed"] is False
        assert failed.json()["score"] == 0.0
        status = client.get("/api/v1/course", headers=headers).json()["modules"][index]["status"]
        assert status == "in_progress"

        assert client.post(f"{url}/read", headers=headers).status_code == 200
        passed = client.post(
            f"{url}/attempts",
            headers=headers,
            json={"answers": correct_answers(module), "revision": body["revision"]},
        ).json()
        assert passed["passed"] is True
        assert passed["score"] == 1.0
        assert passed["module_completed"] is True
        assert passed["course_completed"] is (index == len(shipped_course.modules) - 1)
        assert all(q["correct"] and q["explanation"] for q in passed["questions"])

    final = client.get("/api/v1/course", headers=headers).json()
    assert {m["status"] for m in final["modules"]} == {"completed"}
    assert final["progress"]["percent"] == 100
    completed_at = final["progress"]["completed_at"]
    assert completed_at is not None

    # Completion is recorded once: another passing attempt does not move it.
    module = shipped_course.modules[0]
    client.post(
        f"/api/v1/modules/{module.slug}/attempts",
        headers=headers,
        json={"answers": correct_answers(module)},
    )
    again = client.get("/api/v1/course", headers=headers).json()
    assert again["progress"]["completed_at"] == completed_at

    progress = client.get("/api/v1/progress", headers=headers).json()
    first = progress["modules"][0]
    assert [a["passed"] for a in first["attempts"]] == [False, True, True]
    assert first["best_score"] == 1.0
    assert first["read_at"] is not None


def test_module_completes_only_when_read_and_passed(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    headers = user_headers(client, engine)
    module = shipped_course.modules[1]
    url = f"/api/v1/modules/{module.slug}"

    result = client.post(
        f"{url}/attempts", headers=headers, json={"answers": correct_answers(module)}
    ).json()
    assert result["passed"] is True
    assert result["module_completed"] is False
    assert client.get("/api/v1/course", headers=headers).json()["modules"][1]["status"] == (
        "in_progress"
    )

    read = client.post(f"{url}/read", headers=headers)
    assert read.json()["status"] == "completed"
    again = client.post(f"{url}/read", headers=headers)
    assert again.status_code == 200
    assert again.json()["read_at"] == read.json()["read_at"]  # idempotent


def test_one_wrong_answer_scores_proportionally_against_the_pass_mark(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    headers = user_headers(client, engine)
    module = shipped_course.modules[2]
    assert module.quiz is not None
    answers = correct_answers(module)
    wrong = wrong_answers(module)
    missed = next(q.id for q in module.quiz.questions if q.option_ids - q.correct_option_ids)
    answers[missed] = wrong[missed]
    result = client.post(
        f"/api/v1/modules/{module.slug}/attempts", headers=headers, json={"answers": answers}
    ).json()
    total = len(module.quiz.questions)
    assert result["score"] == round((total - 1) / total, 4)
    assert result["passed"] is ((total - 1) / total >= module.quiz.pass_mark)
    by_id = {q["id"]: q for q in result["questions"]}
    assert by_id[missed]["correct"] is False
    assert by_id[missed]["selected"] == wrong[missed]


def test_wrong_option_feedback_is_returned_only_for_chosen_options(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    headers = user_headers(client, engine)
    for module in shipped_course.modules:
        assert module.quiz is not None
        for question in module.quiz.questions:
            with_feedback = [o for o in question.options if o.feedback_html and not o.correct]
            if with_feedback:
                option = with_feedback[0]
                result = client.post(
                    f"/api/v1/modules/{module.slug}/attempts",
                    headers=headers,
                    json={"answers": {**correct_answers(module), question.id: [option.id]}},
                ).json()
                by_id = {q["id"]: q for q in result["questions"]}
                assert by_id[question.id]["feedback"] == [
                    {"option_id": option.id, "html": option.feedback_html}
                ]
                others = [q for q in result["questions"] if q["id"] != question.id]
                assert all(q["feedback"] == [] for q in others)
                return
    raise AssertionError("the shipped course has no per-option feedback")
