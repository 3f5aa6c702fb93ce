"""Certificates per second: the renderer against a bare ReportLab page, and bulk rendering.

    python bench/bench_certificates.py [--count 300] [--bulk 10000] [--workers 2]

(a) ``render_certificate``, one PDF per certificate; (b) a bare ReportLab page with the
same fonts embedded, the same text and the same QR code drawn the same way, one PDF per
page; (c) ``render_certificates``, all pages in one PDF. The target is (a)/(b) >= 0.8.
``--bulk N`` also times ``render_to_directory`` writing N files (target: 10,000 < 120 s).
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import NamedTuple

import segno
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from certificates import render
from certificates.bulk import render_to_directory
from certificates.codes import new_code
from certificates.render import CertificateData, CompletedModule

NAMES = ("Áigin Ŋuolla Čuđe", "Łukasz Őrs Müller-Éclair", "Kari Nordmann", "Ørjan Sæther",
         "Máret Ánne Šávžža", "Ingrid Ødegård Ås")  # fmt: skip
MODULES = (
    CompletedModule("Hva er innovasjon i offentlig sektor?", 45),
    CompletedModule("Tjenestedesign og brukerinvolvering", 90),
    CompletedModule("Gevinstrealisering", 60),
    CompletedModule("Juss og personvern i innovasjonsprosjekter", 75),
    CompletedModule("Fra pilot til drift", 120),
)


def certificate(index: int) -> CertificateData:
    code = new_code()
    return CertificateData(
        code=code,
        holder_name=NAMES[index % len(NAMES)],
        municipality="Kautokeino kommune",
        course_title="Innovasjon i kommunesektoren: fra idé til gevinst",
        completed_at=date(2026, 11, 23),
        modules=MODULES,
        issuer="KS – Kommunesektorens organisasjon",
        signer_name="Ingrid Solberg-Haugen",
        signer_title="Fagansvarlig, Innovasjonsstudiet",
        verify_url=f"https://innostudy.no/kursbevis/{code}",
    )


def certificates(count: int) -> Iterator[CertificateData]:
    return (certificate(index) for index in range(count))


def bare_page(data: CertificateData) -> bytes:
    """The baseline: the same strings in the same fonts and the same QR path, nothing else."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=render.SANS)
    texts = [
        (render.SANS, 10.5, data.issuer),
        (render.SERIF_BOLD, 46, render.HEADING),
        (render.SERIF, 13, "Dette bekrefter at"),
        (render.SERIF_BOLD, 32, data.holder_name),
        (render.SANS, 12, data.municipality),
        (render.SERIF, 13, "har fullført kurset"),
        (render.SERIF_BOLD, 21, data.course_title),
        (render.SERIF, 13, f"den {render.format_date(data.completed_at)}"),
        (render.SANS_BOLD, 8, "Gjennomførte moduler Timer"),
        *((render.SANS, 9.5, f"{m.title} {m.estimated_minutes}") for m in data.modules),
        (render.SANS_BOLD, 9.5, "Totalt 6,5"),
        (render.SERIF_BOLD, 11.5, data.signer_name),
        (render.SANS, 9, data.signer_title),
        (render.SANS, 9, data.issuer),
        (render.SANS, 7.5, data.verify_url),
        (render.SANS_BOLD, 9, f"Kode: {data.code}"),
    ]
    for index, (font, size, text) in enumerate(texts):
        canvas.setFont(font, size)
        canvas.drawString(60, 780 - index * 36, text)
    matrix = segno.make_qr(data.verify_url, error="m").matrix
    module = 86 / len(matrix)
    canvas.saveState()
    canvas.transform(module, 0, 0, -module, 440, 190)
    canvas.addLiteral(render.qr_path(matrix))
    canvas.restoreState()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


class Rate(NamedTuple):
    wall: float
    cpu: float


def rate(function: Callable[[list[CertificateData]], object], items: list[CertificateData]) -> Rate:
    """Certificates per second of wall and of CPU time, best of three runs each.

    CPU time is what the ratio uses: it is not skewed when other work shares the machine.
    """
    wall = cpu = float("inf")
    for _ in range(3):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        function(items)
        wall = min(wall, time.perf_counter() - start_wall)
        cpu = min(cpu, time.process_time() - start_cpu)
    return Rate(len(items) / wall, len(items) / cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="certificates per variant")
    parser.add_argument("--bulk", type=int, default=0, help="also time N files in parallel")
    parser.add_argument("--workers", type=int, default=None, help="processes for --bulk")
    args = parser.parse_args()

    render.register_fonts()  # once per process, as in production; not part of any variant
    items = list(certificates(args.count))
    render.render_certificate(items[0])  # warm up imports and caches
    bare_page(items[0])
    single = rate(lambda xs: [render.render_certificate(x) for x in xs], items)
    bare = rate(lambda xs: [bare_page(x) for x in xs], items)
    many = rate(render.render_certificates, items)
    print(f"{'certificates/s':<44} {'wall':>8} {'CPU':>8}")
    for label, value in (
        ("(a) render_certificate, one PDF each", single),
        ("(b) bare ReportLab page, one PDF each", bare),
        ("(c) render_certificates, one PDF", many),
    ):
        print(f"{label:<44} {value.wall:>8.1f} {value.cpu:>8.1f}")
    print(
        f"ratio (a)/(b): {single.cpu / bare.cpu:.2f} by CPU time, "
        f"{single.wall / bare.wall:.2f} by wall time (target >= 0.80)"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    if args.bulk:
        with tempfile.TemporaryDirectory() as directory:
            start = time.perf_counter()
            written = render_to_directory(certificates(args.bulk), Path(directory),
                                          workers=args.workers)  # fmt: skip
            seconds = time.perf_counter() - start
        print(
            f"bulk: {written} files in {seconds:.1f} s ({written / seconds:.0f}/s; target < 120 s)"
        )


if __name__ == "__main__":
    main()
