"""The webhook page over plain HTTP: add an endpoint (the secret shown once), refusals at
their fields, a test message through a real receiver into the delivery log, switching
off and on, deleting, and that only administrators get the page."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.data.models import AuditEvent, Role, WebhookEndpoint
from api.services.worker import Worker
from tests.factories import make_user
from tests.web.test_web_security import csrf_from, log_in
from tests.webhooks.receiver import running_receiver, verify_with_npm

SECRET = re.compile(r'<code class="secret">(whsec_[A-Za-z0-9+/=]+)</code>')


def _admin(client: TestClient, engine: Engine) -> str:
    admin = make_user(engine, role=Role.ADMIN, full_name="Anne Admin")
    log_in(client, admin.email)
    return csrf_from(client, "/admin/webhooks")


def _endpoints(engine: Engine) -> list[WebhookEndpoint]:
    with Session(engine) as session:
        return list(session.exec(select(WebhookEndpoint).order_by(col(WebhookEndpoint.id))))


def test_an_admin_adds_an_endpoint_sees_its_secret_once_and_tests_it(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    token = _admin(client, engine)
    empty = client.get("/admin/webhooks")
    assert '<a href="/admin/webhooks" aria-current="page">Webhooks</a>' in empty.text
    assert "Ingen mottakere ennå." in empty.text
    with running_receiver() as receiver:
        added = client.post(
            "/admin/webhooks/ny",
            data={
                "csrf_token": token,
                "adresse": receiver.url,
                "hendelser": ["course.completed", "certificate.issued"],
                "kommune": "Asker",
                "beskrivelse": "HR-systemet <i>Asker</i>",
            },
        )
        assert added.status_code == 200, added.text
        match = SECRET.search(added.text)
        assert match is not None
        secret = match.group(1)
        assert "HR-systemet &lt;i&gt;Asker&lt;/i&gt;" in added.text
        (endpoint,) = _endpoints(engine)
        assert endpoint.events == "course.completed certificate.issued"
        assert endpoint.municipality_number == "3203"
        again = client.get("/admin/webhooks")
        assert secret not in again.text  # shown once

        tested = client.post(
            f"/admin/webhooks/{endpoint.id}/test",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert tested.status_code == 303
        assert tested.headers["location"] == "/admin/webhooks?melding=test"
        assert "Webhook-melding: Testmelding" in client.get("/admin/jobber").text
        settings = client.app.state.settings  # the key its secrets are sealed with
        Worker(engine, settings, schedules=()).drain()

    (result,) = verify_with_npm(secret, receiver.requests)
    assert result["ok"] and result["payload"]["type"] == "webhook.test"
    log = client.get("/admin/webhooks?melding=test")
    assert "Testmeldingen er lagt i kø" in log.text
    assert receiver.requests[0].headers["webhook-id"] in log.text
    assert '<span class="badge badge-done">204</span>' in log.text

    rotated = client.post(f"/admin/webhooks/{endpoint.id}/hemmelighet", data={"csrf_token": token})
    assert rotated.status_code == 200
    match = SECRET.search(rotated.text)
    assert match is not None and match.group(1) != secret
    assert "I 24 timer signeres meldingene med både den gamle og den nye" in rotated.text


def test_a_bad_form_is_shown_again_with_the_problems_at_their_fields(
    client: TestClient, engine: Engine
) -> None:
    token = _admin(client, engine)
    no_events = client.post(
        "/admin/webhooks/ny",
        data={"csrf_token": token, "adresse": "https://hr.example.no/h", "kommune": ""},
    )
    assert no_events.status_code == 422
    assert "Velg minst én hendelse." in no_events.text
    assert 'value="https://hr.example.no/h"' in no_events.text  # kept

    plain = client.post(
        "/admin/webhooks/ny",
        data={
            "csrf_token": token,
            "adresse": "http://hr.example.no/h",
            "hendelser": "course.completed",
        },
    )
    assert plain.status_code == 422 and "Adressen må bruke https://" in plain.text
    nowhere = client.post(
        "/admin/webhooks/ny",
        data={
            "csrf_token": token,
            "adresse": "https://hr.example.no/h",
            "hendelser": "course.completed",
            "kommune": "Atlantis",
        },
    )
    assert nowhere.status_code == 422 and "Atlantis" in nowhere.text
    assert _endpoints(engine) == []
    with Session(engine) as session:
        outcomes = session.exec(
            select(AuditEvent.outcome).where(col(AuditEvent.action) == "webhook.create")
        ).all()
    assert list(outcomes) == ["failed", "failed", "failed"]


def test_an_endpoint_is_switched_off_and_on_and_deleted(client: TestClient, engine: Engine) -> None:
    token = _admin(client, engine)
    client.post(
        "/admin/webhooks/ny",
        data={
            "csrf_token": token,
            "adresse": "https://hr.example.no/h",
            "hendelser": "course.completed",
        },
    )
    (endpoint,) = _endpoints(engine)
    base = f"/admin/webhooks/{endpoint.id}"
    off = client.post(f"{base}/av", data={"csrf_token": token})
    assert "Mottakeren er slått av" in off.text
    assert _endpoints(engine)[0].is_active is False
    assert f'action="{base}/pa"' in off.text
    on = client.post(f"{base}/pa", data={"csrf_token": token})
    assert "slått på igjen" in on.text and _endpoints(engine)[0].is_active is True
    gone = client.post(f"{base}/slett", data={"csrf_token": token})
    assert "Mottakeren er slettet" in gone.text and _endpoints(engine) == []
    missing = client.post(f"{base}/slett", data={"csrf_token": token})
    assert missing.status_code == 404 and "Fant ikke webhook-mottakeren" in missing.text
    without_csrf = client.post(f"{base}/test", data={})
    assert without_csrf.status_code == 403


def test_only_administrators_get_the_page(client: TestClient, engine: Engine) -> None:
    learner = make_user(engine, role=Role.INSTRUCTOR)
    log_in(client, learner.email)
    assert client.get("/admin/webhooks").status_code == 403
