"""The webhook API: an administrator adds, changes and removes endpoints; the secret is
shown once; bad input is refused in Norwegian; every change is audited."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.app import create_app
from api.core.config import Settings
from api.data.models import AuditEvent

NEW = {"url": "https://hr.asker.kommune.no/innostudy", "events": ["certificate.issued"]}


def _create(client: TestClient, admin: dict[str, str], **changes: object) -> dict[str, object]:
    response = client.post("/api/v1/webhooks", json=NEW | changes, headers=admin)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def test_the_secret_is_shown_once_and_never_again(
    client: TestClient, admin: dict[str, str]
) -> None:
    created = _create(client, admin, description="HR-systemet")
    secret = str(created["secret"])
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert created["events"] == ["certificate.issued"]
    assert created["municipality_number"] is None and created["is_active"] is True

    shown = client.get(f"/api/v1/webhooks/{created['id']}", headers=admin)
    listed = client.get("/api/v1/webhooks", headers=admin)
    assert shown.status_code == listed.status_code == 200
    assert "secret" not in shown.json()
    assert [item["id"] for item in listed.json()] == [created["id"]]
    assert secret not in shown.text + listed.text
    assert _create(client, admin)["secret"] != secret  # a new one for each endpoint


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://hr.asker.kommune.no/hook", "må bruke https://"),
        ("ftp://hr.asker.kommune.no/hook", "begynner med https://"),
        ("hr.asker.kommune.no/hook", "begynner med https://"),
        ("https://bruker:passord@hr.asker.kommune.no/", "brukernavn eller passord"),
        ("https://hr.asker.kommune.no:99999999/", "ikke en gyldig URL"),
        ("https://hr.asker.kommune.no/#del", "etter #"),
    ],
)
def test_a_bad_address_is_refused_in_norwegian(
    client: TestClient, admin: dict[str, str], url: str, words: str
) -> None:
    response = client.post("/api/v1/webhooks", json=NEW | {"url": url}, headers=admin)
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "url"]
    assert words in error["msg"]


def test_unknown_events_and_municipalities_are_refused(
    client: TestClient, admin: dict[str, str]
) -> None:
    none = client.post("/api/v1/webhooks", json=NEW | {"events": []}, headers=admin)
    unknown = client.post(
        "/api/v1/webhooks", json=NEW | {"events": ["user.created"]}, headers=admin
    )
    place = client.post("/api/v1/webhooks", json=NEW | {"municipality": "Atlantis"}, headers=admin)
    assert none.status_code == unknown.status_code == place.status_code == 422
    assert "Velg minst én hendelse" in none.text
    assert "Ukjent hendelse: user.created" in unknown.text
    assert "Atlantis" in place.json()["detail"]


def test_plain_http_only_to_loopback_and_the_configured_hosts(
    client: TestClient, admin: dict[str, str], tmp_path: Path, engine: Engine
) -> None:
    for url in ("http://127.0.0.1:9000/hook", "http://localhost/hook", "http://[::1]/hook"):
        _create(client, admin, url=url)
    settings = Settings(
        data_dir=tmp_path, secret_key="y" * 40, webhook_http_hosts="relay.intern, hr.lokal"
    )
    with TestClient(create_app(settings, engine=engine)) as other:
        allowed = other.post(
            "/api/v1/webhooks", json=NEW | {"url": "http://relay.intern/h"}, headers=admin
        )
        refused = other.post(
            "/api/v1/webhooks", json=NEW | {"url": "http://annen.vert/h"}, headers=admin
        )
    assert allowed.status_code == 201, allowed.text
    assert refused.status_code == 422


def test_an_endpoint_is_changed_then_removed_and_each_change_audited(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    created = _create(client, admin, municipality="Asker")
    assert created["municipality_number"] == "3203"
    path = f"/api/v1/webhooks/{created['id']}"
    changed = client.patch(
        path,
        json={"events": ["certificate.revoked", "course.completed"], "is_active": False},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    # Listed in the order of the events, whatever order they were given in.
    assert changed.json()["events"] == ["course.completed", "certificate.revoked"]
    assert changed.json()["is_active"] is False
    widened = client.patch(path, json={"municipality": None}, headers=admin)
    assert widened.json()["municipality_number"] is None
    assert client.patch(path, json={"url": "http://ute.no/"}, headers=admin).status_code == 422

    assert client.delete(path, headers=admin).status_code == 204
    assert client.get(path, headers=admin).status_code == 404
    assert client.get(f"{path}/deliveries", headers=admin).json()["code"] == "webhook_not_found"
    with Session(engine) as session:
        actions = session.exec(
            select(AuditEvent.action, AuditEvent.outcome)
            .where(col(AuditEvent.target) == f"webhook:{created['id']}")
            .order_by(col(AuditEvent.id))
        ).all()
    assert [tuple(a) for a in actions] == [
        ("webhook.create", "ok"),
        ("webhook.update", "ok"),
        ("webhook.update", "ok"),
        ("webhook.update", "failed"),
        ("webhook.delete", "ok"),
    ]


def test_a_test_message_is_queued_as_a_job(client: TestClient, admin: dict[str, str]) -> None:
    created = _create(client, admin, is_active=False)
    queued = client.post(f"/api/v1/webhooks/{created['id']}/test", headers=admin)
    assert queued.status_code == 202, queued.text
    body = queued.json()
    assert body["webhook_id"].startswith("msg_")
    job = client.get(f"/api/v1/jobs/{body['job_id']}", headers=admin).json()
    assert job["kind"] == "webhook.deliver" and job["state"] == "queued"
