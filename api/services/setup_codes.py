"""Single-use password setup codes: issued by administrators, redeemed by the person.

A code is 16 characters of Crockford base32 (80 random bits), shown as
``XXXX-XXXX-XXXX-XXXX`` and typed leniently (case, spaces, hyphens and the
confusable letters I, L, O are forgiven). Only its SHA-256 digest is stored,
like login tokens. The same code is the ``kode`` parameter of the setup link.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import update
from sqlmodel import Session, col, select

from api.core.errors import InvalidSetupCode
from api.core.security import hash_password, token_digest
from api.data.models import AuthToken, PasswordSetupToken, User, utcnow
from api.services import audit
from certificates.codes import ALPHABET

CODE_LENGTH = 16
# Long enough for an employee who gets the link by post or from a busy manager.
CODE_TTL = timedelta(days=14)
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = str.maketrans(dict.fromkeys(" \t\r\n-\u2010\u2011\u2012\u2013\u2014\u00a0"))


@dataclass(frozen=True, slots=True)
class IssuedCode:
    user: User
    code: str
    expires_at: datetime


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(text: str) -> str:
    return text.translate(_SEPARATORS).upper().translate(_CONFUSABLE)


def setup_url(base_url: str, code: str) -> str:
    return f"{base_url}/passord?kode={quote(code)}"


def revoke_login_tokens(*, session: Session, user_id: int) -> None:
    """End every session and every open setup code of the user (deactivation, a new password).

    A code handed out before a deactivation must not open the account once it is
    reactivated: whoever reactivates it issues a new code if one is needed.
    """
    session.exec(
        update(AuthToken)
        .where(col(AuthToken.user_id) == user_id, col(AuthToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    expire_outstanding(session=session, user_id=user_id)


def expire_outstanding(*, session: Session, user_id: int) -> None:
    """Every unused code of the user stops working."""
    session.exec(
        update(PasswordSetupToken)
        .where(
            col(PasswordSetupToken.user_id) == user_id, col(PasswordSetupToken.used_at).is_(None)
        )
        .values(used_at=utcnow())
    )


def issue(*, session: Session, user: User, created_by: User | None) -> IssuedCode:
    """A new code for the user; any earlier unused code stops working."""
    assert user.id is not None
    expire_outstanding(session=session, user_id=user.id)
    return issue_many(session=session, users=[user], created_by=created_by)[0]


def issue_many(*, session: Session, users: list[User], created_by: User | None) -> list[IssuedCode]:
    """Codes for newly created users (who have none outstanding), in one flush."""
    now = utcnow()
    issued = []
    for user in users:
        assert user.id is not None
        code = new_code()
        session.add(
            PasswordSetupToken(
                token_hash=token_digest(normalise_code(code)),
                user_id=user.id,
                created_by=created_by.id if created_by else None,
                created_at=now,
                expires_at=now + CODE_TTL,
            )
        )
        issued.append(IssuedCode(user, code, now + CODE_TTL))
    session.flush()
    return issued


def issue_given(
    *,
    session: Session,
    user: User,
    code: str,
    created_by: User | None,
    ttl: timedelta,
    replace: bool,
) -> datetime:
    """Store a code made elsewhere (an e-mailed link, ``email_outbox.setup_code``) for the
    user; with ``replace``, earlier unused codes stop working. Returns when it expires."""
    assert user.id is not None
    if replace:
        expire_outstanding(session=session, user_id=user.id)
    now = utcnow()
    session.add(
        PasswordSetupToken(
            token_hash=token_digest(normalise_code(code)),
            user_id=user.id,
            created_by=created_by.id if created_by else None,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()
    return now + ttl


def redeem(*, session: Session, code: str, password: str) -> User:
    """Set the password of the code's user; the code, older codes and open sessions end."""
    digest = token_digest(normalise_code(code))
    found = session.exec(
        select(PasswordSetupToken, User)
        .join(User, col(User.id) == PasswordSetupToken.user_id)
        .where(
            PasswordSetupToken.token_hash == digest,
            col(PasswordSetupToken.used_at).is_(None),
            PasswordSetupToken.expires_at > utcnow(),
            col(User.is_active).is_(True),
            col(User.erased_at).is_(None),
        )
        # Only these two: PostgreSQL cannot lock the outer-joined municipality (User.municipality).
        .with_for_update(of=[PasswordSetupToken, User])
    ).first()
    if found is None:
        raise InvalidSetupCode()
    token, user = found
    assert user.id is not None
    user.password_hash = hash_password(password)
    token.used_at = utcnow()
    expire_outstanding(session=session, user_id=user.id)
    revoke_login_tokens(session=session, user_id=user.id)
    audit.record(
        session=session,
        actor=user,
        action=audit.Action.USER_PASSWORD_SETUP,
        target=audit.user_target(user.id),
    )
    session.flush()
    return user
