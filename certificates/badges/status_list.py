"""W3C Bitstring Status List: the bitstring, GZIP-compressed, base64url, multibase ``u``.

Index 0 is the left-most (most significant) bit of the first byte. A list has
131,072 entries (16 KB), the specification's minimum, so that a verifier fetching
it tells the issuer nothing about which credential is being checked.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable

LIST_LENGTH = 131_072


def encode(set_indices: Iterable[int], *, length: int = LIST_LENGTH) -> str:
    """The ``encodedList`` of a list of ``length`` bits with ``set_indices`` set."""
    bits = bytearray(length // 8)
    for index in set_indices:
        if not 0 <= index < length:
            raise ValueError(f"status index {index} is outside the list")
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)  # mtime 0: the same bytes every time
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode(encoded_list: str) -> bytes:
    """The bitstring of an ``encodedList``."""
    if not encoded_list.startswith("u"):
        raise ValueError("encodedList must be multibase base64url ('u')")
    body = encoded_list[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def is_set(bitstring: bytes, index: int) -> bool:
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))
