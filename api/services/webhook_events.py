"""The events that signed webhooks are sent for, enqueued with the change that causes them.

A change that is an event (a course completed, a certificate issued, revoked or
reissued) calls ``emit`` (or ``emit_plain`` on the hot path's plain SQL) in its own
transaction: one delivery job per active endpoint that subscribes to the event
and whose municipality scope (if any) is the learner's. The job carries the
message's ``webhook-id``, so every try of it sends the same id, and an
idempotency key per endpoint and event, so the same event never gives two jobs.

What a message holds is decided here and in ``webhook_delivery.message``: ids, not
names or e-mail addresses (see the notes on personal data there).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from api.data import sql
from api.data.models import Certificate, Job, JobState, User, WebhookEndpoint, utcnow
from api.data.sql import Statements
from api.services import jobs
from api.services.webhook_delivery import WEBHOOK_DELIVER

COURSE_COMPLETED = "course.completed"
CERTIFICATE_ISSUED = "certificate.issued"
CERTIFICATE_REVOKED = "certificate.revoked"
CERTIFICATE_REISSUED = "certificate.reissued"
TEST = "webhook.test"  # sent only when an administrator asks; nobody subscribes to it
EVENTS = (COURSE_COMPLETED, CERTIFICATE_ISSUED, CERTIFICATE_REVOKED, CERTIFICATE_REISSUED)


@dataclass(frozen=True)
class Event:
    """Something that happened to a learner, as webhooks tell it."""

    type: str
    subject: str  # what it happened to, for the idempotency key: "user:12", "certificate:…"
    user_id: int | None
    municipality_number: str | None
    data: Mapping[str, Any] = field(default_factory=dict)
    occurred_at: datetime = field(default_factory=utcnow)


def new_webhook_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def wants(events: str, scope: str | None, event: Event) -> bool:
    """Whether an endpoint subscribed to ``events`` (and scoped to ``scope``) gets ``event``."""
    return event.type in events.split() and (scope is None or scope == event.municipality_number)


def delivery_payload(endpoint_id: int, event: Event, webhook_id: str) -> dict[str, Any]:
    """The delivery job's payload: the task's keyword arguments."""
    return {
        "endpoint_id": endpoint_id,
        "webhook_id": webhook_id,
        "event_type": event.type,
        "user_id": event.user_id,
        "municipality_number": event.municipality_number,
        "data": dict(event.data),
        "occurred_at": event.occurred_at.isoformat(),
    }


def idempotency_key(endpoint_id: int, event: Event) -> str:
    return f"webhook:{endpoint_id}:{event.type}:{event.subject}"


def emit(*, session: Session, event: Event) -> list[Job]:
    """Enqueue ``event``'s deliveries in the caller's transaction; returns their jobs."""
    endpoints = session.exec(
        select(WebhookEndpoint)
        .where(col(WebhookEndpoint.is_active))
        .order_by(col(WebhookEndpoint.id))
    ).all()
    return [
        jobs.enqueue(
            session=session,
            kind=WEBHOOK_DELIVER,
            payload=delivery_payload(endpoint.id, event, new_webhook_id()),
            idempotency_key=idempotency_key(endpoint.id, event),
        )
        for endpoint in endpoints
        if endpoint.id is not None and wants(endpoint.events, endpoint.municipality_number, event)
    ]


def emit_plain(db: Statements, event: Event) -> int:
    """``emit`` for plain SQL in the hot path's transaction; returns the jobs enqueued.

    The workers find these jobs at their next poll (the session's after-commit
    wake-up does not see a plain-SQL commit).
    """
    task = jobs.REGISTRY.get(WEBHOOK_DELIVER)
    now = db.timestamp(utcnow())
    count = 0
    for endpoint_id, events, scope in db.all(sql.WEBHOOK_TARGETS_SQL, {}):
        if not wants(events, scope, event):
            continue
        payload = delivery_payload(int(endpoint_id), event, new_webhook_id())
        db.run(
            sql.NEW_JOB_SQL,
            {
                "kind": WEBHOOK_DELIVER,
                "queue": task.queue,
                "priority": task.priority,
                "payload": json.dumps(payload, ensure_ascii=False, sort_keys=True),
                "idempotency_key": idempotency_key(int(endpoint_id), event),
                "state": JobState.QUEUED.value,
                "max_attempts": task.max_attempts,
                "now": now,
            },
        )
        count += 1
    return count


# -- the events -----------------------------------------------------------------------------


def course_completed(db: Statements, *, user_id: int) -> int:
    """The learner has completed every required module (``progress_writes``)."""
    found = db.one(sql.LEARNER_MUNICIPALITY_SQL, {"user_id": user_id})
    event = Event(
        type=COURSE_COMPLETED,
        subject=f"user:{user_id}",
        user_id=user_id,
        municipality_number=found[0] if found else None,
        data={"completed_at": utcnow().isoformat()},
    )
    return emit_plain(db, event)


def _certificate(certificate: Certificate) -> dict[str, Any]:
    return {
        "code": certificate.code,
        "course": {"slug": certificate.course_slug, "version": certificate.course_version},
        "completed_at": certificate.completed_at.isoformat(),
        "issued_at": certificate.issued_at.isoformat(),
    }


def _certificate_event(kind: str, certificate: Certificate, holder: User | None) -> Event:
    data = _certificate(certificate)
    if certificate.revoked_at is not None:
        data["revoked_at"] = certificate.revoked_at.isoformat()
    return Event(
        type=kind,
        subject=f"certificate:{certificate.code}",
        user_id=certificate.user_id,
        municipality_number=holder.municipality_number if holder else None,
        data={"certificate": data},
    )


def certificate_issued(*, session: Session, certificate: Certificate, holder: User) -> None:
    emit(session=session, event=_certificate_event(CERTIFICATE_ISSUED, certificate, holder))


def certificate_revoked(*, session: Session, certificate: Certificate) -> None:
    holder = session.get(User, certificate.user_id)
    emit(session=session, event=_certificate_event(CERTIFICATE_REVOKED, certificate, holder))


def certificate_reissued(
    *, session: Session, certificate: Certificate, replaces: Certificate, holder: User
) -> None:
    event = _certificate_event(CERTIFICATE_REISSUED, certificate, holder)
    event.data["certificate"]["replaces"] = replaces.code
    emit(session=session, event=event)


def trial_event(*, endpoint: WebhookEndpoint) -> Event:
    """A message that says only that it is a test (the "send test event" button)."""
    return Event(
        type=TEST,
        subject=f"test:{uuid.uuid4().hex}",
        user_id=None,
        municipality_number=endpoint.municipality_number,
        data={"message": "Testmelding fra innostudy"},
    )
