"""xAPI statements: made at learning events, valid to two outside validators, delivered by
jobs to a real HTTP receiver through its failures without duplicates, and the learner's."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.app import create_app
from api.cli.main import app as cli
from api.core.config import Settings
from api.data.models import Job, JobState, Role, User, XapiOutbox
from api.services import content, job_tasks
from api.services.worker import Worker
from api.services.xapi_statements import statement_log
from course.grading import grade
from course.models import Course
from tests.api.conftest import _CACHES
from tests.api.helpers import correct_answers, wrong_answers
from tests.factories import login, make_user
from tests.web.test_web_security import csrf_from, log_in
from tests.xapi_support import Receiver, ralph_problems, receiver, xapi_validation_problems

__all__ = ["receiver"]  # the fixture

BASE_URL = "http://testserver"  # the test client's own, so page cookies are sent


@pytest.fixture
def xapi_settings(tmp_path: Path, receiver: Receiver) -> Settings:
    return Settings(
        data_dir=tmp_path,
        secret_key="x" * 40,
        base_url=BASE_URL,
        xapi_endpoint=receiver.endpoint,
        xapi_key=receiver.key,
        xapi_secret=receiver.secret,
        xapi_batch_size=7,  # several batches for one learner's course
        job_retry_base_seconds=0,  # tried again at once: the test drains the queue
        job_retry_max_seconds=0,
    )


@pytest.fixture
def xapi_app(xapi_settings: Settings, engine: Engine, db_kind: str) -> FastAPI:
    application = create_app(xapi_settings, engine=engine)
    application.state.render_cache = _CACHES.setdefault(db_kind, content.RenderCache())
    return application


@pytest.fixture
def xapi_client(xapi_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(xapi_app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def learner(engine: Engine) -> User:
    return make_user(engine, full_name="Áigin Ŋuolla Čuđe", email="aigin@karasjok.kommune.no")


def take_the_course(client: TestClient, headers: dict[str, str], course: Course) -> None:
    """Fail the first quiz once, then read and pass every module (course completed)."""
    for index, module in enumerate(course.modules):
        url = f"/api/v1/modules/{module.slug}"
        if index == 0:
            failed = client.post(
                f"{url}/attempts", headers=headers, json={"answers": wrong_answers(module)}
            )
            assert failed.status_code == 201
        assert client.post(f"{url}/read", headers=headers).status_code == 200
        assert client.post(f"{url}/read", headers=headers).status_code == 200  # no new statement
        passed = client.post(
            f"{url}/attempts", headers=headers, json={"answers": correct_answers(module)}
        )
        assert passed.status_code == 201 and passed.json()["passed"] is True


def events(engine: Engine) -> list[XapiOutbox]:
    with Session(engine) as session:
        return list(session.exec(select(XapiOutbox).order_by(XapiOutbox.id)).all())


def kept(engine: Engine) -> list[dict[str, Any]]:
    """Every statement made, in order."""
    return [statement for event in events(engine) for statement in json.loads(event.statements)]


def verb(statement: dict[str, Any]) -> str:
    return str(statement["verb"]["id"]).rsplit("/", 1)[-1]


def worker(engine: Engine, settings: Settings) -> Worker:
    return Worker(engine, settings, schedules=(), name="xapi-test-worker")


def test_statements_arrive_once_after_the_store_was_down(
    xapi_client: TestClient,
    xapi_settings: Settings,
    engine: Engine,
    learner: User,
    receiver: Receiver,
    shipped_course: Course,
) -> None:
    headers = login(xapi_client, learner.email)
    take_the_course(xapi_client, headers, shipped_course)
    made = kept(engine)
    assert made and all(event.sent_at is None for event in events(engine))

    # Down for two tries, then redirecting (never followed: a GET would lose the body);
    # then the store takes the second batch but its answer is lost.
    receiver.script = ["fail", "fail", "redirect", "ok", "lose"]
    delivery = worker(engine, xapi_settings)
    delivery.enqueue_pending()
    delivery.enqueue_pending()  # one delivery job at a time
    with Session(engine) as session:
        jobs = session.exec(select(Job).where(Job.kind == job_tasks.XAPI_DELIVER)).all()
    assert len(jobs) == 1
    delivery.drain()

    assert not receiver.refused
    statuses = [status for _, status in receiver.log]
    assert statuses[:3] == [503, 503, 302] and 409 in statuses  # the lost batch, sent again
    assert "GET" not in {method for method, _ in receiver.log}
    assert sorted(receiver.stored) == sorted(s["id"] for s in made)  # each once, by its id
    for statement in made:
        assert receiver.stored[statement["id"]] == statement
    assert all(event.sent_at is not None for event in events(engine))
    with Session(engine) as session:
        job = session.get(Job, jobs[0].id)
        assert job is not None and job.state == JobState.SUCCEEDED and job.attempt > 1

    # Nothing waits now: no new delivery job, and none sends anything again.
    delivery.enqueue_pending()
    before = len(receiver.log)
    delivery.drain()
    assert len(receiver.log) == before


def test_every_statement_validates_with_ralph_and_xapi_validation(
    xapi_client: TestClient, engine: Engine, learner: User, shipped_course: Course
) -> None:
    headers = login(xapi_client, learner.email)
    take_the_course(xapi_client, headers, shipped_course)
    statements = kept(engine)
    verbs = Counter(verb(s) for s in statements)
    modules = len(shipped_course.modules)
    questions = sum(len(m.quiz.questions) for m in shipped_course.modules if m.quiz)
    first = shipped_course.modules[0].quiz
    assert first is not None
    assert verbs == {
        "experienced": modules,
        "answered": questions + len(first.questions),
        "failed": 1,
        "passed": modules,
        "completed": modules + 1,
    }
    assert ralph_problems(statements) == []
    assert xapi_validation_problems(statements) == []


def test_the_actor_is_an_opaque_account_and_the_registration_is_the_enrollment(
    xapi_client: TestClient, engine: Engine, learner: User, shipped_course: Course
) -> None:
    other = make_user(engine, email="ola@asker.kommune.no")
    for person in (learner, other):
        module = shipped_course.modules[0]
        headers = login(xapi_client, person.email)
        xapi_client.post(f"/api/v1/modules/{module.slug}/read", headers=headers)
    by_user: dict[int, list[dict[str, object]]] = {}
    for event in events(engine):
        by_user.setdefault(event.user_id, []).extend(json.loads(event.statements))
    names = set()
    for person in (learner, other):
        (statement,) = by_user[person.id or 0]
        actor = statement["actor"]
        assert isinstance(actor, dict) and set(actor) == {"objectType", "account"}
        assert actor["account"]["homePage"] == BASE_URL
        name = actor["account"]["name"]
        assert re.fullmatch(r"[0-9a-f]{32}", name)
        assert str(person.id) != name and person.email not in json.dumps(statement)
        assert "Áigin" not in json.dumps(statement, ensure_ascii=False)
        names.add(name)
        context = statement["context"]
        assert isinstance(context, dict) and re.fullmatch(r"[0-9a-f-]{36}", context["registration"])
    assert len(names) == 2


def test_pages_record_statements_too(
    xapi_client: TestClient, engine: Engine, learner: User, shipped_course: Course
) -> None:
    module = shipped_course.modules[0]
    log_in(xapi_client, learner.email)
    token = csrf_from(xapi_client, f"/moduler/{module.slug}")
    response = xapi_client.post(
        f"/moduler/{module.slug}/lest", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    fields = {f"q-{q}": chosen for q, chosen in correct_answers(module).items()}
    token = csrf_from(xapi_client, f"/moduler/{module.slug}/quiz")
    response = xapi_client.post(
        f"/moduler/{module.slug}/quiz", data={"csrf_token": token, **fields}, follow_redirects=False
    )
    assert response.status_code == 303
    verbs = Counter(verb(s) for s in kept(engine))
    assert verbs["experienced"] == 1 and verbs["passed"] == 1 and verbs["completed"] == 1


def test_no_store_configured_means_no_statements(
    client: TestClient, engine: Engine, learner: User, shipped_course: Course
) -> None:
    headers = login(client, learner.email)
    take_the_course(client, headers, shipped_course)
    assert kept(engine) == []


def test_statements_are_in_the_personal_export_and_erasure_removes_the_responses(
    xapi_client: TestClient, engine: Engine, learner: User, shipped_course: Course
) -> None:
    headers = login(xapi_client, learner.email)
    take_the_course(xapi_client, headers, shipped_course)
    exported = xapi_client.get("/api/v1/me/export", headers=headers).json()["xapi_statements"]
    ids = {s["id"] for s in kept(engine)}
    assert {item["statement"]["id"] for item in exported} == ids
    assert all(item["sent_at"] is None for item in exported)
    answered = [
        i["statement"] for i in exported if i["statement"]["verb"]["id"].endswith("answered")
    ]
    assert answered and all(s["result"]["response"] for s in answered)

    admin = login(xapi_client, make_user(engine, role=Role.ADMIN, email="a@asker.kommune.no").email)
    assert xapi_client.post(f"/api/v1/users/{learner.id}/erase", headers=admin).status_code == 200
    assert {s["id"] for s in kept(engine)} == ids
    for statement in kept(engine):
        assert "response" not in statement.get("result", {})


def test_an_endpoint_needs_its_credentials(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="INNOSTUDY_XAPI_KEY"):
        Settings(data_dir=tmp_path, xapi_endpoint="https://lrs.example.no/xapi")
    with pytest.raises(ValidationError, match="INNOSTUDY_XAPI_SECRET"):
        Settings(data_dir=tmp_path, xapi_endpoint="https://lrs.no/", xapi_key="k", xapi_secret=" ")
    with pytest.raises(ValidationError, match="http- eller https"):
        Settings(data_dir=tmp_path, xapi_endpoint="ftp://lrs.example.no", xapi_key="k")
    settings = Settings(
        data_dir=tmp_path, xapi_endpoint="https://lrs.example.no/xapi", xapi_key="k",
        xapi_secret="s",
    )  # fmt: skip
    assert settings.xapi_endpoint == "https://lrs.example.no/xapi/"
    with pytest.raises(ValidationError, match="https i produksjon"):
        Settings(
            data_dir=tmp_path, environment="production", secret_key="p" * 40,
            xapi_endpoint="http://lrs.example.no/xapi", xapi_key="k", xapi_secret="s",
        )  # fmt: skip


def test_the_validators_refuse_a_broken_statement(
    xapi_client: TestClient, engine: Engine, learner: User, shipped_course: Course
) -> None:
    """The peers are live: a statement without a verb id and with a scaled score above 1."""
    headers = login(xapi_client, learner.email)
    module = shipped_course.modules[0]
    xapi_client.post(
        f"/api/v1/modules/{module.slug}/attempts",
        headers=headers,
        json={"answers": correct_answers(module)},
    )
    (passed,) = [s for s in kept(engine) if verb(s) == "passed"]
    del passed["verb"]["id"]
    passed["result"]["score"]["scaled"] = 1.5
    assert len(ralph_problems([passed])) == 1
    assert len(xapi_validation_problems([passed])) == 1


def test_statements_stay_valid_json_whatever_the_titles_say(
    xapi_settings: Settings, shipped_course: Course
) -> None:
    """The statements are put together from encoded parts: quotes and backslashes in a
    title, a question or the base address stay inside their strings."""
    info = replace(shipped_course.info, title='Kurs "A" \\ B', language="nn")
    settings = xapi_settings.model_copy(update={"base_url": 'https://x.no/a"b'})
    log = statement_log(settings, info)
    assert log is not None
    source = shipped_course.modules[0]
    assert source.quiz is not None
    questions = tuple(replace(q, text=f'Hva er "{q.id}"?\\\n') for q in source.quiz.questions)
    quiz = replace(source.quiz, questions=questions)
    module = content.LiveModule(1, 3, replace(source, title='Modul "én"', quiz=quiz))
    at = datetime.now(UTC)
    made = [
        log.read(user_id=7, module=module, at=at),
        *log.attempt(user_id=7, module=module, result=grade(quiz, correct_answers(source)), at=at),
        log.module_completed(user_id=7, module=module, at=at),
        log.course_completed(user_id=7, at=at),
    ]
    statements = [json.loads(s.json) for s in made]
    assert statements[0]["object"]["definition"]["name"] == {"nn": 'Modul "én"'}
    assert statements[1]["object"]["definition"]["name"]["nn"].startswith('Hva er "')
    assert statements[-1]["object"]["definition"]["name"] == {"nn": 'Kurs "A" \\ B'}
    assert [s["id"] for s in statements] == [s.id for s in made]
    assert xapi_validation_problems(statements) == []


def test_an_administrator_sees_what_waits_and_why_never_the_secret(
    xapi_client: TestClient,
    xapi_settings: Settings,
    engine: Engine,
    learner: User,
    receiver: Receiver,
    shipped_course: Course,
) -> None:
    headers = login(xapi_client, learner.email)
    module = shipped_course.modules[0]
    xapi_client.post(f"/api/v1/modules/{module.slug}/read", headers=headers)
    admin = login(xapi_client, make_user(engine, role=Role.ADMIN, email="a@asker.kommune.no").email)

    # The store refuses this installation's credentials: the delivery fails and says so.
    wrong = xapi_settings.model_copy(update={"xapi_secret": SecretStr("feil-passord")})
    delivery = Worker(engine, wrong, schedules=(), name="xapi-test-worker")
    delivery.enqueue_pending()
    delivery.run_once()
    assert receiver.refused == ["authorization"] and not receiver.stored
    response = xapi_client.get("/api/v1/xapi/lrs", headers=admin)
    assert response.status_code == 200
    status = response.json()
    assert receiver.secret not in response.text and "feil-passord" not in response.text
    assert status["configured"] is True
    assert status["endpoint"] == receiver.endpoint and status["key"] == receiver.key
    assert (status["waiting_events"], status["waiting_statements"]) == (1, 1)
    assert status["sent_statements"] == 0
    assert status["last_delivery"]["state"] == "queued"  # to be tried again
    assert "401" in status["last_delivery"]["error"]

    worker(engine, xapi_settings).drain()  # the right credentials: delivered
    status = xapi_client.get("/api/v1/xapi/lrs", headers=admin).json()
    assert (status["waiting_events"], status["sent_statements"]) == (0, 1)
    assert status["last_delivery"]["state"] == "succeeded"
    assert len(receiver.stored) == 1


def test_a_dead_delivery_is_followed_by_a_new_one_while_statements_wait(
    xapi_client: TestClient,
    xapi_settings: Settings,
    engine: Engine,
    learner: User,
    receiver: Receiver,
    shipped_course: Course,
) -> None:
    headers = login(xapi_client, learner.email)
    xapi_client.post(f"/api/v1/modules/{shipped_course.modules[0].slug}/read", headers=headers)
    delivery = worker(engine, xapi_settings)
    delivery.enqueue_pending()
    with Session(engine) as session:  # as after its last try while the store was down
        (job,) = session.exec(select(Job).where(Job.kind == job_tasks.XAPI_DELIVER)).all()
        job.state = JobState.DEAD
        session.add(job)
        session.commit()
    delivery.enqueue_pending()
    delivery.drain()
    with Session(engine) as session:
        states = sorted(j.state for j in session.exec(select(Job)).all())
    assert states == [JobState.DEAD, JobState.SUCCEEDED]
    assert len(receiver.stored) == 1
    assert all(event.sent_at is not None for event in events(engine))


def test_the_operator_sees_the_same_status_on_the_command_line(
    xapi_client: TestClient,
    engine: Engine,
    learner: User,
    receiver: Receiver,
    shipped_course: Course,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headers = login(xapi_client, learner.email)
    xapi_client.post(f"/api/v1/modules/{shipped_course.modules[0].slug}/read", headers=headers)
    environment = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "DATA_DIR": str(tmp_path / "cli"),
        "SECRET_KEY": "c" * 40,
        "XAPI_ENDPOINT": receiver.endpoint,
        "XAPI_KEY": receiver.key,
        "XAPI_SECRET": receiver.secret,
    }
    for name, value in environment.items():
        monkeypatch.setenv(f"INNOSTUDY_{name}", value)
    result = CliRunner().invoke(cli, ["xapi", "status"])
    assert result.exit_code == 0, result.output
    assert f"Læringsregister: {receiver.endpoint} (nøkkel {receiver.key})" in result.output
    assert "Venter: 1 utsagn fra 1 hendelser" in result.output
    assert receiver.secret not in result.output
