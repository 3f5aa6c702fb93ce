"""The project plan documents read back: pypdf for the PDF, python-docx for the Word file."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

import docx
import pypdf
import pytest
from docx.oxml.ns import qn

from certificates.project_plan import (
    Items,
    PlanData,
    PlanField,
    PlanStep,
    Risk,
    Risks,
    Table,
    Text,
    render_docx,
    render_pdf,
)
from certificates.project_plan.data import RISK_HEADERS

SAMI = "Áigin Ŋuolla Čuđe"
CHALLENGE = "Hvordan kan vi hjelpe eldre å bo trygt hjemme?"
TALL_CELL = "Strømmen går i hele Guovdageaidnu samtidig. " * 45  # about 2,000 characters


def _plan() -> PlanData:
    risks = tuple(
        Risk(f"Risiko {n:02d} for {SAMI}", n % 5 + 1, n * 3 % 5 + 1, f"Tiltak {n:02d}")
        for n in range(80)
    )
    first = PlanStep("Planlegg prosjektet", "Beskriv prosjektet", (
        PlanField("Prosjektets navn", Text("Trygg hjemme")),
        PlanField("Utfordringen", Text(CHALLENGE, long=True)),
        PlanField("Hvem berøres?", Items(("Brukere", "Pårørende"))),
        PlanField("Når starter dere?", None),
    ))  # fmt: skip
    second = PlanStep("Planlegg prosjektet", "Kartlegg interessentene", (
        PlanField("Interessentkart", Table(("Aktør", "Interesse", "Innflytelse"),
                                           (("Nav", "Høy", "Middels"),))),
        PlanField("ROS-analyse", Risks((*risks, Risk(TALL_CELL, None, None, "Aggregat")))),
    ))  # fmt: skip
    third = PlanStep("Gjennomfør prosjektet", "Neste steg", (PlanField("Hva nå?", None),))
    return PlanData(
        title="Trygg hjemme i Guovdageaidnu",
        challenge=CHALLENGE,
        authors=(SAMI, "Kari Nordmann"),
        municipality="Kautokeino",
        made_on=date(2026, 12, 4),
        course_title="Innovasjonsstudiet",
        steps=(first, second, third),
    )


@pytest.fixture(scope="module")
def plan() -> PlanData:
    return _plan()


def test_the_pdf_reads_summary_first_then_the_steps_in_order(plan: PlanData) -> None:
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(plan)))
    pages = [page.extract_text() for page in reader.pages]
    summary = pages[0]
    for expected in ("Trygg hjemme i Guovdageaidnu", "Hvordan kan vi hjelpe eldre", SAMI,
                     "Kautokeino", "4. desember 2026", "1 av 3 steg ferdige (5 av 7 felt fylt ut)",
                     f"Side 1 av {len(pages)}"):  # fmt: skip
        assert expected in summary, expected
    assert "Steg 1 ·" not in summary  # the summary is a page of its own
    text = "\n".join(pages)
    order = [text.index(s) for s in ("Stegene i planen", "Steg 1 · Planlegg", "Trygg hjemme\n",
                                     "Steg 2 · Planlegg", "Risiko 00", "Risiko 79", "Risikomatrise",
                                     "Steg 3 · Gjennomfør")]  # fmt: skip
    assert order == sorted(order)
    assert "4 × 5 = 20" in text and "Ikke fylt ut" in text
    assert reader.metadata is not None
    assert reader.metadata.title == "Prosjektplan: Trygg hjemme i Guovdageaidnu"
    assert reader.metadata.author == f"{SAMI}, Kari Nordmann"
    assert reader.trailer["/Root"]["/Lang"] == "nb"
    assert [o.title for o in reader.outline] == [  # type: ignore[union-attr]
        "Beskriv prosjektet", "Kartlegg interessentene", "Neste steg",
    ]  # fmt: skip


def test_a_long_ros_table_repeats_its_header_row_on_every_page(plan: PlanData) -> None:
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(plan)))
    with_rows = [t for p in reader.pages if "for Áigin" in (t := p.extract_text())]
    assert len(with_rows) >= 3  # 80 rows do not fit one page
    for text in with_rows:
        assert "Hva kan gå galt" in text
        assert text.index("Hva kan gå galt") < text.index("for Áigin")
    numbers = [int(re.findall(r"Risiko (\d\d) for", t)[0]) for t in with_rows]
    assert numbers == sorted(numbers) and numbers[0] == 0
    assert SAMI in " ".join(with_rows[-1].split())  # wrapped in its cell
    # The 2,000-character cell is split inside its row rather than breaking the layout.
    assert "Aggregat" in "\n".join(p.extract_text() for p in reader.pages)


def test_the_word_file_has_headings_and_real_tables_with_header_rows(plan: PlanData) -> None:
    document = docx.Document(io.BytesIO(render_docx(plan)))
    headings = [p.text for p in document.paragraphs if p.style and p.style.name.startswith(
        ("Heading", "Title"))]  # fmt: skip
    assert headings[:3] == ["Trygg hjemme i Guovdageaidnu", "Utfordringen", "Stegene i planen"]
    steps = [h for h in headings if h.startswith("Steg ")]
    assert steps == ["Steg 1: Beskriv prosjektet", "Steg 2: Kartlegg interessentene",
                     "Steg 3: Neste steg"]  # fmt: skip
    assert "ROS-analyse" in headings
    assert document.core_properties.title == "Prosjektplan: Trygg hjemme i Guovdageaidnu"

    def cells(row: int, table: docx.table.Table) -> list[str]:
        return [c.text for c in table.rows[row].cells]

    facts, overview, stakeholders, risks, matrix = document.tables
    assert cells(0, facts) == ["Laget av", f"{SAMI}, Kari Nordmann"]
    assert cells(0, overview) == ["Modul", "Steg", "Status"]
    assert cells(1, stakeholders) == ["Nav", "Høy", "Middels"]
    assert cells(0, risks) == list(RISK_HEADERS) and len(risks.rows) == 82
    assert cells(4, risks) == [f"Risiko 03 for {SAMI}", "4", "5", "4 × 5 = 20", "Tiltak 03"]
    assert cells(1, matrix)[0] == "5" and cells(5, matrix)[1] == "16"  # likelihood 1, consequence 1
    for table in (overview, stakeholders, risks, matrix):
        header = table.rows[0]._tr.trPr
        assert header is not None and header.find(qn("w:tblHeader")) is not None
        assert all(run.bold for run in table.rows[0].cells[0].paragraphs[0].runs)


def test_word_properties_are_kept_within_their_limit(plan: PlanData) -> None:
    many = replace(plan, authors=tuple(f"{SAMI} {n}" for n in range(40)))
    document = docx.Document(io.BytesIO(render_docx(many)))
    assert len(document.core_properties.author) == 255
    assert document.tables[0].rows[0].cells[1].text.endswith(f"{SAMI} 39")
