"""Multibase base58btc and the Multikey encoding of Ed25519 public keys."""

from __future__ import annotations

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB = b"\xed\x01"  # the multicodec prefix of an Ed25519 public key


def base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = ""
    while number:
        number, remainder = divmod(number, 58)
        digits = _ALPHABET[remainder] + digits
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + digits


def from_base58btc(text: str) -> bytes:
    number = 0
    for char in text:
        index = _ALPHABET.find(char)
        if index < 0:
            raise ValueError("not base58btc")
        number = number * 58 + index
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def public_key_multibase(raw: bytes) -> str:
    """``z6Mk…``: the multibase (base58btc) Multikey form of a raw Ed25519 public key."""
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return "z" + base58btc(_ED25519_PUB + raw)


def raw_public_key(multibase: str) -> bytes:
    """The raw Ed25519 public key in a ``z6Mk…`` Multikey value."""
    if not multibase.startswith("z"):
        raise ValueError("not a base58btc multibase value")
    decoded = from_base58btc(multibase[1:])
    if not decoded.startswith(_ED25519_PUB) or len(decoded) != 34:
        raise ValueError("not an Ed25519 Multikey")
    return decoded[2:]
