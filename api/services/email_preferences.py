"""What a person wants by e-mail: deadline reminders (on unless turned off, also by the
signed link in every reminder) and, for a leader, a notice when someone in their units
completes (off unless turned on)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from api.core.config import Settings
from api.core.errors import Forbidden, UnsubscribeLinkInvalid
from api.data.models import EmailPreference, Role, RoleAssignment, User, utcnow
from api.services import audit
from api.services import email_outbox as outbox


@dataclass(frozen=True, slots=True)
class Preferences:
    reminders: bool
    unit_completion_notices: bool
    is_leader: bool  # whether the notices can be turned on


def _is_leader(session: Session, user_id: int) -> bool:
    found = session.exec(
        select(RoleAssignment.id).where(
            col(RoleAssignment.user_id) == user_id, col(RoleAssignment.role) == Role.LEADER
        )
    ).first()
    return found is not None


def of(*, session: Session, user: User) -> Preferences:
    assert user.id is not None
    row = session.get(EmailPreference, user.id)
    return Preferences(
        reminders=row is None or row.reminders_off_at is None,
        unit_completion_notices=row is not None and row.unit_completion_notices,
        is_leader=_is_leader(session, user.id),
    )


def _row(session: Session, user_id: int) -> EmailPreference:
    row = session.get(EmailPreference, user_id)
    if row is None:
        row = EmailPreference(user_id=user_id)
        session.add(row)
    return row


def update(
    *,
    session: Session,
    user: User,
    reminders: bool | None = None,
    unit_completion_notices: bool | None = None,
) -> Preferences:
    """Change one's own preferences (the fields given); audited by field name."""
    assert user.id is not None
    if unit_completion_notices and not _is_leader(session, user.id):
        raise Forbidden(
            "Bare ledere for en enhet eller en kommune kan få varsel når noen fullfører."
        )
    row = _row(session, user.id)
    changed = []
    if reminders is not None and (row.reminders_off_at is None) != reminders:
        row.reminders_off_at = None if reminders else utcnow()
        changed.append("reminders")
    if (
        unit_completion_notices is not None
        and row.unit_completion_notices != unit_completion_notices
    ):
        row.unit_completion_notices = unit_completion_notices
        changed.append("unit_completion_notices")
    if changed:
        audit.record(
            session=session,
            actor=user,
            action=audit.Action.USER_EMAIL_PREFERENCES,
            target=audit.user_target(user.id),
            details={"fields": changed},
        )
    session.flush()
    return of(session=session, user=user)


def unsubscribe(*, session: Session, settings: Settings, token: str) -> None:
    """Turn deadline reminders off with the signed link from a reminder (no login)."""
    user_id = outbox.unsubscribe_user(settings, token)
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or user.erased_at is not None:
        raise UnsubscribeLinkInvalid()
    row = _row(session, user_id or 0)
    if row.reminders_off_at is None:
        row.reminders_off_at = utcnow()
        audit.record(
            session=session,
            actor=None,
            action=audit.Action.USER_EMAIL_PREFERENCES,
            target=audit.user_target(user_id),
            details={"fields": ["reminders"], "via_link": True},
        )
    session.flush()


def check_unsubscribe_token(*, settings: Settings, token: str) -> None:
    if outbox.unsubscribe_user(settings, token) is None:
        raise UnsubscribeLinkInvalid()
