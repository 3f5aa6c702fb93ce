"""Invitations and "Glemt passord": a password link sent by e-mail.

Both store a single-use setup code (``setup_codes``) whose text is derived from the
message's key (``email_outbox.setup_code``), so the link is made when the e-mail is
sent and never kept. An invitation replaces earlier unused codes (like a new code from
an administrator); a reset request does not, so that someone who knows a person's
address cannot make the invitation they were sent stop working.

"Glemt passord" answers the same whether or not the address has an account; its rate
limits count by a keyed hash of the address asked for and of the client, so a limit
that is reached is reached alike for both.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from api.core.config import Settings
from api.core.errors import EmailNotConfigured, TooManyResetRequests, UserInactive
from api.data.models import PasswordResetRequest, utcnow
from api.services import admin_users, audit, setup_codes
from api.services import email_outbox as outbox
from api.services.scope import Actor
from api.services.users import get_user_by_email, normalise_email


def invite(*, session: Session, actor: Actor, settings: Settings, user_id: int) -> None:
    """E-mail the person a link to choose a password (a person the actor may change)."""
    user = admin_users.managed_person(session=session, actor=actor, user_id=user_id)
    if not settings.email_enabled:
        raise EmailNotConfigured()
    admin_users.check_changeable(user, actor, own_account_allowed=True)
    if not user.is_active:
        raise UserInactive("Kontoen er deaktivert. Aktiver den før du sender en invitasjon.")
    assert user.id is not None
    key = f"invitation:{uuid.uuid4().hex}"
    expires = setup_codes.issue_given(
        session=session,
        user=user,
        code=outbox.setup_code(settings, key),
        created_by=actor.user,
        ttl=setup_codes.CODE_TTL,
        replace=True,
    )
    outbox.queue(
        session=session,
        kind=outbox.INVITATION,
        user_id=user.id,
        key=key,
        params={"expires_at": expires.isoformat()},
    )
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.USER_INVITE,
        target=audit.user_target(user.id),
        municipality=user.municipality_number,
    )


@dataclass(frozen=True, slots=True)
class ResetPolicy:
    window: timedelta
    per_account: int
    per_client: int
    link_ttl: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> ResetPolicy:
        return cls(
            window=timedelta(seconds=settings.password_reset_window_seconds),
            per_account=settings.password_reset_max_per_account,
            per_client=settings.password_reset_max_per_client,
            link_ttl=timedelta(minutes=settings.password_reset_link_minutes),
        )


def _check_limits(
    session: Session, policy: ResetPolicy, account_hash: str, client_hash: str
) -> None:
    now = utcnow()
    since = now - policy.window
    session.execute(delete(PasswordResetRequest).where(col(PasswordResetRequest.at) < since))
    for column, value, limit in (
        (PasswordResetRequest.account_hash, account_hash, policy.per_account),
        (PasswordResetRequest.client_hash, client_hash, policy.per_client),
    ):
        count, oldest = session.execute(
            select(func.count(), func.min(PasswordResetRequest.at)).where(col(column) == value)
        ).one()
        if count >= limit:
            wait = (oldest + policy.window - now).total_seconds() if oldest else 60
            raise TooManyResetRequests(int(wait) + 1)


def request_reset(*, session: Session, settings: Settings, email: str, client: str) -> None:
    """Send a reset link if an active account has this address; the same outcome either way
    (``TooManyResetRequests`` when the address or the client has asked too often)."""
    policy = ResetPolicy.from_settings(settings)
    address = normalise_email(email)
    account_hash = outbox.keyed_hash(settings, "reset-account", address)
    client_hash = outbox.keyed_hash(settings, "reset-client", client)
    _check_limits(session, policy, account_hash, client_hash)
    session.add(
        PasswordResetRequest(account_hash=account_hash, client_hash=client_hash, at=utcnow())
    )
    user = get_user_by_email(session=session, email=address)
    if user is None or user.id is None or not user.is_active or user.erased_at is not None:
        session.flush()
        return
    key = f"password_reset:{uuid.uuid4().hex}"
    setup_codes.issue_given(
        session=session,
        user=user,
        code=outbox.setup_code(settings, key),
        created_by=None,
        ttl=policy.link_ttl,
        replace=False,
    )
    outbox.queue(
        session=session,
        kind=outbox.PASSWORD_RESET,
        user_id=user.id,
        key=key,
        params={"minutes": int(policy.link_ttl.total_seconds() // 60)},
    )
    audit.record(
        session=session,
        actor=None,
        action=audit.Action.USER_PASSWORD_RESET_REQUEST,
        target=audit.user_target(user.id),
        municipality=user.municipality_number,
    )
