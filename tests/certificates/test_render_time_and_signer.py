"""The certificate's module times (as on the course pages, adding up to the total) and its
signature block (a real signer, or the issuing organisation itself, never a placeholder)."""

from __future__ import annotations

import re

import pytest

from api.core.config import SHIPPED_CONTENT
from certificates.durations import format_duration
from certificates.render import PAGE_WIDTH, CompletedModule, render_certificate
from course.loader import load_course
from tests.certificates.helpers import make_certificate, page_text, text_boxes

DECIMAL_HOURS = re.compile(r"\b\d+,\d\d\b")
SIGNATURE_AREA = 107.0  # the signature line; the block is drawn below it, left of centre


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0, "0 min"),
        (5, "5 min"),
        (55, "55 min"),
        (60, "1 t"),
        (61, "1 t 1 min"),
        (90, "1 t 30 min"),
        (425, "7 t 5 min"),
        (480, "8 t"),
        (6000, "100 t"),
    ],
)
def test_durations_read_as_whole_hours_and_minutes(minutes: int, expected: str) -> None:
    assert format_duration(minutes) == expected


def test_a_negative_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_duration(-1)


def test_each_module_shows_its_time_and_the_total_is_their_sum() -> None:
    modules = (
        CompletedModule("Hvorfor innovasjon?", 55),
        CompletedModule("Tjenestedesign og brukerinvolvering", 90),
        CompletedModule("Gevinstrealisering", 60),
        CompletedModule("Spredning", 50),
    )
    text = page_text(render_certificate(make_certificate(modules=modules)))
    assert "Omfang" in text
    for module, shown in zip(modules, ["55 min", "1 t 30 min", "1 t", "50 min"], strict=True):
        assert f"{module.title} {shown}" in text
    assert "Totalt 4 t 15 min" in text  # 55 + 90 + 60 + 50 = 255 minutes
    assert not DECIMAL_HOURS.search(text), DECIMAL_HOURS.findall(text)


def test_the_shipped_course_certificate_adds_up_to_what_its_pages_show() -> None:
    course = load_course(SHIPPED_CONTENT).course
    assert course is not None
    modules = tuple(CompletedModule(m.title, m.estimated_minutes) for m in course.modules)
    text = page_text(render_certificate(make_certificate(modules=modules)))
    for module in modules:
        assert f"{module.title} {format_duration(module.estimated_minutes)}" in text
    total = sum(m.estimated_minutes for m in modules)
    assert f"Totalt {format_duration(total)}" in text
    assert not DECIMAL_HOURS.search(text), DECIMAL_HOURS.findall(text)


def _signature_lines(pdf: bytes) -> list[str]:
    """The text runs of the signature block, top to bottom."""
    boxes = [b for b in text_boxes(pdf) if b[2] < SIGNATURE_AREA and b[1] < PAGE_WIDTH / 2]
    return [text for text, *_ in sorted(boxes, key=lambda box: -box[2])]


def test_a_named_signer_signs_with_title_and_organisation() -> None:
    pdf = render_certificate(make_certificate())
    assert _signature_lines(pdf) == [
        "Ingrid Solberg-Haugen",
        "Fagansvarlig",
        "KS – Kommunesektorens organisasjon",
    ]


def test_a_named_signer_without_a_title_signs_for_the_organisation() -> None:
    pdf = render_certificate(make_certificate(signer_title=None))
    assert _signature_lines(pdf) == ["Ingrid Solberg-Haugen", "KS – Kommunesektorens organisasjon"]


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_without_a_signer_the_organisation_signs_as_course_organiser(language: str) -> None:
    pdf = render_certificate(
        make_certificate(signer_name=None, signer_title=None, language=language)
    )
    assert _signature_lines(pdf) == ["KS – Kommunesektorens organisasjon", "Kursarrangør"]


def test_without_a_signer_name_a_configured_role_is_the_organisations() -> None:
    pdf = render_certificate(make_certificate(signer_name=None, signer_title="Kursansvarlig"))
    assert _signature_lines(pdf) == ["KS – Kommunesektorens organisasjon", "Kursansvarlig"]


def test_a_long_issuer_signing_itself_stays_inside_the_frame() -> None:
    issuer = "Innovasjonsstudiet for kommunesektoren, KS og Kommunaldepartementet " * 2
    pdf = render_certificate(make_certificate(issuer=issuer, signer_name=None, signer_title=None))
    for text, x, y, width in text_boxes(pdf):
        assert x > 30 and x + width < PAGE_WIDTH - 30 and y > 30, (text, x, y, width)
    assert "Kursarrangør" in _signature_lines(pdf)
