"""The e-mail jobs: sending one message, the leaders' completion notices, the daily reminders.

``email.send`` renders the outbox row's message from the account as it is now, hands
it to the SMTP server and marks the row sent. The mark comes right after the server
has taken the message, in a short transaction of its own; a try that finds the row
marked stops, so a message is sent once even when a job runs twice (the queue delivers
at least once). A temporary refusal (451, a lost connection) fails the try and the
queue tries again with its backoff; a permanent one (5xx) ends the job without retrying.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from api.core.db import transaction
from api.data.models import EmailPreference, OrgUnit, OutgoingEmail, Role, RoleAssignment, User
from api.services import deadlines, email_render, mailer
from api.services import email_outbox as outbox
from api.services.jobs import REGISTRY
from api.services.worker import OSLO, JobContext

SEND = outbox.SEND
COMPLETION_NOTICES = outbox.COMPLETION_NOTICES
REMINDERS = "email.deadline_reminders"


@REGISTRY.task(outbox.SEND, max_attempts=10)
def send_email(ctx: JobContext, *, message_id: int) -> dict[str, Any]:
    """Send one message of the outbox, unless it has been sent or its reason has gone."""
    smtp = mailer.Smtp.of(ctx.settings)
    if smtp is None:
        return {"sent": False, "reason": "smtp_not_configured"}
    with transaction(ctx.engine) as session:
        message = session.get(OutgoingEmail, message_id)
        if message is None:
            return {"sent": False, "reason": "gone"}
        if message.sent_at is not None:
            return {"sent": False, "reason": "already_sent"}
        rendered = email_render.render(session=session, settings=ctx.settings, message=message)
    if isinstance(rendered, email_render.Skipped):
        return {"sent": False, "reason": rendered.reason}
    ctx.check_cancelled()
    try:
        mailer.send(smtp, mailer.build(smtp, rendered))
    except mailer.PermanentlyRefused as exc:
        return {"sent": False, "reason": "refused", "detail": str(exc)}
    with transaction(ctx.engine, write=True) as session:
        outbox.mark_sent(session, message_id)
    return {"sent": True, "kind": message.kind}


def _leaders_of(session: Session, learner: User) -> list[int]:
    """The leaders who asked for notices and whose scope holds the learner."""
    unit = session.get(OrgUnit, learner.unit_id) if learner.unit_id is not None else None
    rows = session.exec(
        select(RoleAssignment.user_id, RoleAssignment.municipality_number, OrgUnit.path)
        .join(EmailPreference, col(EmailPreference.user_id) == RoleAssignment.user_id)
        .outerjoin(OrgUnit, col(OrgUnit.id) == RoleAssignment.unit_id)
        .where(
            col(RoleAssignment.role) == Role.LEADER,
            col(EmailPreference.unit_completion_notices),
        )
    ).all()
    found = {
        user_id
        for user_id, municipality, path in rows
        if (municipality is not None and municipality == learner.municipality_number)
        or (path is not None and unit is not None and unit.path.startswith(path))
    }
    return sorted(found - {learner.id})


@REGISTRY.task(COMPLETION_NOTICES, max_attempts=outbox.COMPLETION_NOTICES_ATTEMPTS)
def queue_completion_notices(ctx: JobContext, *, learner_id: int) -> dict[str, Any]:
    """A learner has completed (enqueued with the completion): one notice per leader who
    asked for them and whose units hold the learner."""
    if mailer.Smtp.of(ctx.settings) is None:
        return {"queued": 0, "reason": "smtp_not_configured"}
    with transaction(ctx.engine, write=True) as session:
        learner = session.get(User, learner_id)
        if learner is None or learner.erased_at is not None:
            return {"queued": 0}
        queued = [
            outbox.queue(
                session=session,
                kind=outbox.COMPLETION_NOTICE,
                user_id=leader_id,
                key=f"completion:{leader_id}:{learner_id}",
                params={"learner_id": learner_id},
            )
            for leader_id in _leaders_of(session, learner)
        ]
    return {"queued": sum(1 for message in queued if message is not None)}


@REGISTRY.task(REMINDERS, max_attempts=3)
def queue_deadline_reminders(ctx: JobContext, *, today: str | None = None) -> dict[str, Any]:
    """The daily reminders: each learner who has not completed, once per deadline, from
    ``reminder_days_before`` days before it until the day itself."""
    if mailer.Smtp.of(ctx.settings) is None:
        return {"queued": 0, "reason": "smtp_not_configured"}
    day = datetime.fromisoformat(today).date() if today else datetime.now(OSLO).date()
    queued = 0
    with transaction(ctx.engine, write=True) as session:
        for deadline, user_ids in deadlines.reminders_due(
            session=session, today=day, days_before=ctx.settings.reminder_days_before
        ):
            stem = f"reminder:{deadline.id}:{deadline.due_on.isoformat()}"
            keys = {f"{stem}:{user_id}": user_id for user_id in user_ids}
            known = outbox.already_queued(session=session, keys=list(keys))
            for key, user_id in keys.items():
                if key in known:
                    continue
                outbox.queue(
                    session=session,
                    kind=outbox.REMINDER,
                    user_id=user_id,
                    key=key,
                    params={"deadline_id": deadline.id, "due_on": deadline.due_on.isoformat()},
                )
                queued += 1
    return {"queued": queued}
