"""The project plan as a Word document (python-docx), to paste into a funding application.

The same content as the PDF: a summary, then a heading per step and its fields, with
real Word tables whose first row is a header row (repeated on every page, bold). The
text is marked as Norwegian bokmål; Word picks its own fonts, which cover Sami letters.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as WordDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.table import Table as WordTable
from docx.table import _Cell

from certificates.project_plan.data import (
    RISK_HEADERS,
    SCALE,
    Items,
    PlanData,
    PlanField,
    Risks,
    Table,
    Text,
    risk_color,
)
from certificates.project_plan.pdf import MATRIX_CAPTION, NOT_FILLED
from certificates.render import format_date

_LANGUAGES = {"nb": "nb-NO", "nn": "nn-NO"}
_MUTED = RGBColor(0x5B, 0x65, 0x73)


def _shade(cell: _Cell, hex_rgb: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), hex_rgb)
    cell._tc.get_or_add_tcPr().append(shading)


def _header_row(table: WordTable) -> None:
    """Mark the first row as the header row: Word repeats it on every page."""
    row = table.rows[0]
    mark = OxmlElement("w:tblHeader")
    mark.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(mark)
    for cell in row.cells:
        for run in cell.paragraphs[0].runs:
            run.bold = True
        _shade(cell, "E6EAF0")


def _grid(doc: WordDocument, header: Sequence[str], rows: Sequence[Sequence[str]]) -> WordTable:
    table: WordTable = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.paragraphs[0].add_run(text)
    for row, values in zip(table.rows[1:], rows, strict=True):
        for cell, text in zip(row.cells, values, strict=False):
            cell.text = text
    _header_row(table)
    return table


def _risks(doc: WordDocument, value: Risks) -> None:
    table = _grid(doc, RISK_HEADERS, value.table_rows())
    for row, risk in zip(table.rows[1:], value.rows, strict=True):
        if risk.score is not None:
            _shade(row.cells[3], risk_color(risk.score))
    doc.add_paragraph(MATRIX_CAPTION)
    header = ("Sannsynlighet ↓ / Konsekvens →", *(str(c) for c in SCALE))
    rows = [
        (str(likelihood), *(str(value.count(likelihood, c) or "") for c in SCALE))
        for likelihood in reversed(SCALE)
    ]
    matrix = _grid(doc, header, rows)
    for row, likelihood in zip(matrix.rows[1:], reversed(SCALE), strict=True):
        for cell, consequence in zip(row.cells[1:], SCALE, strict=True):
            _shade(cell, risk_color(likelihood * consequence))


def _value(doc: WordDocument, item: PlanField) -> None:
    value = item.value
    if value is None:
        doc.add_paragraph().add_run(NOT_FILLED).font.color.rgb = _MUTED
    elif isinstance(value, Text):
        for part in value.text.split("\n\n"):
            doc.add_paragraph(part)
    elif isinstance(value, Items):
        for entry in value.items:
            doc.add_paragraph(entry, style="List Bullet")
    elif isinstance(value, Risks):
        _risks(doc, value)
    elif isinstance(value, Table):
        _grid(doc, value.columns, list(value.rows))


def _language(doc: WordDocument, language: str) -> None:
    """Mark the default text as the plan's language (spelling and screen readers)."""
    tag = _LANGUAGES.get(language, language)
    run_props = doc.styles.element.find(qn("w:docDefaults"))
    assert run_props is not None
    rpr = run_props.find(qn("w:rPrDefault"))
    target = rpr.find(qn("w:rPr")) if rpr is not None else None
    if target is None:
        return
    lang = target.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        target.append(lang)
    lang.set(qn("w:val"), tag)


def _property(text: str) -> str:
    """A core property fits Word's limit of 255 characters."""
    return text if len(text) <= 255 else text[:254] + "…"


def render_docx(data: PlanData) -> bytes:
    """The plan as a .docx: summary, then a heading per step with its fields."""
    doc = Document()
    props = doc.core_properties
    props.title = _property(f"Prosjektplan: {data.title}")
    props.author = _property(", ".join(data.authors))
    props.subject = _property(data.course_title)
    props.language = _LANGUAGES.get(data.language, data.language)
    props.comments = "Laget med innostudy"
    _language(doc, data.language)
    doc.styles["Normal"].font.size = Pt(11)

    doc.add_heading(data.title, level=0)
    if data.challenge:
        doc.add_heading("Utfordringen", level=1)
        doc.add_paragraph(data.challenge)
    facts = doc.add_table(rows=0, cols=2)
    facts.style = "Table Grid"
    for label, text in (
        ("Laget av", ", ".join(data.authors) or "–"),
        ("Kommune", data.municipality or "–"),
        ("Dato", format_date(data.made_on)),
        ("Kurs", data.course_title),
        ("Framdrift", data.progress),
    ):
        cells = facts.add_row().cells
        cells[0].paragraphs[0].add_run(label).bold = True
        cells[1].text = text
    if data.steps:
        doc.add_heading("Stegene i planen", level=1)
        rows = [(s.module_title, s.title, f"{s.status} ({s.filled} av {len(s.fields)} felt)")
                for s in data.steps]  # fmt: skip
        _grid(doc, ("Modul", "Steg", "Status"), rows)

    for number, step in enumerate(data.steps, start=1):
        doc.add_heading(f"Steg {number}: {step.title}", level=1)
        status = doc.add_paragraph()
        status.add_run(f"{step.module_title} · {step.status}: {step.filled} av "
                       f"{len(step.fields)} felt fylt ut").font.color.rgb = _MUTED  # fmt: skip
        for item in step.fields:
            doc.add_heading(item.label, level=2)
            _value(doc, item)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
