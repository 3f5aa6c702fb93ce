"""Password hashing (argon2 via passlib) and opaque bearer tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from passlib.context import CryptContext

# OWASP's minimum argon2id profile (19 MiB, t=2, p=1): about 45 ms per hash here.
# Raise it later: verify_and_update re-hashes old hashes at the next login.
password_context = CryptContext(
    schemes=["argon2"],
    deprecated="auto",
    argon2__type="ID",
    argon2__memory_cost=19 * 1024,
    argon2__rounds=2,
    argon2__parallelism=1,
)
_DUMMY_HASH = password_context.hash("innostudy-timing-equaliser")
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return str(password_context.hash(password))


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """Check a password; returns (ok, new hash if the stored one should be upgraded).

    Unknown users are checked against a dummy hash so timing does not reveal them.
    """
    if password_hash is None:
        password_context.verify(password, _DUMMY_HASH)
        return False, None
    ok, new_hash = password_context.verify_and_update(password, password_hash)
    return bool(ok), new_hash


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Tokens are stored as SHA-256 digests, so a leaked table grants no access."""
    return hashlib.sha256(token.encode()).hexdigest()


def sign(value: str, *, key: str) -> str:
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()
