"""Login throttling that slows an attacker without locking the owner out (OWASP ASVS 5.0, V6).

Three counts of recent failures (``LoginFailure``), over one window:

- per account and client pair: after a few failures each next try waits, twice as
  long each time (``TooManyAttempts`` with a growing ``Retry-After``);
- per account: after a limit only a *known client* may still try, one that signed in
  to the account recently (``KnownLoginClient``, the address kept as a keyed hash), so
  an attacker elsewhere cannot lock the owner out;
- per address: a limit high enough for a town hall behind one NAT address.

Addresses are never stored: failures and known clients hold a keyed hash of them.

A try refused with 429 is not a failure and is not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.core.config import Settings
from api.core.errors import TooManyAttempts
from api.core.security import sign
from api.data.models import KnownLoginClient, LoginFailure, User, utcnow


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    window: timedelta
    max_per_account: int
    max_per_client: int
    free_per_pair: int
    delay_base: timedelta
    delay_max: timedelta
    known_for: timedelta
    known_per_account: int
    key: str

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginPolicy:
        return cls(
            window=timedelta(seconds=settings.login_window_seconds),
            max_per_account=settings.login_max_failures_per_account,
            max_per_client=settings.login_max_failures_per_client,
            free_per_pair=settings.login_free_failures_per_pair,
            delay_base=timedelta(seconds=settings.login_delay_base_seconds),
            delay_max=timedelta(seconds=settings.login_delay_max_seconds),
            known_for=timedelta(days=settings.login_known_client_days),
            known_per_account=settings.login_known_clients_per_account,
            key=settings.effective_secret_key,
        )


def client_hash(*, policy: LoginPolicy, client: str) -> str:
    """A keyed hash of the address: the same address gives the same hash, and no way back."""
    return sign(f"login-client:{client}", key=policy.key)


def _seconds_until(moment: datetime) -> int:
    return int((moment - utcnow()).total_seconds()) + 1


def _limit_wait(
    *, session: Session, where: ColumnElement[bool], limit: int, since: datetime, window: timedelta
) -> int | None:
    """Seconds until fewer than ``limit`` failures matching ``where`` remain in the window."""
    rows = session.exec(
        select(LoginFailure.at)
        .where(where, LoginFailure.at > since)
        .order_by(col(LoginFailure.at).desc())
        .limit(limit)
    ).all()
    if len(rows) < limit:
        return None
    return _seconds_until(min(rows) + window)


def _pair_wait(
    *, session: Session, policy: LoginPolicy, email: str, digest: str, since: datetime
) -> int | None:
    count, last = session.exec(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.email == email, LoginFailure.client == digest, LoginFailure.at > since
        )
    ).one()
    if count < policy.free_per_pair or last is None:
        return None
    # Capped before doubling too far: 2**(count) of a large count would overflow timedelta.
    steps = min(count - policy.free_per_pair, 40)
    delay = min(policy.delay_base * 2**steps, policy.delay_max)
    remaining = (last + delay - utcnow()).total_seconds()
    return math.ceil(remaining) if remaining > 0 else None


def is_known(*, session: Session, policy: LoginPolicy, user: User, client: str) -> bool:
    """Whether the client signed in to the account within the policy's ``known_for``."""
    return (
        session.exec(
            select(KnownLoginClient.id).where(
                KnownLoginClient.user_id == user.id,
                KnownLoginClient.client_hash == client_hash(policy=policy, client=client),
                KnownLoginClient.last_success_at > utcnow() - policy.known_for,
            )
        ).first()
        is not None
    )


def check(
    *, session: Session, policy: LoginPolicy, email: str, client: str, user: User | None
) -> None:
    """Raise ``TooManyAttempts`` if this try must wait; old failures are pruned first."""
    since = utcnow() - policy.window
    digest = client_hash(policy=policy, client=client)
    session.exec(delete(LoginFailure).where(col(LoginFailure.at) <= since))
    waits = [
        _limit_wait(
            session=session,
            where=col(LoginFailure.client) == digest,
            limit=policy.max_per_client,
            since=since,
            window=policy.window,
        ),
        _pair_wait(session=session, policy=policy, email=email, digest=digest, since=since),
    ]
    account_wait = _limit_wait(
        session=session,
        where=col(LoginFailure.email) == email,
        limit=policy.max_per_account,
        since=since,
        window=policy.window,
    )
    if account_wait is not None and not (
        user is not None and is_known(session=session, policy=policy, user=user, client=client)
    ):
        waits.append(account_wait)
    found = [wait for wait in waits if wait is not None]
    if found:
        raise TooManyAttempts(max(found))


def record_failure(*, session: Session, policy: LoginPolicy, email: str, client: str) -> None:
    digest = client_hash(policy=policy, client=client)
    session.add(LoginFailure(email=email, client=digest, at=utcnow()))


def record_success(
    *, session: Session, policy: LoginPolicy, user: User, email: str, client: str
) -> None:
    """Forget this pair's failures and remember the client as known to the account.

    Failures from other clients stay: an attacker's count is not reset by the owner.
    """
    assert user.id is not None
    now = utcnow()
    digest = client_hash(policy=policy, client=client)
    session.exec(
        delete(LoginFailure).where(
            col(LoginFailure.email) == email, col(LoginFailure.client) == digest
        )
    )
    known = session.exec(
        select(KnownLoginClient).where(
            KnownLoginClient.user_id == user.id, KnownLoginClient.client_hash == digest
        )
    ).first()
    if known is not None:
        known.last_success_at = now
    else:
        try:  # in a savepoint: a login from the same client at the same moment may add it too
            with session.begin_nested():
                session.add(
                    KnownLoginClient(user_id=user.id, client_hash=digest, last_success_at=now)
                )
        except IntegrityError:
            session.exec(
                update(KnownLoginClient)
                .where(
                    col(KnownLoginClient.user_id) == user.id,
                    col(KnownLoginClient.client_hash) == digest,
                )
                .values(last_success_at=now)
            )
    session.flush()
    keep = (
        select(KnownLoginClient.id)
        .where(
            KnownLoginClient.user_id == user.id,
            KnownLoginClient.last_success_at > now - policy.known_for,
        )
        .order_by(col(KnownLoginClient.last_success_at).desc())
        .limit(policy.known_per_account)
    )
    kept = list(session.exec(keep).all())
    session.exec(
        delete(KnownLoginClient).where(
            col(KnownLoginClient.user_id) == user.id, col(KnownLoginClient.id).not_in(kept)
        )
    )


def forget_account(*, session: Session, user: User, email: str) -> None:
    """Erasure: the account's failures and known clients go."""
    session.exec(delete(LoginFailure).where(col(LoginFailure.email) == email))
    session.exec(delete(KnownLoginClient).where(col(KnownLoginClient.user_id) == user.id))
