"""Accounts, login throttling and bearer tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.core.errors import EmailTaken, InvalidCredentials
from api.core.security import hash_password, new_token, token_digest, verify_password
from api.data.models import AuthToken, Enrollment, Municipality, Role, User, utcnow
from api.services import login_throttle, sign_in_requirements, user_municipality
from api.services.contracts import UserCreate
from api.services.login_throttle import LoginPolicy
from api.services.org_units import check_placement


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def add_accounts(*, session: Session, users: Sequence[User]) -> None:
    """Add new accounts, each enrolled in the course: the one place accounts are made.

    ``admin_users.create_user`` (one, audited) and ``user_import`` (many, audited
    as one import) both end here; so does ``create_user`` below.
    """
    now = utcnow()
    for user in users:
        user.created_at = now
    session.add_all(users)
    session.flush()
    session.add_all(Enrollment(user_id=user.id or 0, enrolled_at=now) for user in users)
    session.flush()


def create_user(
    *, session: Session, data: UserCreate, municipality: Municipality | None = None
) -> User:
    """Create an account and its course enrollment, without an audit row.

    For test data and system work; administrators' doors (API, pages, command
    line) use ``admin_users.create_user``, which audits it.
    """
    if get_user_by_email(session=session, email=data.email) is not None:
        raise EmailTaken()
    if municipality is None:
        municipality = user_municipality.from_input(
            session=session, name=data.municipality, number=data.municipality_number
        )
    check_placement(session=session, unit_id=data.unit_id, municipality_number=municipality.number)
    user = User(
        email=normalise_email(data.email),
        full_name=data.full_name,
        role=data.role,
        unit_id=data.unit_id,
        password_hash=hash_password(data.password) if data.password else None,
        created_at=utcnow(),
    )
    user_municipality.assign(user, municipality)
    add_accounts(session=session, users=[user])
    return user


def authenticate(
    *, session: Session, email: str, password: str, client: str, policy: LoginPolicy
) -> User:
    """Check credentials with throttling (``api.services.login_throttle``).

    A failure is recorded in the request's transaction, which
    ``InvalidCredentials`` commits although it ends the request.
    """
    # Whatever a client typed is only compared, never trusted: control characters
    # (PostgreSQL cannot even hold NUL) become U+FFFD, which no stored address contains.
    email = "".join(ch if ch.isprintable() else "\ufffd" for ch in normalise_email(email))[:254]
    client = client[:64]
    user = get_user_by_email(session=session, email=email)
    login_throttle.check(session=session, policy=policy, email=email, client=client, user=user)
    ok, new_hash = verify_password(password, user.password_hash if user else None)
    if user is None or not ok or not user.is_active:
        login_throttle.record_failure(session=session, policy=policy, email=email, client=client)
        raise InvalidCredentials()
    # Only after the right password: a stranger learns nothing about the account's rules.
    sign_in_requirements.check_password_login(session=session, user=user)
    if new_hash:
        user.password_hash = new_hash
    login_throttle.record_success(
        session=session, policy=policy, user=user, email=email, client=client
    )
    return user


def issue_token(*, session: Session, user: User, ttl: timedelta) -> str:
    token = new_token()
    now = utcnow()
    assert user.id is not None
    session.add(
        AuthToken(
            token_hash=token_digest(token), user_id=user.id, created_at=now, expires_at=now + ttl
        )
    )
    session.flush()
    return token


def user_for_token(*, session: Session, token: str) -> User | None:
    """The active user a valid, unexpired, unrevoked token belongs to."""
    return session.exec(
        select(User)
        .join(AuthToken, col(AuthToken.user_id) == col(User.id))
        .where(
            AuthToken.token_hash == token_digest(token),
            col(AuthToken.revoked_at).is_(None),
            AuthToken.expires_at > utcnow(),
            col(User.is_active).is_(True),
        )
    ).first()


def revoke_token(*, session: Session, token: str) -> None:
    found = session.exec(
        select(AuthToken).where(AuthToken.token_hash == token_digest(token))
    ).first()
    if found is not None and found.revoked_at is None:
        found.revoked_at = utcnow()


def list_users(*, session: Session, role: Role | None = None) -> list[User]:
    query = select(User).order_by(func.lower(User.full_name))
    if role is not None:
        query = query.where(User.role == role)
    return list(session.exec(query).all())
