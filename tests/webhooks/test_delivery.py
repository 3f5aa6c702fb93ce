"""Webhooks arrive at a real HTTP receiver, signed so that the npm ``standardwebhooks``
library verifies them; a receiver that fails gets the same message (same
``webhook-id``) again, and deduplicates on it."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.core.config import Settings
from api.data.models import Job, JobState, User, WebhookDelivery, WebhookEndpoint, utcnow
from api.services.webhook_delivery import WEBHOOK_DELIVER
from api.services.worker import Worker
from course.models import Course
from tests.factories import complete_course, login, make_user
from tests.webhooks.receiver import Received, running_receiver, verify_with_npm


def _endpoint(
    client: TestClient, admin: dict[str, str], url: str, events: list[str], **more: Any
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/webhooks", json={"url": url, "events": events, **more}, headers=admin
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _drain(engine: Engine, settings: Settings) -> int:
    return Worker(engine, settings, schedules=()).drain()


def _graduate(engine: Engine, **kwargs: Any) -> User:
    user = make_user(engine, full_name="Kari Nordmann", email="kari@asker.kommune.no", **kwargs)
    complete_course(engine, user)
    return user


def _webhook_jobs(engine: Engine) -> list[Job]:
    with Session(engine) as session:
        query = select(Job).where(col(Job.kind) == WEBHOOK_DELIVER).order_by(col(Job.id))
        return list(session.exec(query).all())


def test_a_receiver_that_fails_gets_the_same_signed_message_again(
    client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings
) -> None:
    with running_receiver(fail_first=1) as receiver:
        endpoint = _endpoint(client, admin, receiver.url, ["certificate.issued"])
        graduate = _graduate(engine)
        issued = client.post("/api/v1/certificate", headers=login(client, graduate.email))
        assert issued.status_code in (200, 201), issued.text
        code = issued.json()["code"]
        (job,) = _webhook_jobs(engine)  # enqueued with the certificate
        assert job.state == JobState.QUEUED

        _drain(engine, settings)

    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    assert list(receiver.processed) == [first.headers["webhook-id"]]  # deduplicated: once

    results = verify_with_npm(endpoint["secret"], receiver.requests)
    assert [r["ok"] for r in results] == [True, True], results
    message = results[1]["payload"]
    assert message["type"] == "certificate.issued"
    certificate = message["data"]["certificate"]
    assert certificate["code"] == code
    assert certificate["verify_url"] == f"https://kurs.example.no/verify/{code}"
    assert message["data"]["learner"]["id"].startswith("lrn_")
    assert message["data"]["municipality_number"] == "3203"
    body = second.body.decode()
    assert "Kari" not in body and "kari@" not in body  # no name, no e-mail address

    log = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=admin).json()
    assert [(d["attempt"], d["status_code"]) for d in log] == [(2, 204), (1, 500)]
    assert {d["webhook_id"] for d in log} == {first.headers["webhook-id"]}
    assert log[1]["error"].startswith("HTTP 500")
    assert _webhook_jobs(engine)[0].state == JobState.SUCCEEDED


def test_a_tampered_message_or_another_secret_does_not_verify(
    client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings
) -> None:
    with running_receiver() as receiver:
        endpoint = _endpoint(client, admin, receiver.url, ["course.completed"])
        client.post(f"/api/v1/webhooks/{endpoint['id']}/test", headers=admin)
        _drain(engine, settings)
    (sent,) = receiver.requests
    tampered = Received(sent.headers, sent.body.replace(b"Testmelding", b"Falsk melding"))
    other = _endpoint(client, admin, "https://annen.example.no/hook", ["course.completed"])
    assert [r["ok"] for r in verify_with_npm(endpoint["secret"], [sent, tampered])] == [
        True,
        False,
    ]
    assert verify_with_npm(other["secret"], [sent])[0]["ok"] is False


def test_course_completion_through_the_api_is_sent_once_per_learner(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
    shipped_course: Course,
) -> None:
    with running_receiver() as receiver:
        endpoint = _endpoint(client, admin, receiver.url, ["course.completed"])
        learner = make_user(engine, email="ola@asker.kommune.no")
        headers = login(client, learner.email)
        for module in shipped_course.modules:  # the hot routes: plain SQL on the event loop
            read = client.post(f"/api/v1/modules/{module.slug}/read", headers=headers)
            assert read.status_code == 200, read.text
            if module.quiz is not None:
                answers = {q.id: sorted(q.correct_option_ids) for q in module.quiz.questions}
                done = client.post(
                    f"/api/v1/modules/{module.slug}/attempts",
                    json={"answers": answers},
                    headers=headers,
                )
                assert done.status_code == 201, done.text
        assert len(_webhook_jobs(engine)) == 1  # enqueued with the completion
        slug = shipped_course.modules[0].slug
        assert client.post(f"/api/v1/modules/{slug}/read", headers=headers).status_code == 200
        _drain(engine, settings)

    (sent,) = receiver.requests
    (result,) = verify_with_npm(endpoint["secret"], [sent])
    assert result["ok"], result
    message = result["payload"]
    assert message["type"] == "course.completed"
    assert message["data"]["course"]["slug"] == shipped_course.info.slug
    assert message["data"]["municipality_number"] == "3203"
    assert message["data"]["learner"]["id"].startswith("lrn_")


def test_revoke_and_reissue_are_sent_with_the_old_and_the_new_code(
    client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings
) -> None:
    with running_receiver() as receiver:
        endpoint = _endpoint(
            client, admin, receiver.url, ["certificate.revoked", "certificate.reissued"]
        )
        graduate = _graduate(engine)
        code = client.post("/api/v1/certificate", headers=login(client, graduate.email)).json()[
            "code"
        ]
        revoked = client.post(
            f"/api/v1/certificates/{code}/revoke", json={"reason": "Feil navn"}, headers=admin
        )
        assert revoked.status_code == 200, revoked.text
        reissued = client.post(f"/api/v1/certificates/{code}/reissue", headers=admin)
        assert reissued.status_code in (200, 201), reissued.text
        new_code = reissued.json()["code"]
        _drain(engine, settings)

    results = verify_with_npm(endpoint["secret"], receiver.requests)
    assert all(r["ok"] for r in results), results
    by_type = {r["payload"]["type"]: r["payload"]["data"] for r in results}
    assert set(by_type) == {"certificate.revoked", "certificate.reissued"}  # not "issued"
    assert by_type["certificate.revoked"]["certificate"]["code"] == code
    assert by_type["certificate.revoked"]["certificate"]["revoked_at"]
    assert "Feil navn" not in json.dumps(by_type)  # the reason is internal
    assert by_type["certificate.reissued"]["certificate"]["code"] == new_code
    assert by_type["certificate.reissued"]["certificate"]["replaces"] == code


def test_an_endpoint_for_another_municipality_gets_nothing(
    client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings
) -> None:
    with running_receiver() as receiver:
        _endpoint(client, admin, receiver.url, ["course.completed"], municipality="Bærum")
        ours = _endpoint(client, admin, receiver.url, ["course.completed"], municipality="3203")
        assert ours["municipality_number"] == "3203"
        _graduate(engine)  # of Asker (3203)
        (job,) = _webhook_jobs(engine)
        assert json.loads(job.payload)["endpoint_id"] == ours["id"]
        _drain(engine, settings)
    assert len(receiver.requests) == 1


def test_an_unreachable_endpoint_is_tried_until_the_job_gives_up(
    client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings
) -> None:
    with running_receiver() as receiver:
        url = receiver.url
    endpoint = _endpoint(client, admin, url, ["course.completed"])  # nothing listens there now
    _graduate(engine)
    _drain(engine, settings)
    (job,) = _webhook_jobs(engine)
    assert job.state == JobState.DEAD
    with Session(engine) as session:
        tries = session.exec(
            select(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == endpoint["id"])
        ).all()
    assert len(tries) == job.max_attempts == 10
    assert len({t.webhook_id for t in tries}) == 1
    assert all(t.status_code is None and "Kunne ikke koble til" in (t.error or "") for t in tries)


def test_410_gone_switches_the_endpoint_off_without_retrying(
    client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings
) -> None:
    with running_receiver(fail_first=5, fail_status=410) as receiver:
        endpoint = _endpoint(client, admin, receiver.url, ["course.completed"])
        _graduate(engine)
        _drain(engine, settings)
    assert len(receiver.requests) == 1
    assert _webhook_jobs(engine)[0].state == JobState.SUCCEEDED
    with Session(engine) as session:
        stored = session.get(WebhookEndpoint, endpoint["id"])
        assert stored is not None and stored.is_active is False


def test_an_event_is_enqueued_once_per_endpoint_however_often_it_is_emitted(
    engine: Engine,
) -> None:
    from api.core.db import transaction
    from api.services import webhook_events

    with transaction(engine, write=True) as session:
        session.add(
            WebhookEndpoint(
                url="https://hr.example.no/h",
                secret="whsec_AAAA",
                events="course.completed",
                created_at=webhook_events.utcnow(),
            )
        )
    event = webhook_events.Event(
        type="course.completed", subject="user:1", user_id=None, municipality_number=None
    )
    with transaction(engine, write=True) as session:
        first = webhook_events.emit(session=session, event=event)
        second = webhook_events.emit(session=session, event=event)
    assert [job.id for job in first] == [job.id for job in second]
    assert len(_webhook_jobs(engine)) == 1


def test_the_nightly_clean_up_removes_old_deliveries_only(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    from datetime import timedelta

    from api.core.db import transaction
    from api.services import webhooks

    endpoint = _endpoint(client, admin, "https://hr.example.no/h", ["course.completed"])
    now = webhooks.utcnow()
    with transaction(engine, write=True) as session:
        for age in (100, 10):
            session.add(
                WebhookDelivery(
                    endpoint_id=endpoint["id"],
                    event_type="course.completed",
                    webhook_id=f"msg_{age}",
                    attempt=1,
                    status_code=204,
                    attempted_at=now - timedelta(days=age),
                )
            )
    with transaction(engine, write=True) as session:
        assert webhooks.prune_deliveries(session=session, keep=timedelta(days=90)) == 1
    log = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=admin).json()
    assert [d["webhook_id"] for d in log] == ["msg_10"]


def test_the_secret_is_stored_sealed_and_a_changed_secret_key_is_reported(
    client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings
) -> None:
    with running_receiver() as receiver:
        endpoint = _endpoint(client, admin, receiver.url, ["course.completed"])
        with Session(engine) as session:
            stored = session.get(WebhookEndpoint, endpoint["id"])
            assert stored is not None
        assert endpoint["secret"] not in stored.secret
        assert endpoint["secret"].removeprefix("whsec_") not in stored.secret
        _graduate(engine)
        # A new Settings: model_copy would keep the cached key of the original.
        other_key = Settings(**(settings.model_dump() | {"secret_key": SecretStr("z" * 40)}))
        worker = Worker(engine, other_key, schedules=())
        assert worker.run_once()
    assert receiver.requests == []  # nothing sent unsigned, or signed with a wrong key
    log = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=admin).json()
    assert "INNOSTUDY_SECRET_KEY er endret" in log[0]["error"]
    assert _webhook_jobs(engine)[0].state == JobState.QUEUED  # tried again later


def test_after_a_rotation_both_secrets_verify_until_the_old_one_expires(
    client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from api.core.db import transaction

    with running_receiver() as receiver:
        endpoint = _endpoint(client, admin, receiver.url, ["course.completed"])
        rotated = client.post(f"/api/v1/webhooks/{endpoint['id']}/secret", headers=admin)
        assert rotated.status_code == 200, rotated.text
        old, new = endpoint["secret"], rotated.json()["secret"]
        assert new != old and new.startswith("whsec_")
        client.post(f"/api/v1/webhooks/{endpoint['id']}/test", headers=admin)
        _drain(engine, settings)
        with transaction(engine, write=True) as session:
            session.execute(
                update(WebhookEndpoint).values(
                    previous_secret_expires_at=utcnow() - timedelta(seconds=1)
                )
            )
        client.post(f"/api/v1/webhooks/{endpoint['id']}/test", headers=admin)
        _drain(engine, settings)

    during, after = receiver.requests
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert [r["ok"] for r in verify_with_npm(old, [during, after])] == [True, False]
    assert [r["ok"] for r in verify_with_npm(new, [during, after])] == [True, True]


def test_an_error_answer_is_logged_with_its_start_and_a_slow_one_as_a_timeout(
    client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings
) -> None:
    with running_receiver(fail_first=1, fail_body=b"Intern feil " + b"x" * 5000) as failing:
        endpoint = _endpoint(client, admin, failing.url, ["course.completed"])
        client.post(f"/api/v1/webhooks/{endpoint['id']}/test", headers=admin)
        _drain(engine, settings)  # the error, then the try after it
    quick = settings.model_copy(update={"webhook_timeout_seconds": 0.2})
    with running_receiver(delay=2) as slow:
        other = _endpoint(client, admin, slow.url, ["course.completed"])
        client.post(f"/api/v1/webhooks/{other['id']}/test", headers=admin)
        Worker(engine, quick, schedules=()).run_once()
    _, failed = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=admin).json()
    assert failed["status_code"] == 500
    assert failed["error"].startswith("HTTP 500: Intern feil xxx")
    assert len(failed["error"]) < 400  # the start of the body, not all of it
    timed_out = client.get(f"/api/v1/webhooks/{other['id']}/deliveries", headers=admin).json()[0]
    assert timed_out["status_code"] is None
    assert timed_out["error"] == "Fikk ikke svar innen 0.2 sekunder."
