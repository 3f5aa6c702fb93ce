"""Webhook signing secrets at rest: sealed with AES-GCM under a key derived from the
installation's secret key (``INNOSTUDY_SECRET_KEY``, or the one in the data directory).

A copy of the database alone (a backup, say) then does not let anyone sign messages
that receivers would accept. The price: changing the secret key makes the stored
secrets unreadable, so every endpoint then needs a new one (deliveries fail with a
message that says so until it has).
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from api.core.config import Settings

_VERSION = "v1:"
_CONTEXT = b"innostudy webhook secret"
UNREADABLE = (
    "Signeringshemmeligheten kan ikke leses, trolig fordi INNOSTUDY_SECRET_KEY er endret. "
    "Slett mottakeren og legg den til på nytt for å få en ny hemmelighet."
)


class SecretUnreadable(Exception):
    """The stored secret was sealed under another key (or altered)."""


def _key(settings: Settings) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT)
    return hkdf.derive(settings.effective_secret_key.encode())


def seal(settings: Settings, secret: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(settings)).encrypt(nonce, secret.encode(), _CONTEXT)
    return _VERSION + base64.b64encode(nonce + sealed).decode()


def unseal(settings: Settings, stored: str) -> str:
    if not stored.startswith(_VERSION):
        raise SecretUnreadable()
    raw = base64.b64decode(stored.removeprefix(_VERSION))
    try:
        return AESGCM(_key(settings)).decrypt(raw[:12], raw[12:], _CONTEXT).decode()
    except InvalidTag:
        raise SecretUnreadable() from None
