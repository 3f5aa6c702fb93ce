"""Sending the kept xAPI statements to the learning record store (the ``xapi.deliver`` job).

The store is configured by the operator (``INNOSTUDY_XAPI_ENDPOINT``, ``_KEY``,
``_SECRET``). A worker enqueues the job whenever statements wait and no delivery is
queued or running (``jobs.Task.pending``); the job sends them oldest first, in
batches, and marks each batch sent once the store has answered. While the store is
down, the job fails and is tried again later (the queue's backoff), and the
statements wait in ``xapi_outbox``: nothing is lost.

A batch is sent exactly as it was stored, ids included, so a batch sent again (the
store took it but its answer was lost) is the same statements. A store that answers
409 to a batch already has some of them: each is then sent on its own with
``PUT ?statementId=``, which an LRS answers with 204 for a statement it has
(or 409 when its copy differs; then the store's copy stands).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from api.core.config import Settings
from api.data.models import Job, XapiOutbox, utcnow
from api.services.xapi_statements import VERSION, encode

DELIVER = "xapi.deliver"  # the job kind (``api.services.job_tasks``)
_ERROR_BODY_CHARS = 500


class LrsError(RuntimeError):
    """The learning record store refused a request or could not be reached."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: urllib would follow a POST's 302 as a GET without the body,
    and its 200 would mark statements sent that the store never got."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


@dataclass(frozen=True, slots=True)
class Lrs:
    statements_url: str
    authorization: str
    timeout: float

    @classmethod
    def of(cls, settings: Settings) -> Lrs | None:
        if settings.xapi_endpoint is None or settings.xapi_secret is None:
            return None
        pair = f"{settings.xapi_key}:{settings.xapi_secret.get_secret_value()}"
        return cls(
            statements_url=f"{settings.xapi_endpoint}statements",
            authorization="Basic " + base64.b64encode(pair.encode()).decode("ascii"),
            timeout=settings.xapi_timeout_seconds,
        )

    def _request(self, method: str, url: str, body: bytes) -> int:
        request = urllib.request.Request(  # noqa: S310 (an http(s) URL, checked in Settings)
            url,
            data=body,
            method=method,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Experience-API-Version": VERSION,
                "Authorization": self.authorization,
            },
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            if error.code == 409:
                return 409
            text = error.read()[:_ERROR_BODY_CHARS].decode("utf-8", "replace")
            raise LrsError(f"{method} {url}: {error.code} {error.reason}: {text}") from None
        except (urllib.error.URLError, OSError) as error:
            raise LrsError(f"{method} {url}: {error}") from None

    def send(self, batch: Sequence[Pending]) -> int:
        """Send the events' statements as one batch; returns how many the store had in
        another form (409 to a statement sent on its own)."""
        # Each event's JSON array as stored, joined into one: nothing is encoded again.
        body = ("[" + ",".join(event.statements[1:-1] for event in batch) + "]").encode()
        if self._request("POST", self.statements_url, body) != 409:
            return 0
        conflicts = 0
        for event in batch:
            for statement in json.loads(event.statements):
                url = f"{self.statements_url}?statementId={quote(statement['id'])}"
                if self._request("PUT", url, encode(statement).encode()) == 409:
                    conflicts += 1
        return conflicts


@dataclass(frozen=True, slots=True)
class Pending:
    """A learning event's statements that the store does not have yet."""

    id: int
    statements: str  # a JSON array
    count: int


def has_unsent(connection: Connection, settings: Settings) -> bool:
    """Whether a store is configured and statements wait for it (the worker's check)."""
    if settings.xapi_endpoint is None:
        return False
    found = connection.execute(
        select(col(XapiOutbox.id)).where(col(XapiOutbox.sent_at).is_(None)).limit(1)
    ).first()
    return found is not None


def unsent(connection: Connection, *, limit: int) -> list[Pending]:
    """The oldest events not yet sent, with about ``limit`` statements (at least one event)."""
    rows = connection.execute(
        select(col(XapiOutbox.id), col(XapiOutbox.statements), col(XapiOutbox.statement_count))
        .where(col(XapiOutbox.sent_at).is_(None))
        .order_by(col(XapiOutbox.id))
        .limit(limit)
    )
    batch: list[Pending] = []
    total = 0
    for row in rows:
        if batch and total + row.statement_count > limit:
            break
        batch.append(Pending(row.id, row.statements, row.statement_count))
        total += row.statement_count
    return batch


def mark_sent(connection: Connection, batch: Sequence[Pending]) -> None:
    connection.execute(
        update(XapiOutbox)
        .where(col(XapiOutbox.id).in_([event.id for event in batch]))
        .where(col(XapiOutbox.sent_at).is_(None))
        .values(sent_at=utcnow())
    )


@dataclass(frozen=True, slots=True)
class LrsStatus:
    """How delivery to the learning record store stands (never its secret)."""

    configured: bool
    endpoint: str | None
    key: str | None
    waiting_events: int
    waiting_statements: int
    sent_statements: int
    last_delivery: Job | None


def status(*, session: Session, settings: Settings) -> LrsStatus:
    """The store's configuration without the secret, what waits, and the latest delivery."""
    counts = {
        sent: (events, statements or 0)
        for sent, events, statements in session.execute(
            select(
                col(XapiOutbox.sent_at).is_not(None),
                func.count(),
                func.sum(col(XapiOutbox.statement_count)),
            ).group_by(col(XapiOutbox.sent_at).is_not(None))
        )
    }
    waiting = counts.get(False, (0, 0))
    last = session.execute(
        select(Job).where(col(Job.kind) == DELIVER).order_by(col(Job.id).desc()).limit(1)
    ).scalar_one_or_none()
    return LrsStatus(
        configured=settings.xapi_endpoint is not None,
        endpoint=settings.xapi_endpoint,
        key=settings.xapi_key,
        waiting_events=waiting[0],
        waiting_statements=int(waiting[1]),
        sent_statements=int(counts.get(True, (0, 0))[1]),
        last_delivery=last,
    )
