"""What OpenID Connect sign-in keeps secret, sealed or hashed under keys derived from the
installation's secret key (``INNOSTUDY_SECRET_KEY``, or the one in the data directory).

- A provider's client secret is sealed with AES-GCM, so a copy of the database alone
  does not give it away, and no page or command ever shows it again.
- The sign-in in progress (state, nonce, PKCE verifier) travels in a sealed cookie, and
  so does the ID token kept for logging out at the provider: the browser holds them, it
  cannot read or change them.
- A person's subject at a provider (for ID-porten the national identity number ``pid``)
  is kept only as a keyed HMAC: enough to recognise the person again, not to read it.

Changing the secret key makes the sealed secrets unreadable (each provider then needs
its secret again) and the subject hashes unrecognisable (people are linked again by a
verified e-mail address, or get a new account).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from api.core.config import Settings

_VERSION = "v1:"
CLIENT_SECRET = b"innostudy sign-in client secret"
FLOW = b"innostudy sign-in flow"
LOGOUT = b"innostudy sign-in logout"
SUBJECT = b"innostudy sign-in subject"


class SealedUnreadable(Exception):
    """Sealed under another key, or altered."""


def _key(settings: Settings, context: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=context)
    return hkdf.derive(settings.effective_secret_key.encode())


def seal(settings: Settings, context: bytes, plain: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(settings, context)).encrypt(nonce, plain.encode(), context)
    return _VERSION + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(settings: Settings, context: bytes, stored: str) -> str:
    if not stored.startswith(_VERSION):
        raise SealedUnreadable()
    try:
        raw = base64.urlsafe_b64decode(stored.removeprefix(_VERSION))
        return AESGCM(_key(settings, context)).decrypt(raw[:12], raw[12:], context).decode()
    except (InvalidTag, ValueError):
        raise SealedUnreadable() from None


def seal_json(settings: Settings, context: bytes, value: dict[str, Any]) -> str:
    return seal(settings, context, json.dumps(value, separators=(",", ":")))


def unseal_json(settings: Settings, context: bytes, stored: str) -> dict[str, Any]:
    value = json.loads(unseal(settings, context, stored))
    if not isinstance(value, dict):
        raise SealedUnreadable()
    return value


def subject_hash(settings: Settings, *, kind: str, issuer: str, subject: str) -> str:
    """The keyed hash an identity is recognised by (hex, 64 characters)."""
    message = "\x00".join((kind, issuer, subject)).encode()
    return hmac.new(_key(settings, SUBJECT), message, hashlib.sha256).hexdigest()
