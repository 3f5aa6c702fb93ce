"""Kursbevis as PDF: certificate data in, PDF bytes out.

Pure functions, no database and no web framework. One A4 portrait page per
certificate, DejaVu fonts embedded as subsets (so Norwegian and Sami letters
render), text drawn in reading order so ``pdftotext`` and pypdf extract it, and
a QR code drawn as one vector path from segno's matrix.

Anything of unbounded length (names, titles, the module list) is fitted to its
box: shrunk to a minimum size, then wrapped, then, as a last resort only,
shortened with an ellipsis, so nothing ever runs off the page.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain
from pathlib import Path
from typing import ClassVar

import segno
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import registerFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from certificates.durations import format_duration
from certificates.text import clip, fit_text, wrap

FONT_DIR = Path(__file__).with_name("fonts")
SERIF, SERIF_BOLD = "DejaVuSerif", "DejaVuSerif-Bold"
SANS, SANS_BOLD = "DejaVuSans", "DejaVuSans-Bold"

PAGE_WIDTH, PAGE_HEIGHT = A4
_LEFT, _RIGHT = 68.0, PAGE_WIDTH - 68.0
_CENTER = PAGE_WIDTH / 2
_NAVY, _GOLD = HexColor(0x1C3355), HexColor(0xA8844A)
_INK, _MUTED, _RULE = HexColor(0x222831), HexColor(0x5B6573), HexColor(0xD5D9DF)
_PAPER = HexColor(0xFCFAF5)
HEADING = "Kursbevis"


@dataclass(frozen=True, slots=True)
class CompletedModule:
    title: str
    estimated_minutes: int


@dataclass(frozen=True, slots=True)
class CertificateData:
    code: str
    holder_name: str
    municipality: str
    course_title: str
    completed_at: date
    modules: tuple[CompletedModule, ...]
    issuer: str
    signer_name: str | None  # None: the issuing organisation signs (see ``_Page.signer_lines``)
    signer_title: str | None
    verify_url: str
    logo_path: Path | None = None
    language: str = "nb"


@dataclass(frozen=True, slots=True)
class _Labels:
    certifies: str = "Dette bekrefter at"
    completed_course: str = "har fullført kurset"
    modules: str = "Gjennomførte moduler"
    duration: str = "Omfang"
    more: str = "… og {count} moduler til"
    organiser: str = "Kursarrangør"  # the issuer's role when no person signs


_MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli",
           "august", "september", "oktober", "november", "desember")  # fmt: skip
LABELS = {  # bokmål and nynorsk; the month names are the same in both
    "nb": _Labels(),
    "nn": _Labels(
        certifies="Dette stadfestar at",
        modules="Gjennomførte modular",
        more="… og {count} modular til",
    ),
}


def format_date(value: date) -> str:
    """Norwegian long date, ``23. november 2026``, whatever the process locale."""
    return f"{value.day}. {_MONTHS[value.month - 1]} {value.year}"


@functools.cache
def register_fonts() -> None:
    """Register the bundled TTF fonts with ReportLab, once per process."""
    for name in (SERIF, SERIF_BOLD, SANS, SANS_BOLD):
        registerFont(TTFont(name, str(FONT_DIR / f"{name}.ttf")))


@functools.lru_cache(maxsize=8)
def _logo(path: Path, mtime_ns: int) -> ImageReader:
    return ImageReader(str(path))


@dataclass(frozen=True, slots=True)
class _Block:
    """Centred lines in one font and size, with the space above them."""

    lines: list[str]
    font: str
    size: float
    color: Color
    space_before: float = 0.0
    rule_below: bool = False

    LEADING: ClassVar[float] = 1.2

    @property
    def height(self) -> float:
        return self.space_before + self.size * (1.15 + (len(self.lines) - 1) * self.LEADING)


def _block(
    text: str,
    font: str,
    *,
    size: float,
    min_size: float | None = None,
    max_lines: int = 1,
    color: Color = _INK,
    space_before: float = 0.0,
    rule_below: bool = False,
) -> _Block:
    size, lines = fit_text(text, font, _RIGHT - _LEFT, size=size, min_size=min_size or size,
                           max_lines=max_lines)  # fmt: skip
    return _Block(lines, font, size, color, space_before, rule_below)


class _Page:
    """Draws one certificate on a canvas in reading order; the body is measured first."""

    SECTION_TOP: ClassVar[float] = 206.0  # signature and QR code live below this line

    def __init__(self, canvas: Canvas, data: CertificateData) -> None:
        self.c = canvas
        self.data = data
        self.labels = LABELS[data.language]

    def draw(self) -> None:
        qr = segno.make_qr(self.data.verify_url, error="m")
        self.frame()
        top = self.header()
        body = self.body()
        room = top - self.SECTION_TOP - sum(block.height for block in body)
        table = _Table.fit(self.data, self.labels, max_height=room - 36)
        slack = room - table.height  # shared out between the gaps, so short content looks airy
        y = self.draw_blocks(body, top - slack * 0.3)
        table.draw(self.c, y - slack * 0.35)
        self.signature()
        self.verification(qr)

    def frame(self) -> None:
        c = self.c
        c.setFillColor(_PAPER)
        c.setStrokeColor(_NAVY)
        c.setLineWidth(2.2)
        c.rect(22, 22, PAGE_WIDTH - 44, PAGE_HEIGHT - 44, stroke=1, fill=1)
        c.setStrokeColor(_GOLD)
        c.setLineWidth(0.7)
        c.rect(30, 30, PAGE_WIDTH - 60, PAGE_HEIGHT - 60)
        c.setFillColor(_GOLD)
        for x in (30, PAGE_WIDTH - 30):
            for y in (30, PAGE_HEIGHT - 30):
                self.diamond(x, y, 5)

    def diamond(self, x: float, y: float, r: float) -> None:
        path = self.c.beginPath()
        path.moveTo(x, y + r)
        path.lineTo(x + r, y)
        path.lineTo(x, y - r)
        path.lineTo(x - r, y)
        path.close()
        self.c.drawPath(path, stroke=0, fill=1)

    def ornament(self, y: float, half_width: float) -> None:
        self.c.setStrokeColor(_GOLD)
        self.c.setLineWidth(0.7)
        self.c.line(_CENTER - half_width, y, _CENTER - 10, y)
        self.c.line(_CENTER + 10, y, _CENTER + half_width, y)
        self.c.setFillColor(_GOLD)
        self.diamond(_CENTER, y, 3.2)

    def header(self) -> float:
        """Logo, issuer, heading and ornament; returns the y below them."""
        y = PAGE_HEIGHT - 64
        if (path := self.data.logo_path) is not None:
            self.c.drawImage(_logo(path, path.stat().st_mtime_ns), _CENTER - 90, y - 56, 180, 56,
                             preserveAspectRatio=True, anchor="c", mask="auto")  # fmt: skip
            y -= 66
        issuer = _block(self.data.issuer, SANS, size=10.5, min_size=8, max_lines=2, color=_MUTED)
        heading = _block(HEADING, SERIF_BOLD, size=46, min_size=28, color=_NAVY,
                         space_before=10)  # fmt: skip
        y = self.draw_blocks([issuer, heading], y)
        self.ornament(y - 8, 100)
        return y - 14

    def body(self) -> list[_Block]:
        data, labels = self.data, self.labels
        return [
            _block(labels.certifies, SERIF, size=13, color=_MUTED),
            _block(data.holder_name, SERIF_BOLD, size=32, min_size=18, max_lines=3,
                   color=_NAVY, space_before=10, rule_below=True),
            _block(data.municipality, SANS, size=12, min_size=9, max_lines=2, color=_MUTED,
                   space_before=14),
            _block(labels.completed_course, SERIF, size=13, color=_MUTED, space_before=18),
            _block(data.course_title, SERIF_BOLD, size=21, min_size=13, max_lines=3,
                   space_before=8),
            _block(f"den {format_date(data.completed_at)}", SERIF, size=13, color=_MUTED,
                   space_before=8),
        ]  # fmt: skip

    def draw_blocks(self, blocks: list[_Block], y: float) -> float:
        """Draw blocks from ``y`` down; return the y below the last one."""
        c = self.c
        for block in blocks:
            y -= block.space_before + block.size * 0.9
            c.setFont(block.font, block.size)
            c.setFillColor(block.color)
            for line in block.lines:
                c.drawCentredString(_CENTER, y, line)
                y -= block.size * block.LEADING
            y += block.size * (block.LEADING - 0.25)
            if block.rule_below:
                c.setStrokeColor(_GOLD)
                c.setLineWidth(0.6)
                c.line(_CENTER - 160, y - 4, _CENTER + 160, y - 4)
        return y

    def signer_lines(self) -> list[tuple[str, str, float, Color]]:
        """The named signer, their title and the issuer; without a name, the issuer
        signs in its role (the configured title, or "Kursarrangør")."""
        data = self.data
        if not data.signer_name:
            role = data.signer_title or self.labels.organiser
            return [(data.issuer, SERIF_BOLD, 11.5, _INK), (role, SANS, 9, _MUTED)]
        lines = [(data.signer_name, SERIF_BOLD, 11.5, _INK)]
        if data.signer_title:
            lines.append((data.signer_title, SANS, 9, _MUTED))
        return [*lines, (data.issuer, SANS, 9, _MUTED)]

    def signature(self) -> None:
        c = self.c
        left, width, y = _LEFT + 4, 210.0, 107.0  # names line up with the URL
        c.setStrokeColor(_INK)
        c.setLineWidth(0.6)
        c.line(left, y, left + width, y)
        for text, font, size, color in self.signer_lines():
            size, lines = fit_text(text, font, width, size=size, min_size=size - 2, max_lines=2)
            c.setFont(font, size)
            c.setFillColor(color)
            for line in lines:
                y -= size * 1.3
                c.drawString(left, y, line)

    def verification(self, qr: segno.QRCode) -> None:
        c, data = self.c, self.data
        size, bottom = 86.0, 104.0
        _draw_qr(c, qr, _RIGHT - size, bottom, size)
        y = bottom - 12
        url_size, lines = fit_text(data.verify_url, SANS, 220, size=7.5, min_size=6, max_lines=3)
        c.setFont(SANS, url_size)
        c.setFillColor(_MUTED)
        for line in lines:
            c.drawRightString(_RIGHT, y, line)
            y -= url_size * 1.25
        c.setFont(SANS_BOLD, 9)
        c.setFillColor(_INK)
        c.drawRightString(_RIGHT, y - 4, f"Kode: {data.code}")


@dataclass(frozen=True, slots=True)
class _Table:
    """The module table: title and estimated time per module, then the total."""

    data: CertificateData
    labels: _Labels
    size: float
    rows: list[list[str]]  # wrapped titles; fewer than the modules if they did not fit

    WIDTH: ClassVar[float] = 400.0
    TIME_WIDTH: ClassVar[float] = 84.0  # "100 t 55 min" in bold 9.5 pt, and a gap

    @classmethod
    def fit(cls, data: CertificateData, labels: _Labels, *, max_height: float) -> _Table:
        """Smaller type, then one line per title, then fewer rows, until it fits ``max_height``."""
        width = cls.WIDTH - cls.TIME_WIDTH
        for size in (9.5, 9.0, 8.5, 8.0, 7.5, 7.0):
            rows = [wrap(m.title, SANS, size, width) for m in data.modules]
            table = cls(data, labels, size, rows)
            if table.height <= max_height:
                return table
        table = cls(data, labels, size, [[clip(m.title, SANS, size, width)] for m in data.modules])
        while table.rows and table.height > max_height:
            table = cls(data, labels, size, table.rows[:-1])
        return table

    @property
    def hidden(self) -> int:
        return len(self.data.modules) - len(self.rows)

    @property
    def height(self) -> float:
        rows = sum(len(lines) * 1.25 + 0.55 for lines in self.rows) + 1.7 * bool(self.hidden)
        return self.size * (1.4 + rows + 1.7)

    def draw(self, c: Canvas, top: float) -> None:
        size, labels = self.size, self.labels
        left, right = _CENTER - self.WIDTH / 2, _CENTER + self.WIDTH / 2
        c.setFont(SANS_BOLD, max(size - 1.5, 6.5))
        c.setFillColor(_MUTED)
        c.drawString(left, top - size, labels.modules)
        c.drawRightString(right, top - size, labels.duration)
        y = top - size * 1.4
        c.setStrokeColor(_NAVY)
        c.setLineWidth(0.8)
        c.line(left, y, right, y)
        c.setStrokeColor(_RULE)
        c.setLineWidth(0.4)
        c.setFont(SANS, size)
        c.setFillColor(_INK)
        for module, lines in zip(self.data.modules, self.rows, strict=False):
            baseline = y - size * 1.2
            for index, line in enumerate(lines):
                c.drawString(left, baseline - index * size * 1.25, line)
            c.drawRightString(right, baseline, format_duration(module.estimated_minutes))
            y -= size * (len(lines) * 1.25 + 0.55)
            c.line(left, y, right, y)
        if self.hidden:
            c.setFillColor(_MUTED)
            c.drawString(left, y - size * 1.2, labels.more.format(count=self.hidden))
            y -= size * 1.7
        c.setStrokeColor(_NAVY)
        c.setLineWidth(0.8)
        c.line(left, y, right, y)
        c.setFont(SANS_BOLD, size)
        c.setFillColor(_INK)
        total = format_duration(sum(m.estimated_minutes for m in self.data.modules))
        c.drawString(left, y - size * 1.4, "Totalt")
        c.drawRightString(right, y - size * 1.4, total)


def _draw_qr(canvas: Canvas, qr: segno.QRCode, x: float, y: float, size: float) -> None:
    """Dark modules as one filled path; (x, y) is the lower left corner.

    The caller keeps four modules around the symbol free: decoders need that quiet zone.
    """
    matrix = qr.matrix
    module = size / len(matrix)
    canvas.saveState()
    canvas.setFillColor(_INK)
    canvas.transform(module, 0, 0, -module, x, y + size)  # one unit per module, rows downwards
    canvas.addLiteral(qr_path(matrix))
    canvas.restoreState()


def qr_path(matrix: Sequence[bytes | bytearray]) -> str:
    """PDF operators filling the dark modules, one rectangle per run, in module units.

    Integer coordinates under a scaling transform keep this cheap: formatting the
    floats of some 300 rectangles through ReportLab's path API costs ~3 ms a page.
    """
    ops = []
    for row_index, row in enumerate(matrix):
        start = -1
        for col, dark in enumerate(chain(row, b"\0")):
            if dark & 1 and start < 0:
                start = col
            elif not dark & 1 and start >= 0:
                ops.append(f"{start} {row_index} {col - start} 1 re")
                start = -1
    ops.append("f")
    return "\n".join(ops)


def _canvas(buffer: io.BytesIO, first: CertificateData) -> Canvas:
    register_fonts()
    canvas = Canvas(
        buffer, pagesize=A4, pageCompression=1, lang=first.language, initialFontName=SANS
    )
    canvas.setAuthor(first.issuer)
    canvas.setCreator("innostudy")
    canvas.setTitle(HEADING)
    canvas.setSubject(first.course_title)
    return canvas


def _check_language(data: CertificateData) -> CertificateData:
    if data.language not in LABELS:
        raise ValueError(f"unsupported certificate language {data.language!r}")
    return data


def render_certificate(data: CertificateData) -> bytes:
    """One certificate as a one-page A4 PDF."""
    buffer = io.BytesIO()
    canvas = _canvas(buffer, _check_language(data))
    canvas.setTitle(f"{HEADING}: {data.holder_name}")
    canvas.setKeywords(data.code)
    _Page(canvas, data).draw()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_certificates(items: Iterable[CertificateData]) -> bytes:
    """Many certificates as one PDF, one page each; fonts are embedded once.

    Raises:
        ValueError: if ``items`` is empty or a language is unsupported.
    """
    iterator: Iterator[CertificateData] = iter(items)
    first = next(iterator, None)
    if first is None:
        raise ValueError("no certificates to render")
    buffer = io.BytesIO()
    canvas = _canvas(buffer, _check_language(first))
    subjects: set[str] = set()
    for data in chain([first], iterator):
        _Page(canvas, _check_language(data)).draw()
        canvas.showPage()
        subjects.add(data.course_title)
    if len(subjects) > 1:
        canvas.setSubject(HEADING)
    canvas.save()
    return buffer.getvalue()
