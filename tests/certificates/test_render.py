import subprocess
from datetime import date

import pytest
from PIL import Image

from certificates.render import (
    PAGE_HEIGHT,
    PAGE_WIDTH,
    CompletedModule,
    fit_text,
    format_date,
    render_certificate,
    render_certificates,
)
from tests.certificates.helpers import (
    CODE,
    MODULES,
    decode_qr,
    make_certificate,
    page_text,
    read_pdf,
    require_tool,
    text_boxes,
)

LONG_NAME = (
    "Áigin Ŋuolla Čuđe Łukasz Őrs Müller-Éclair Bartholomew Alexander von "
    "Hohenzollern-Sigmaringen Ånestad Ødegård Sæther Aas"
)
LONG_TITLE = (
    "Innovasjon, tjenestedesign og gevinstrealisering i kommunesektoren: en grundig innføring "
    "for ledere og medarbeidere i helse, omsorg, oppvekst, teknisk sektor og administrasjon"
)
FRAME = 30.0  # the inner gold frame; no text may cross it


def _assert_inside_frame(pdf: bytes) -> None:
    for text, x, y, width in text_boxes(pdf):
        assert x > FRAME and x + width < PAGE_WIDTH - FRAME, (text, x, width)
        assert FRAME < y < PAGE_HEIGHT - FRAME, (text, y)


def test_certificate_shows_sami_name_course_date_modules_and_code():
    text = page_text(render_certificate(make_certificate()))
    for expected in (
        "Kursbevis",
        "Dette bekrefter at",
        "Áigin Ŋuolla Čuđe",
        "Kautokeino kommune",
        "Innovasjon i kommunesektoren",
        "23. november 2026",
        *(m.title for m in MODULES),
        "Totalt 3 t 15 min",
        CODE,
        f"https://innostudy.no/kursbevis/{CODE}",
        "Ingrid Solberg-Haugen",
        "Fagansvarlig",
        "KS – Kommunesektorens organisasjon",
    ):
        assert expected in text


@pytest.mark.parametrize(
    "name",
    [
        "Łukasz Őrs Müller-Éclair",
        "Åse Ødegård Sæther",
        "ÁIGIN ŊUOLLA ČUĐE ŠŦŽ",
        "Máret Ánne Šávžža Ŧ",
    ],
)
def test_latin_names_with_diacritics_are_extractable(name):
    assert name in page_text(render_certificate(make_certificate(holder_name=name)))


def test_pdftotext_reads_the_certificate_in_order():
    pdf = render_certificate(make_certificate())
    text = subprocess.run(
        [require_tool("pdftotext"), "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    order = [
        "Kursbevis",
        "Dette bekrefter at",
        "Áigin Ŋuolla Čuđe",
        "Kautokeino kommune",
        "har fullført kurset",
        "Innovasjon i kommunesektoren",
        "23. november 2026",
        MODULES[0].title,
        MODULES[-1].title,
        "Totalt",
        "Ingrid Solberg-Haugen",
        f"Kode: {CODE}",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)


def test_metadata_names_the_holder_course_issuer_and_language():
    reader = read_pdf(render_certificate(make_certificate()))
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Kursbevis: Áigin Ŋuolla Čuđe"
    assert meta.author == "KS – Kommunesektorens organisasjon"
    assert meta.subject == "Innovasjon i kommunesektoren"
    assert meta.creator == "innostudy"
    assert reader.trailer["/Root"]["/Lang"] == "nb"


def test_nynorsk_certificate_uses_nynorsk_labels_and_language():
    pdf = render_certificate(make_certificate(language="nn"))
    assert "Dette stadfestar at" in page_text(pdf)
    assert read_pdf(pdf).trailer["/Root"]["/Lang"] == "nn"


def test_unsupported_language_is_rejected():
    with pytest.raises(ValueError, match="language"):
        render_certificate(make_certificate(language="xx"))


def test_certificate_is_one_a4_portrait_page():
    reader = read_pdf(render_certificate(make_certificate()))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_120_character_name_and_long_title_fit_on_one_page_in_full():
    assert len(LONG_NAME) == 120
    pdf = render_certificate(make_certificate(holder_name=LONG_NAME, course_title=LONG_TITLE))
    assert len(read_pdf(pdf).pages) == 1
    text = page_text(pdf)
    assert LONG_NAME in text
    assert LONG_TITLE in text
    _assert_inside_frame(pdf)


def test_long_unbroken_words_and_urls_stay_inside_the_frame():
    pdf = render_certificate(
        make_certificate(
            holder_name="W" * 150,
            municipality="M" * 120,
            signer_name="S" * 80,
            issuer="I" * 90,
            verify_url="https://innostudy.no/kursbevis/" + "x" * 150,
        )
    )
    _assert_inside_frame(pdf)


def test_everything_long_at_once_still_fits_one_page(tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 400), (28, 51, 85)).save(logo)  # tall: must stay in its box
    title = "Tjenestedesign og brukerinvolvering i praksis " * 2
    modules = tuple(CompletedModule(f"Modul {i}: {title}", 30) for i in range(60))
    pdf = render_certificate(
        make_certificate(
            holder_name=LONG_NAME,
            course_title=LONG_TITLE,
            municipality="Guovdageainnu suohkan – Kautokeino kommune " * 3,
            issuer="Innovasjonsstudiet for kommunesektoren, KS og Kommunaldepartementet " * 2,
            modules=modules,
            logo_path=logo,
        )
    )
    assert len(read_pdf(pdf).pages) == 1
    text = page_text(pdf)
    assert LONG_NAME in text
    assert "moduler til" in text
    assert "Totalt 30 t" in text  # the total counts the modules that were left out too
    _assert_inside_frame(pdf)


def test_all_fonts_are_embedded_truetype_subsets():
    fonts = read_pdf(render_certificate(make_certificate())).pages[0]["/Resources"]["/Font"]
    assert fonts
    for font in fonts.values():
        font = font.get_object()
        assert font["/Subtype"] == "/TrueType"
        assert "/FontFile2" in font["/FontDescriptor"]


def test_qr_code_decodes_to_the_verify_url(tmp_path):
    url = "https://innostudy.no/kursbevis/7K3M-Q9XD-4T4"
    assert decode_qr(render_certificate(make_certificate(verify_url=url)), tmp_path) == url


def test_logo_is_drawn_when_given(tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("RGBA", (300, 100), (28, 51, 85, 255)).save(logo)
    page = read_pdf(render_certificate(make_certificate(logo_path=logo))).pages[0]
    assert any(
        x.get_object()["/Subtype"] == "/Image" for x in page["/Resources"]["/XObject"].values()
    )


def test_many_certificates_share_one_pdf_and_embed_each_font_once():
    names = ["Áigin Ŋuolla Čuđe", "Łukasz Őrs Müller-Éclair", "Kari Nordmann"]
    pdf = render_certificates(make_certificate(holder_name=n) for n in names)
    reader = read_pdf(pdf)
    assert len(reader.pages) == 3
    for index, name in enumerate(names):
        assert name in page_text(pdf, index)
    font_files = {
        font.get_object()["/FontDescriptor"].raw_get("/FontFile2").idnum
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert len(font_files) == 4
    assert len(pdf) < 2 * len(render_certificate(make_certificate()))


def test_an_empty_batch_is_rejected():
    with pytest.raises(ValueError, match="no certificates"):
        render_certificates([])


def test_dates_use_norwegian_month_names_whatever_the_locale():
    assert format_date(date(2026, 11, 23)) == "23. november 2026"
    assert format_date(date(2027, 1, 5)) == "5. januar 2027"
    assert [format_date(date(2026, m, 1)).split()[1] for m in (3, 5, 10, 12)] == [
        "mars",
        "mai",
        "oktober",
        "desember",
    ]


def test_fit_text_shrinks_to_the_minimum_then_wraps():
    assert fit_text("Kari", "DejaVuSans", 200, size=20, min_size=10, max_lines=2) == (20, ["Kari"])
    size, lines = fit_text("a" * 30, "DejaVuSans", 200, size=20, min_size=10, max_lines=2)
    assert 10 <= size < 20 and lines == ["a" * 30]
    size, lines = fit_text("ord " * 30, "DejaVuSans", 200, size=20, min_size=10, max_lines=3)
    assert size <= 10 and 1 < len(lines) <= 3 and " ".join(lines) == " ".join(["ord"] * 30)
