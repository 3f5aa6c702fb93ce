"""Factories and PDF readers shared by the certificate tests."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pypdf
import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from certificates.render import CertificateData, CompletedModule

CODE = "7K3M-Q9XD-4T4"
MODULES = (
    CompletedModule("Hva er innovasjon i offentlig sektor?", 45),
    CompletedModule("Tjenestedesign og brukerinvolvering", 90),
    CompletedModule("Gevinstrealisering", 60),
)


def make_certificate(**overrides: Any) -> CertificateData:
    data = CertificateData(
        code=CODE,
        holder_name="Áigin Ŋuolla Čuđe",
        municipality="Kautokeino kommune",
        course_title="Innovasjon i kommunesektoren",
        completed_at=date(2026, 11, 23),
        modules=MODULES,
        issuer="KS – Kommunesektorens organisasjon",
        signer_name="Ingrid Solberg-Haugen",
        signer_title="Fagansvarlig",
        verify_url=f"https://innostudy.no/kursbevis/{CODE}",
    )
    return replace(data, **overrides)


def read_pdf(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def page_text(pdf: bytes, page: int = 0) -> str:
    """pypdf's text of one page with all runs of whitespace made single spaces."""
    return " ".join(read_pdf(pdf).pages[page].extract_text().split())


def text_boxes(pdf: bytes, page: int = 0) -> list[tuple[str, float, float, float]]:
    """(text, x, baseline y, width) of every text run, measured with the embedded font."""
    boxes: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        name = str(font["/BaseFont"]).split("+", 1)[1]  # subset prefix "AAAAAA+"
        boxes.append((text.strip(), x, y, stringWidth(text.strip(), name, size)))

    read_pdf(pdf).pages[page].extract_text(visitor_text=visit)
    return boxes


def require_tool(name: str) -> str:
    """The path of a command-line tool; CI installs them, so a missing one is a failure."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is not installed: apt-get install -y poppler-utils zbar-tools", pytrace=False
        )
    return path


def decode_qr(pdf: bytes, directory: Path) -> str:
    """Render page 1 with poppler and decode its QR code with zbar."""
    pdftoppm, zbarimg = require_tool("pdftoppm"), require_tool("zbarimg")
    (directory / "qr.pdf").write_bytes(pdf)
    page = directory / "qr"
    subprocess.run(
        [
            pdftoppm,
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            directory / "qr.pdf",
            page,
        ],
        check=True,
    )
    result = subprocess.run(
        [zbarimg, "--raw", "-q", page.with_suffix(".png")],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()
