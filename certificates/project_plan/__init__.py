"""The project plan as documents: plan data in, PDF or Word bytes out.

Pure, like the certificate renderer: no database, no web framework. The data is
already in course order and in words (labels, not field ids), so the renderers only
lay it out. ``render_pdf`` (ReportLab platypus, the certificate's DejaVu fonts) and
``render_docx`` (python-docx) show the same content.
"""

from __future__ import annotations

from certificates.project_plan.data import (
    SCALE,
    Items,
    PlanData,
    PlanField,
    PlanStep,
    Risk,
    Risks,
    Table,
    Text,
    Value,
)
from certificates.project_plan.pdf import render_pdf
from certificates.project_plan.word import render_docx

__all__ = [
    "SCALE",
    "Items",
    "PlanData",
    "PlanField",
    "PlanStep",
    "Risk",
    "Risks",
    "Table",
    "Text",
    "Value",
    "render_docx",
    "render_pdf",
]
