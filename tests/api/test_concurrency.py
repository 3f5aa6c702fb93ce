"""Many simultaneous reads and attempts by one learner, over real HTTP and threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from api.data.models import Enrollment, ModuleProgress, QuizAttempt
from course.models import Course
from tests.api.helpers import correct_answers, wrong_answers
from tests.conftest import LiveServer
from tests.factories import PASSWORD, make_user


def test_concurrent_reads_and_attempts_leave_consistent_progress(
    app: FastAPI, engine: Engine, shipped_course: Course
) -> None:
    user = make_user(engine)
    jobs: list[tuple[str, str, dict[str, object] | None]] = []
    for module in shipped_course.modules:
        base = f"/api/v1/modules/{module.slug}"
        for _ in range(3):
            jobs.append(("POST", f"{base}/read", None))
        jobs.append(("POST", f"{base}/attempts", {"answers": wrong_answers(module)}))
        jobs.append(("POST", f"{base}/attempts", {"answers": correct_answers(module)}))
        jobs.append(("POST", f"{base}/attempts", {"answers": correct_answers(module)}))
        jobs.append(("GET", base, None))

    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        token = http.post(
            "/api/v1/auth/token", data={"username": user.email, "password": PASSWORD}
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}

        def run(job: tuple[str, str, dict[str, object] | None]) -> int:
            method, path, body = job
            return http.request(method, path, json=body, headers=headers).status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(run, jobs))
        outline = http.get("/api/v1/course", headers=headers).json()

    assert set(statuses) <= {200, 201}, statuses
    modules = len(shipped_course.modules)
    with Session(engine) as session:
        rows = session.exec(select(ModuleProgress).where(ModuleProgress.user_id == user.id)).all()
        attempts = session.exec(
            select(func.count()).select_from(QuizAttempt).where(QuizAttempt.user_id == user.id)
        ).one()
        enrollment = session.exec(select(Enrollment).where(Enrollment.user_id == user.id)).one()
    assert len(rows) == modules  # one row per module, never duplicated
    assert attempts == 3 * modules
    assert all(r.attempt_count == 3 for r in rows)
    assert all(r.read_at and r.passed_at and r.completed_at for r in rows)
    assert all(r.best_score == 1.0 for r in rows)
    assert enrollment.completed_at is not None
    assert enrollment.completed_at >= max(r.completed_at for r in rows if r.completed_at)
    assert outline["progress"]["percent"] == 100
