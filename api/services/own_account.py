"""The learner's own account: change the password, see and end one's sessions.

A session is a login token (``AuthToken``); the one the request came with is the
*current* session, which a password change and "log out the others" keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from api.core.errors import LoginSessionNotFound, UnprocessableError, WrongCurrentPassword
from api.core.security import MIN_PASSWORD_LENGTH, hash_password, token_digest, verify_password
from api.data.models import AuthToken, User, utcnow
from api.services import audit, login_throttle, setup_codes
from api.services.login_throttle import LoginPolicy


@dataclass(frozen=True, slots=True)
class LoginSession:
    id: int
    created_at: datetime
    expires_at: datetime
    current: bool


def _field_error(field: str, message: str) -> UnprocessableError:
    return UnprocessableError([{"loc": ["body", field], "msg": message}])


def list_sessions(*, session: Session, user: User, token: str | None) -> list[LoginSession]:
    """The account's unexpired, unrevoked sessions, newest first."""
    current = token_digest(token) if token else None
    rows = session.exec(
        select(AuthToken)
        .where(
            AuthToken.user_id == user.id,
            col(AuthToken.revoked_at).is_(None),
            AuthToken.expires_at > utcnow(),
        )
        .order_by(col(AuthToken.created_at).desc(), col(AuthToken.id).desc())
    ).all()
    return [
        LoginSession(
            id=row.id or 0,
            created_at=row.created_at,
            expires_at=row.expires_at,
            current=row.token_hash == current,
        )
        for row in rows
    ]


def _end(*, session: Session, ids: list[int]) -> None:
    if not ids:
        return
    session.exec(
        update(AuthToken)
        .where(col(AuthToken.id).in_(ids), col(AuthToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


def end_other_sessions(*, session: Session, user: User, token: str | None) -> list[int]:
    """End every session but the current one; returns the ids ended (audited)."""
    ids = [s.id for s in list_sessions(session=session, user=user, token=token) if not s.current]
    _end(session=session, ids=ids)
    if ids:
        _audit_sessions_end(session=session, user=user, ids=ids)
    session.flush()
    return ids


def end_session(*, session: Session, user: User, session_id: int) -> None:
    """End one of the account's active sessions (the current one too: that is logging out)."""
    if not any(s.id == session_id for s in list_sessions(session=session, user=user, token=None)):
        raise LoginSessionNotFound()
    _end(session=session, ids=[session_id])
    _audit_sessions_end(session=session, user=user, ids=[session_id])
    session.flush()


def _audit_sessions_end(*, session: Session, user: User, ids: list[int]) -> None:
    assert user.id is not None
    audit.record(
        session=session,
        actor=user,
        action=audit.Action.USER_SESSIONS_END,
        target=audit.user_target(user.id),
        details={"session_ids": ids},
        municipality=user.municipality_number,
    )


def change_password(
    *,
    session: Session,
    user: User,
    current_password: str,
    new_password: str,
    token: str | None,
    client: str,
    policy: LoginPolicy,
) -> list[int]:
    """Set a new password if the current one is right; other sessions end, this one stays.

    Returns the ids of the sessions ended. Wrong input is a field error (422); too many
    wrong current passwords are ``TooManyAttempts`` (429), as at login.
    """
    # A stolen session must not become a way to guess the password: the login throttle's
    # counts and delays apply to this check too.
    login_throttle.check(
        session=session, policy=policy, email=user.email, client=client[:64], user=user
    )
    ok, _ = verify_password(current_password, user.password_hash)
    if not ok:
        login_throttle.record_failure(
            session=session, policy=policy, email=user.email, client=client[:64]
        )
        raise WrongCurrentPassword()
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise _field_error(
            "new_password", f"Det nye passordet må ha minst {MIN_PASSWORD_LENGTH} tegn."
        )
    if new_password == current_password:
        raise _field_error("new_password", "Det nye passordet må være et annet enn det nåværende.")
    assert user.id is not None
    user.password_hash = hash_password(new_password)
    ended = [s.id for s in list_sessions(session=session, user=user, token=token) if not s.current]
    _end(session=session, ids=ended)
    # A setup code handed out earlier would otherwise still replace the new password.
    setup_codes.expire_outstanding(session=session, user_id=user.id)
    audit.record(
        session=session,
        actor=user,
        action=audit.Action.USER_PASSWORD_CHANGE,
        target=audit.user_target(user.id),
        details={"ended_session_ids": ended},
        municipality=user.municipality_number,
    )
    session.flush()
    return ended
