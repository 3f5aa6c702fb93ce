"""Sending one webhook message: the Standard Webhooks signature, the HTTP request, the log.

A delivery is a job (``webhook.deliver``, enqueued by ``api.services.webhook_events``).
Each try POSTs the same body with the same ``webhook-id``, a fresh
``webhook-timestamp`` and ``webhook-signature`` (``v1,`` and the base64 HMAC-SHA256
of ``id.timestamp.body`` under the endpoint's secret, made by the
``standardwebhooks`` library), and writes one row to the delivery log. A 2xx answer
ends the job; any other answer, a timeout or a refused connection fails the try,
so the queue tries again later with its backoff. 410 Gone switches the endpoint
off, as the specification suggests, and is not retried. Redirects are not followed.

Personal data: a message names the learner by an opaque id (an HMAC of the account
id under the installation's secret key: stable, so a receiver can link a learner's
completion to their certificate, but meaningless outside), their municipality
number, and certificate codes with their public verification URL. Never a name or
an e-mail address: whoever holds a code can see the name on the verification page
anyway, as anyone shown the certificate can.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, update
from sqlmodel import col

from api.core.config import Settings
from api.core.db import transaction
from api.data.models import WebhookDelivery, WebhookEndpoint, utcnow
from api.services import content, webhook_secrets
from api.services.jobs import REGISTRY
from api.services.worker import JobContext, writing

if TYPE_CHECKING:
    import httpx

WEBHOOK_DELIVER = "webhook.deliver"
USER_AGENT = "innostudy-webhooks/1"
_ERROR_CHARS = 500


class DeliveryFailed(Exception):
    """The receiver did not take the message (the job tries again)."""


@dataclass(frozen=True)
class Sent:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def learner_ref(settings: Settings, user_id: int) -> str:
    """The opaque id a learner has in webhook messages."""
    key = settings.effective_secret_key.encode()
    digest = hmac.new(key, f"webhook-learner:{user_id}".encode(), hashlib.sha256).hexdigest()
    return f"lrn_{digest[:32]}"


def message(
    settings: Settings,
    *,
    event_type: str,
    user_id: int | None,
    municipality_number: str | None,
    data: dict[str, Any],
    occurred_at: str,
) -> bytes:
    """The body of a message: Standard Webhooks' ``type``, ``timestamp`` and ``data``."""
    body = dict(data)
    if user_id is not None:
        body["learner"] = {"id": learner_ref(settings, user_id)}
        body["municipality_number"] = municipality_number
    certificate = body.get("certificate")
    if isinstance(certificate, dict) and "code" in certificate:
        body["certificate"] = {
            **certificate,
            "verify_url": f"{settings.base_url}/verify/{certificate['code']}",
        }
    if event_type == "course.completed":
        info = content.course_info(settings.content_dir)
        body["course"] = {"slug": info.slug, "version": info.version}
    envelope = {"type": event_type, "timestamp": occurred_at, "data": body}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def signed_headers(
    *, secrets: list[str], webhook_id: str, body: bytes, at: datetime
) -> dict[str, str]:
    """The Standard Webhooks headers, with one signature per secret (space-separated)."""
    from standardwebhooks import Webhook  # on first use, as httpx in ``send``

    signatures = " ".join(Webhook(secret).sign(webhook_id, at, body) for secret in secrets)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def send(*, url: str, headers: dict[str, str], body: bytes, timeout: float) -> Sent:
    """POST ``body`` once; never raises for what the receiver or the network does.

    The answer's body is not read, except the start of an error's (for the log): a
    receiver cannot hold the worker by sending a long one.
    """
    import httpx  # on first use: it costs every server process about 18 MB

    started = time.perf_counter()
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream("POST", url, content=body, headers=headers) as response,
        ):
            status = response.status_code
            error = None
            if not 200 <= status < 300:
                error = f"HTTP {status}: {_start_of(response)}".strip()
    except httpx.TimeoutException:
        return Sent(None, f"Fikk ikke svar innen {timeout:g} sekunder.", _elapsed(started))
    except httpx.HTTPError as exc:
        return Sent(None, f"Kunne ikke koble til: {exc}"[:_ERROR_CHARS], _elapsed(started))
    return Sent(status, error, _elapsed(started))


def _start_of(response: httpx.Response, limit: int = 300) -> str:
    start = b""
    for chunk in response.iter_bytes():
        start += chunk
        if len(start) >= limit:
            break
    return start[:limit].decode("utf-8", errors="replace")


def _elapsed(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


@REGISTRY.task(WEBHOOK_DELIVER, max_attempts=10)
def deliver(
    ctx: JobContext,
    *,
    endpoint_id: int,
    webhook_id: str,
    event_type: str,
    user_id: int | None,
    data: dict[str, Any],
    occurred_at: str,
    municipality_number: str | None = None,
) -> dict[str, Any]:
    """Send one message to one endpoint; fails (to be tried again) unless it answers 2xx."""
    with transaction(ctx.engine) as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None:
            return {"skipped": "endpoint_deleted"}
        if not endpoint.is_active and event_type != "webhook.test":
            return {"skipped": "endpoint_inactive"}
        url, sealed = endpoint.url, [endpoint.secret]
        until = endpoint.previous_secret_expires_at
        if endpoint.previous_secret is not None and until is not None and until > utcnow():
            sealed.append(endpoint.previous_secret)  # a rotation's overlap
    body = message(
        ctx.settings,
        event_type=event_type,
        user_id=user_id,
        municipality_number=municipality_number,
        data=data,
        occurred_at=occurred_at,
    )
    ctx.check_cancelled()  # an administrator stopped the job while it waited for its turn
    at = utcnow()
    try:
        secrets = [webhook_secrets.unseal(ctx.settings, each) for each in sealed]
    except webhook_secrets.SecretUnreadable:
        sent = Sent(None, webhook_secrets.UNREADABLE, 0)
    else:
        headers = signed_headers(secrets=secrets, webhook_id=webhook_id, body=body, at=at)
        timeout = ctx.settings.webhook_timeout_seconds
        sent = send(url=url, headers=headers, body=body, timeout=timeout)
    with writing(ctx.engine) as connection:
        connection.execute(
            insert(WebhookDelivery).values(
                endpoint_id=endpoint_id,
                event_type=event_type,
                webhook_id=webhook_id,
                job_id=ctx.job_id,
                attempt=ctx.attempt,
                status_code=sent.status_code,
                error=None if sent.error is None else sent.error[:_ERROR_CHARS],
                attempted_at=at,
                duration_ms=sent.duration_ms,
            )
        )
        if sent.status_code == 410:  # Gone: the receiver asks never to be sent anything again
            connection.execute(
                update(WebhookEndpoint)
                .where(col(WebhookEndpoint.id) == endpoint_id)
                .values(is_active=False)
            )
    if sent.status_code == 410:
        return {"status_code": 410, "endpoint_disabled": True}
    if not sent.ok:
        raise DeliveryFailed(sent.error or "Mottakeren tok ikke imot meldingen.")
    return {"status_code": sent.status_code, "webhook_id": webhook_id}
