"""Signed webhooks, as an administrator configures them: endpoints, their log, a test message.

An endpoint is a URL (https, unless its host is loopback or named in
``INNOSTUDY_WEBHOOK_HTTP_HOSTS``), the events it subscribes to, an optional
municipality (then it gets only events about that municipality's learners), and
an active flag. Its signing secret is generated here (``whsec_`` and 32 random
bytes in base64, as Standard Webhooks has it), returned once by ``create_endpoint``
and never again; it is stored sealed (``webhook_secrets``). Every change is audited
(without the URL, whose query may hold a receiver's token). What is sent, and when, is
``webhook_events`` and ``webhook_delivery``.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import delete
from sqlmodel import Session, col, select

from api.core.config import Settings
from api.core.errors import UnprocessableError, WebhookNotFound
from api.data.models import Job, User, WebhookDelivery, WebhookEndpoint, utcnow
from api.services import audit, jobs, user_municipality, webhook_events, webhook_secrets
from api.services.webhook_delivery import WEBHOOK_DELIVER

EventType = Annotated[str, Field(examples=[webhook_events.CERTIFICATE_ISSUED], max_length=60)]
_EVENTS_PROBLEM = "Velg minst én hendelse: " + ", ".join(webhook_events.EVENTS) + "."
_LOOPBACK_NAMES = {"localhost"}


def _known_events(value: list[str]) -> list[str]:
    unknown = [event for event in value if event not in webhook_events.EVENTS]
    if unknown:
        raise ValueError(
            f"Ukjent hendelse: {', '.join(unknown)}. Velg blant "
            + ", ".join(webhook_events.EVENTS)
            + "."
        )
    if not value:
        raise ValueError(_EVENTS_PROBLEM)
    return sorted(set(value), key=webhook_events.EVENTS.index)


class WebhookCreate(BaseModel):
    """A new endpoint. ``municipality``: a number or name; leave out for every municipality."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000, examples=["https://hr.kommune.no/innostudy"])
    events: list[EventType] = Field(max_length=10, examples=[list(webhook_events.EVENTS)])
    municipality: str | None = Field(default=None, max_length=100, examples=["3201"])
    description: str = Field(default="", max_length=200, examples=["HR-systemet"])
    is_active: bool = True

    _events = field_validator("events")(_known_events)


class WebhookUpdate(BaseModel):
    """Changed fields only; ``municipality: null`` (or "") widens the endpoint to every
    municipality."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=1, max_length=2000)
    events: list[EventType] | None = Field(default=None, max_length=10)
    municipality: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=200)
    is_active: bool | None = None

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _known_events(value)


@dataclass(frozen=True)
class CreatedEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown this once


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _http_allowed(host: str, settings: Settings) -> bool:
    allowed = {name.strip().lower() for name in settings.webhook_http_hosts.split(",")}
    if host in _LOOPBACK_NAMES or host in allowed - {""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url: str, settings: Settings) -> str | None:
    """What is wrong with ``url`` as an endpoint, in Norwegian; None if nothing."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (raises for a port that is not a number)
    except ValueError:
        return "Adressen er ikke en gyldig URL."
    if parts.scheme not in ("https", "http") or not host:
        return "Adressen må være en fullstendig URL som begynner med https://."
    if parts.username is not None or parts.password is not None:
        return "Adressen kan ikke inneholde brukernavn eller passord."
    if parts.fragment:
        return "Adressen kan ikke ha en del etter #."
    if parts.scheme == "http" and not _http_allowed(host, settings):
        return (
            "Adressen må bruke https://. Vanlig http er bare tillatt til denne maskinen "
            "og til vertene i INNOSTUDY_WEBHOOK_HTTP_HOSTS."
        )
    return None


def _checked_url(url: str, settings: Settings) -> str:
    problem = url_problem(url, settings)
    if problem is not None:
        raise UnprocessableError([{"loc": ["body", "url"], "msg": problem}])
    return url.strip()


def _municipality_number(session: Session, given: str | None) -> str | None:
    if given is None or not given.strip():
        return None
    return user_municipality.find(session=session, given=given).number


def target(endpoint_id: int | None) -> str:
    return f"webhook:{endpoint_id}"


def create_endpoint(
    *, session: Session, admin: User | None, data: WebhookCreate, settings: Settings
) -> CreatedEndpoint:
    """A new endpoint with a new secret (returned here, and never again)."""
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=_checked_url(data.url, settings),
        description=data.description.strip(),
        secret=webhook_secrets.seal(settings, secret),
        events=" ".join(data.events),
        municipality_number=_municipality_number(session, data.municipality),
        is_active=data.is_active,
        created_by=None if admin is None else admin.id,
        created_at=utcnow(),
    )
    session.add(endpoint)
    session.flush()
    audit.record(
        session=session,
        actor=admin,
        action=audit.Action.WEBHOOK_CREATE,
        target=target(endpoint.id),
        details={
            "events": data.events,
            "municipality": endpoint.municipality_number,
            "active": endpoint.is_active,
        },
    )
    return CreatedEndpoint(endpoint, secret)


# How long the old secret still signs after a rotation (beside the new one).
ROTATION_OVERLAP = timedelta(hours=24)


def rotate_secret(
    *, session: Session, admin: User | None, endpoint_id: int, settings: Settings
) -> CreatedEndpoint:
    """A new secret (returned here, and never again); the old one signs too for 24 hours."""
    endpoint = get_endpoint(session=session, endpoint_id=endpoint_id)
    secret = new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = utcnow() + ROTATION_OVERLAP
    endpoint.secret = webhook_secrets.seal(settings, secret)
    session.flush()
    audit.record(
        session=session,
        actor=admin,
        action=audit.Action.WEBHOOK_ROTATE_SECRET,
        target=target(endpoint.id),
    )
    return CreatedEndpoint(endpoint, secret)


def list_endpoints(*, session: Session) -> list[WebhookEndpoint]:
    return list(session.exec(select(WebhookEndpoint).order_by(col(WebhookEndpoint.id))).all())


def get_endpoint(*, session: Session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise WebhookNotFound()
    return endpoint


def update_endpoint(
    *,
    session: Session,
    admin: User | None,
    endpoint_id: int,
    data: WebhookUpdate,
    settings: Settings,
) -> WebhookEndpoint:
    """Change the fields given (the secret stays)."""
    endpoint = get_endpoint(session=session, endpoint_id=endpoint_id)
    given = data.model_fields_set
    if "url" in given and data.url is not None:
        endpoint.url = _checked_url(data.url, settings)
    if "events" in given and data.events is not None:
        endpoint.events = " ".join(data.events)
    if "municipality" in given:
        endpoint.municipality_number = _municipality_number(session, data.municipality)
    if "description" in given and data.description is not None:
        endpoint.description = data.description.strip()
    if "is_active" in given and data.is_active is not None:
        endpoint.is_active = data.is_active
    session.flush()
    audit.record(
        session=session,
        actor=admin,
        action=audit.Action.WEBHOOK_UPDATE,
        target=target(endpoint.id),
        details={"fields": sorted(given)},
    )
    return endpoint


def delete_endpoint(*, session: Session, admin: User | None, endpoint_id: int) -> None:
    """Remove the endpoint and its log; messages still queued for it are not sent."""
    endpoint = get_endpoint(session=session, endpoint_id=endpoint_id)
    session.execute(delete(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == endpoint_id))
    session.delete(endpoint)
    session.flush()
    audit.record(
        session=session, actor=admin, action=audit.Action.WEBHOOK_DELETE, target=target(endpoint_id)
    )


def deliveries(
    *,
    session: Session,
    endpoint_id: int | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[WebhookDelivery]:
    """The newest tries first, of one endpoint (which must exist) or of all."""
    query = select(WebhookDelivery).order_by(col(WebhookDelivery.id).desc()).limit(limit)
    if endpoint_id is not None:
        get_endpoint(session=session, endpoint_id=endpoint_id)
        query = query.where(col(WebhookDelivery.endpoint_id) == endpoint_id)
    if before_id is not None:
        query = query.where(col(WebhookDelivery.id) < before_id)
    return list(session.exec(query).all())


def prune_deliveries(*, session: Session, keep: timedelta, now: datetime | None = None) -> int:
    """Delete the log's tries older than ``keep`` (the nightly clean-up); returns how many."""
    cutoff = (now or utcnow()) - keep
    result: Any = session.execute(  # a CursorResult, with the rows it deleted
        delete(WebhookDelivery).where(col(WebhookDelivery.attempted_at) < cutoff)
    )
    return int(result.rowcount)


@dataclass(frozen=True)
class TestQueued:
    job: Job
    webhook_id: str


def send_test(*, session: Session, admin: User | None, endpoint_id: int) -> TestQueued:
    """Queue a test message to the endpoint (sent even while it is switched off)."""
    endpoint = get_endpoint(session=session, endpoint_id=endpoint_id)
    assert endpoint.id is not None
    event = webhook_events.trial_event(endpoint=endpoint)
    webhook_id = webhook_events.new_webhook_id()
    job = jobs.enqueue(
        session=session,
        kind=WEBHOOK_DELIVER,
        payload=webhook_events.delivery_payload(endpoint.id, event, webhook_id),
        created_by=None if admin is None else admin.id,
    )
    audit.record(
        session=session,
        actor=admin,
        action=audit.Action.WEBHOOK_TEST,
        target=target(endpoint.id),
        details={"webhook_id": webhook_id},
    )
    return TestQueued(job, webhook_id)
