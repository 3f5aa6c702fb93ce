"""E-mail to people, sent by the job queue: one outbox row and one job per message.

A use case that decides a message calls ``queue`` in its own transaction: an
``email_outbox`` row that names the kind, the recipient's account id and a few ids
(never an address, a name or a secret), and an ``email.send`` job for it. The key of
the row says what the message is about ("reminder:5:2027-01-15:12"), so the same
message is never made twice, even after the finished job has been cleaned up. The
task reads the account and renders the message when it sends (``email_render``), hands
it to the SMTP server, and then marks the row sent; a try that finds it sent stops.

Links in messages carry secrets derived from the installation's secret key, so the
queue holds none: the password link's code is an HMAC of the message key (its SHA-256
is what ``password_setup_token`` stores), the unsubscribe token an HMAC of the account id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from api.core.config import Settings
from api.data import sql
from api.data.models import JobState, OutgoingEmail, utcnow
from api.data.sql import Statements
from api.services import jobs
from certificates.codes import ALPHABET

SEND = "email.send"
COMPLETION_NOTICES = "email.completion_notices"
COMPLETION_NOTICES_ATTEMPTS = 5  # registered with this in ``email_delivery``
INVITATION = "invitation"
PASSWORD_RESET = "password_reset"
REMINDER = "reminder"
COMPLETION_NOTICE = "completion_notice"
CERTIFICATE_REVOKED = "certificate_revoked"
CERTIFICATE_REISSUED = "certificate_reissued"
PROJECT_INVITATION = "project_invitation"
WORKBOOK_REVIEWED = "workbook_reviewed"
WORKBOOK_SUBMITTED = "workbook_submitted"
KINDS = (
    INVITATION,
    PASSWORD_RESET,
    REMINDER,
    COMPLETION_NOTICE,
    CERTIFICATE_REVOKED,
    CERTIFICATE_REISSUED,
    PROJECT_INVITATION,
    WORKBOOK_REVIEWED,
    WORKBOOK_SUBMITTED,
)


def queue(
    *,
    session: Session,
    kind: str,
    user_id: int,
    key: str,
    params: Mapping[str, Any] | None = None,
) -> OutgoingEmail | None:
    """The message and its send job, in the caller's transaction; None if ``key`` was
    used before (the message exists already: it is not made again)."""
    if kind not in KINDS:
        raise ValueError(f"unknown e-mail kind {kind!r}")
    # The send task is registered there (it imports this module); every door may queue.
    from api.services import email_delivery  # noqa: F401

    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(OutgoingEmail)
    message = session.scalars(
        statement.values(
            key=key,
            kind=kind,
            user_id=user_id,
            params=json.dumps(dict(params or {}), sort_keys=True),
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutgoingEmail)
    ).one_or_none()
    if message is None:
        return None
    jobs.enqueue(
        session=session,
        kind=SEND,
        payload={"message_id": message.id},
        idempotency_key=f"email:{key}",
    )
    return message


def course_completed(db: Statements, *, user_id: int) -> None:
    """In the completion's own transaction (``progress_writes``, plain SQL): the job that
    sends the leaders' notices, if any leader has asked for them."""
    if db.one(sql.ANY_COMPLETION_NOTICES_SQL, {}) is None:
        return
    db.run(
        sql.NEW_JOB_SQL,
        {
            "kind": COMPLETION_NOTICES,
            "queue": "default",
            "priority": 0,
            "payload": json.dumps({"learner_id": user_id}),
            "idempotency_key": f"email:completion:{user_id}",
            "state": JobState.QUEUED.value,
            "max_attempts": COMPLETION_NOTICES_ATTEMPTS,
            "now": db.timestamp(utcnow()),
        },
    )


def already_queued(*, session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):  # bounded parameter lists, however many learners
        chunk = keys[start : start + 500]
        rows = session.execute(
            select(col(OutgoingEmail.key)).where(col(OutgoingEmail.key).in_(chunk))
        )
        found.update(rows.scalars())
    return found


# A reminder's row says it was sent for its deadline until the deadline has passed; it is
# made at most ``reminder_days_before`` (365 at most) days before it.
_REMINDER_KEEP = timedelta(days=366)


def prune(*, session: Session, keep: timedelta) -> int:
    """Remove outbox rows older than ``keep`` (reminders: once they can no longer matter)."""
    now = utcnow()
    reminder = col(OutgoingEmail.kind) == REMINDER
    done = session.execute(
        delete(OutgoingEmail).where(
            or_(
                and_(~reminder, col(OutgoingEmail.created_at) < now - keep),
                and_(reminder, col(OutgoingEmail.created_at) < now - max(keep, _REMINDER_KEEP)),
            )
        )
    )
    return int(getattr(done, "rowcount", 0))


def mark_sent(session: Session, message_id: int) -> bool:
    """Record the message as sent; False if another try had recorded it already."""
    done = session.execute(
        update(OutgoingEmail)
        .where(col(OutgoingEmail.id) == message_id, col(OutgoingEmail.sent_at).is_(None))
        .values(sent_at=utcnow())
    )
    return int(getattr(done, "rowcount", 0)) == 1


def _mac(settings: Settings, purpose: str, value: str) -> bytes:
    key = settings.effective_secret_key.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()


def setup_code(settings: Settings, message_key: str) -> str:
    """The password code of the message with this key, as ``setup_codes`` writes codes."""
    digest = _mac(settings, "email-setup-code", message_key)
    raw = "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:16])  # 32 letters: no bias
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def unsubscribe_token(settings: Settings, user_id: int) -> str:
    """A token that turns off the account's deadline reminders without logging in."""
    return f"{user_id}.{_mac(settings, 'unsubscribe-reminders', str(user_id)).hex()[:32]}"


def unsubscribe_user(settings: Settings, token: str) -> int | None:
    """The account an unsubscribe token was made for, or None for a token that is not one."""
    if len(token) > 100:
        return None
    number, _, signature = token.partition(".")
    if not number.isdigit() or len(number) > 12 or not signature:
        return None
    expected = unsubscribe_token(settings, int(number))
    return int(number) if hmac.compare_digest(expected, token) else None


def keyed_hash(settings: Settings, purpose: str, value: str) -> str:
    return _mac(settings, purpose, value).hex()
