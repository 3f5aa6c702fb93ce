"""The Ed25519 key that signs Open Badges: configured, or generated once into the data folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.badges.multibase import public_key_multibase

KEY_FILE = "badge-signing-key.pem"


class KeyInvalid(ValueError):
    """Text that is not an Ed25519 private key in PEM."""


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey

    @cached_property
    def key_id(self) -> str:
        """The public key as Multikey ``publicKeyMultibase`` (z6Mk…): also its id."""
        raw = self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return public_key_multibase(raw)


def load_pem(text: str) -> SigningKey:
    """An Ed25519 private key from PKCS#8 PEM (``\\n`` written out is accepted too)."""
    data = text.strip().replace("\\n", "\n").encode()
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise KeyInvalid("ikke en privat nøkkel i PEM-format (PKCS#8) uten passord") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyInvalid("nøkkelen må være en Ed25519-nøkkel") from None
    return SigningKey(key)


def to_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def key_path(data_dir: Path) -> Path:
    return data_dir / KEY_FILE


def write_new_key(path: Path) -> SigningKey:
    """A new key written to ``path`` (0600) unless another process wrote one first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_pem(path.read_text())
    with os.fdopen(descriptor, "w") as file:
        file.write(to_pem(key))
    return SigningKey(key)


def from_file(data_dir: Path) -> SigningKey:
    """The data folder's key, generated on first use."""
    path = key_path(data_dir)
    if path.exists():
        return load_pem(path.read_text())
    return write_new_key(path)


def replace_key(path: Path) -> SigningKey:
    """A new key in place of the one at ``path``, written whole (0600) before it replaces it."""
    key = Ed25519PrivateKey.generate()
    temporary = path.with_name(path.name + ".new")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(to_pem(key))
    os.replace(temporary, path)
    return SigningKey(key)
