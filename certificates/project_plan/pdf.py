"""The project plan as PDF (ReportLab platypus): a one-page summary, then each step.

Text is drawn in reading order (summary, then the steps in course order), so pypdf and
screen readers' text extraction follow it. Tables repeat their header row on every page
they continue on and may split inside a tall row, so no row can be too large for a page.
The document carries its title, authors and language (``nb``); each step is a bookmark.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import registerFontFamily, stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepInFrame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable

from certificates.project_plan.data import (
    RISK_HEADERS,
    SCALE,
    Items,
    PlanData,
    PlanField,
    PlanStep,
    Risks,
    Table,
    Text,
    risk_color,
)
from certificates.render import SANS, SANS_BOLD, SERIF, SERIF_BOLD, format_date, register_fonts

_MARGIN = 20 * mm
_WIDTH = A4[0] - 2 * _MARGIN
_NAVY, _INK, _MUTED = HexColor(0x1C3355), HexColor(0x222831), HexColor(0x5B6573)
_RULE, _HEAD_BG, _TINT = HexColor(0xC9CED6), HexColor(0xE6EAF0), HexColor(0xF4F1E8)
NOT_FILLED = "Ikke fylt ut"
MATRIX_CAPTION = "Risikomatrise: antall risikoer etter sannsynlighet og konsekvens"


def _style(name: str, **kw: Any) -> ParagraphStyle:
    base: dict[str, Any] = {"fontName": SANS, "fontSize": 10, "leading": 14, "textColor": _INK}
    return ParagraphStyle(name, **{**base, **kw})


_S = {
    "kicker": _style("kicker", fontName=SANS_BOLD, fontSize=9, textColor=_MUTED, leading=12),
    "title": _style("title", fontName=SERIF_BOLD, fontSize=26, leading=31, textColor=_NAVY,
                    spaceBefore=4, spaceAfter=14),
    "challenge": _style("challenge", fontName=SERIF, fontSize=14, leading=19),
    "h2": _style("h2", fontName=SERIF_BOLD, fontSize=15, leading=19, textColor=_NAVY,
                 spaceBefore=16, spaceAfter=6, keepWithNext=1),
    "step": _style("step", fontName=SERIF_BOLD, fontSize=17, leading=21, textColor=_NAVY,
                   spaceAfter=2, keepWithNext=1),
    "status": _style("status", fontSize=9, textColor=_MUTED, spaceAfter=8, keepWithNext=1),
    "label": _style("label", fontName=SANS_BOLD, spaceBefore=8, spaceAfter=2, keepWithNext=1),
    "body": _style("body", spaceAfter=4),
    "muted": _style("muted", textColor=_MUTED),
    "cell": _style("cell", fontSize=8.5, leading=11),
    "head": _style("head", fontName=SANS_BOLD, fontSize=8.5, leading=11),
    "center": _style("center", fontSize=9, leading=11, alignment=1),
}  # fmt: skip


def _text(text: str) -> str:
    """Paragraph markup for plain text: escaped, line breaks kept."""
    return escape(text).replace("\n", "<br/>")


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(_text(text), _S[style])


def _grid(header: Sequence[str], rows: Sequence[Sequence[str]], widths: list[float]) -> PdfTable:
    data = [[_p(h, "head") for h in header], *([_p(c, "cell") for c in row] for row in rows)]
    table = PdfTable(data, colWidths=widths, repeatRows=1, splitInRow=1, hAlign="LEFT")
    table.setStyle(
        TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, _NAVY),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, _RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ])
    )  # fmt: skip
    return table


def _table(value: Table) -> list[Flowable]:
    width = _WIDTH / max(len(value.columns), 1)
    return [_grid(value.columns, list(value.rows), [width] * len(value.columns))]


def _risks(value: Risks) -> list[Flowable]:
    number = max(stringWidth(h, SANS_BOLD, 8.5) for h in RISK_HEADERS[1:3]) + 10
    score = stringWidth("5 × 5 = 25", SANS, 8.5) + 12
    text = (_WIDTH - 2 * number - score) / 2
    table = _grid(RISK_HEADERS, value.table_rows(), [text, number, number, score, text])
    styles = []
    for index, risk in enumerate(value.rows, start=1):
        if risk.score is not None:
            styles.append(
                ("BACKGROUND", (3, index), (3, index), HexColor(int(risk_color(risk.score), 16)))
            )
    table.setStyle(TableStyle(styles))
    return [table, Spacer(1, 8), _p(MATRIX_CAPTION, "label"), _matrix(value)]


def _matrix(value: Risks) -> PdfTable:
    """Likelihood (rows, 5 at the top) × consequence (columns): how many risks in each cell."""
    header = [_p("Sannsynlighet ↓ / Konsekvens →", "head"), *(_p(str(c), "center") for c in SCALE)]
    rows: list[list[Any]] = [header]
    styles: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.5, white),
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
        ("BACKGROUND", (0, 0), (0, -1), _HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for r, likelihood in enumerate(reversed(SCALE), start=1):
        counts = [value.count(likelihood, c) for c in SCALE]
        rows.append(
            [_p(str(likelihood), "center"), *(_p(str(n) if n else "", "center") for n in counts)]
        )
        for c, consequence in enumerate(SCALE, start=1):
            color = HexColor(int(risk_color(likelihood * consequence), 16))
            styles.append(("BACKGROUND", (c, r), (c, r), color))
    table = PdfTable(rows, colWidths=[120, *[34] * 5], rowHeights=[30, *[24] * 5], hAlign="LEFT")
    table.setStyle(TableStyle(styles))
    return table


def _value(item: PlanField) -> list[Flowable]:
    value = item.value
    if value is None:
        return [_p(NOT_FILLED, "muted")]
    if isinstance(value, Text):
        return [_p(part, "body") for part in value.text.split("\n\n")]
    if isinstance(value, Items):
        return [Paragraph(_text(i), _S["body"], bulletText="•") for i in value.items]
    if isinstance(value, Risks):
        return _risks(value)
    return _table(value)


def _facts(data: PlanData) -> PdfTable:
    rows = [
        ("Laget av", ", ".join(data.authors) or "–"),
        ("Kommune", data.municipality or "–"),
        ("Dato", format_date(data.made_on)),
        ("Kurs", data.course_title),
        ("Framdrift", data.progress),
    ]
    table = PdfTable([[_p(k, "head"), _p(v, "body")] for k, v in rows],
                     colWidths=[80, _WIDTH - 80], hAlign="LEFT")  # fmt: skip
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.3, _RULE)]))  # fmt: skip
    return table


def _summary(data: PlanData) -> list[Flowable]:
    """The first page: what the plan is, who made it, where, and how far it has come."""
    content: list[Flowable] = [_p("PROSJEKTPLAN", "kicker"), _p(data.title, "title")]
    if data.challenge:
        challenge = data.challenge if len(data.challenge) <= 600 else data.challenge[:599] + "…"
        box = PdfTable([[_p("Utfordringen", "kicker")], [_p(challenge, "challenge")]],
                       colWidths=[_WIDTH])  # fmt: skip
        box.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), _TINT),
                                 ("LINEBEFORE", (0, 0), (0, -1), 3, _NAVY),
                                 ("LEFTPADDING", (0, 0), (-1, -1), 12),
                                 ("TOPPADDING", (0, 0), (-1, -1), 6),
                                 ("BOTTOMPADDING", (0, -1), (-1, -1), 10)]))  # fmt: skip
        content += [box, Spacer(1, 14)]
    content.append(_facts(data))
    if data.steps:
        content.append(_p("Stegene i planen", "h2"))
        rows = [(s.module_title, s.title, f"{s.status} ({s.filled} av {len(s.fields)} felt)")
                for s in data.steps]  # fmt: skip
        content.append(_grid(("Modul", "Steg", "Status"), rows, [_WIDTH * 0.35, _WIDTH * 0.4,
                                                                 _WIDTH * 0.25]))  # fmt: skip
    # Always one page: a very long title or many steps shrink rather than spill over.
    return [KeepInFrame(_WIDTH, A4[1] - 2 * _MARGIN - 12, content, mode="shrink"), PageBreak()]


class _StepHeading(Paragraph):  # type: ignore[misc]
    """A step's title: a bookmark in the document outline."""


def _step(number: int, step: PlanStep) -> list[Flowable]:
    flowables: list[Flowable] = [
        _p(f"Steg {number} · {step.module_title}", "kicker"),
        _StepHeading(_text(step.title), _S["step"]),
        _p(f"{step.status}: {step.filled} av {len(step.fields)} felt fylt ut", "status"),
    ]
    for item in step.fields:
        flowables.append(_p(item.label, "label"))
        flowables.extend(_value(item))
    flowables.append(Spacer(1, 18))
    return flowables


class _Document(BaseDocTemplate):  # type: ignore[misc]
    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, _StepHeading):
            key = f"step-{id(flowable)}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=0)


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Draws "Side n av N" on every page once the number of pages is known."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(SANS, 8)
            self.setFillColor(_MUTED)
            self.drawRightString(A4[0] - _MARGIN, 12 * mm, f"Side {self._pageNumber} av {total}")
            super().showPage()
        super().save()


def _running_title(title: str) -> Any:
    short = title if len(title) <= 90 else title[:89] + "…"

    def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
        if canvas.getPageNumber() > 1:
            canvas.saveState()
            canvas.setFont(SANS, 8)
            canvas.setFillColor(_MUTED)
            canvas.drawString(_MARGIN, A4[1] - 12 * mm, short)
            canvas.setStrokeColor(_RULE)
            canvas.line(_MARGIN, A4[1] - 13.5 * mm, A4[0] - _MARGIN, A4[1] - 13.5 * mm)
            canvas.restoreState()

    return draw


def render_pdf(data: PlanData) -> bytes:
    """The plan as an A4 PDF: the summary page, then every step in course order."""
    register_fonts()
    registerFontFamily(SANS, normal=SANS, bold=SANS_BOLD, italic=SANS, boldItalic=SANS_BOLD)
    buffer = io.BytesIO()
    doc = _Document(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=f"Prosjektplan: {data.title}",
        author=", ".join(data.authors),
        subject=data.course_title,
        creator="innostudy",
        lang=data.language,
        displayDocTitle=1,
        initialFontName=SANS,
    )
    frame = Frame(_MARGIN, _MARGIN, _WIDTH, A4[1] - 2 * _MARGIN, id="body")
    doc.addPageTemplates([PageTemplate("page", [frame], onPage=_running_title(data.title))])
    story = _summary(data)
    for number, step in enumerate(data.steps, start=1):
        story.extend(_step(number, step))
    doc.build(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
