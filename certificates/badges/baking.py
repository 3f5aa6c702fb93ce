"""The badge image, and the credential baked into it (Open Badges 3.0 baking).

A PNG carries the credential as JSON in an ``iTXt`` chunk with the keyword
``openbadgecredential``, uncompressed, before ``IEND``; a badge wallet or
verifier reads it back from there (``unbake_png``).
"""

from __future__ import annotations

import io
import struct
import textwrap
import zlib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

KEYWORD = b"openbadgecredential"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_FONT = Path(__file__).resolve().parent.parent / "fonts" / "DejaVuSans-Bold.ttf"
_SIZE = 512
_ACCENT = (11, 92, 138)
_ACCENT_DARK = (8, 63, 95)
_GOLD = (240, 165, 0)


def badge_image(course_title: str) -> bytes:
    """A round 512 px badge with the course title, as PNG (no credential yet)."""
    image = Image.new("RGBA", (_SIZE, _SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, _SIZE - 8, _SIZE - 8), fill=_GOLD)
    draw.ellipse((28, 28, _SIZE - 28, _SIZE - 28), fill=_ACCENT_DARK)
    draw.ellipse((44, 44, _SIZE - 44, _SIZE - 44), fill=_ACCENT)
    heading = ImageFont.truetype(str(_FONT), 44)
    body = ImageFont.truetype(str(_FONT), 30)
    draw.text((_SIZE / 2, 150), "KURSBEVIS", font=heading, fill="white", anchor="mm")
    lines = textwrap.wrap(course_title, width=20)[:4]
    top = 275 - (len(lines) - 1) * 20
    for number, line in enumerate(lines):
        draw.text((_SIZE / 2, top + number * 40), line, font=body, fill="white", anchor="mm")
    small = ImageFont.truetype(str(_FONT), 22)
    draw.line((176, 372, _SIZE - 176, 372), fill=_GOLD, width=3)
    draw.text((_SIZE / 2, 400), "OPEN BADGE", font=small, fill=_GOLD, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    if not png.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    chunks, position = [], len(_PNG_SIGNATURE)
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        chunks.append((kind, png[position + 8 : position + 8 + length]))
        position += 12 + length
    return chunks


def bake_png(png: bytes, credential_json: str) -> bytes:
    """``png`` with ``credential_json`` in an ``openbadgecredential`` iTXt chunk (replacing any)."""
    # keyword, NUL, compression flag 0 and method 0, empty language tag and translation
    text = KEYWORD + b"\0\0\0" + b"\0" + b"\0" + credential_json.encode("utf-8")
    out = bytearray(_PNG_SIGNATURE)
    for kind, data in _chunks(png):
        if kind == b"iTXt" and data.startswith(KEYWORD + b"\0"):
            continue
        if kind == b"IEND":
            out += _chunk(b"iTXt", text)
        out += _chunk(kind, data)
    return bytes(out)


def unbake_png(png: bytes) -> str | None:
    """The credential JSON baked into ``png``, if any."""
    for kind, data in _chunks(png):
        if kind == b"iTXt" and data.startswith(KEYWORD + b"\0"):
            rest = data[len(KEYWORD) + 1 :]
            if rest[0] != 0:  # compressed: not what this module writes, but allowed
                rest = rest[2:]
                _language, _, rest = rest.partition(b"\0")
                _translated, _, text = rest.partition(b"\0")
                return zlib.decompress(text).decode("utf-8")
            rest = rest[2:]
            _language, _, rest = rest.partition(b"\0")
            _translated, _, text = rest.partition(b"\0")
            return text.decode("utf-8")
    return None
