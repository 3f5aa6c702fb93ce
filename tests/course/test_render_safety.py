"""Rendered course text is safe HTML and never gives away the answers.

The output is parsed with ``html.parser`` and checked attribute by attribute,
as a browser would read it, rather than by searching for substrings only.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from course.markdown import render_inline
from course.models import Module
from tests.course.helpers import compile_source, module_source

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "section", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "id", "href", "title", "class", "src", "alt", "start", "rel", "colspan", "rowspan",
    "role", "tabindex", "aria-label", "aria-labelledby",  # a table's scroll region
}  # fmt: skip
SAFE_SCHEMES = {None, "http", "https", "mailto", "tel"}
C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


class Element:
    def __init__(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tag = tag
        self.attrs = {name: value or "" for name, value in attrs}

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Collector:
    collector = Collector()
    collector.feed(html)
    collector.close()
    return collector


def url_scheme(url: str) -> str | None:
    """The scheme a browser sees: it trims C0 controls and spaces and drops tabs and newlines."""
    cleaned = re.sub(r"[\t\n\r]", "", url.strip(C0_AND_SPACE))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else None


def assert_safe(html: str) -> None:
    for element in parse(html).elements:
        assert element.tag in ALLOWED_TAGS, element
        assert set(element.attrs) <= ALLOWED_ATTRIBUTES, element
        for name in ("href", "src"):
            if name in element.attrs:
                assert url_scheme(element.attrs[name]) in SAFE_SCHEMES, element


def all_html(module: Module) -> list[str]:
    """Every HTML fragment a module renders: text, questions, options, feedback, explanations."""
    htmls = [module.html]
    for question in module.quiz.questions if module.quiz else ():
        htmls += [question.html, question.explanation_html, question.details_html]
        for option in question.options:
            htmls += [option.html, option.feedback_html or ""]
    return htmls


def compile_everywhere(markdown: str) -> Module:
    """A module with ``markdown`` in its text, a question, an option, feedback and explanation."""
    body = f"""{markdown}

Tekst.

::: quiz
### {markdown} ?
{markdown}

- [x] {markdown}
  > {markdown}
- [ ] Nei
> {markdown}
:::
"""
    result = compile_source(module_source(body))
    assert result.module is not None, [str(p) for p in result.problems]
    return result.module


# -- raw HTML ----------------------------------------------------------------

RAW_HTML = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<iframe src="https://example.com"></iframe>',
    "<style>body { display: none }</style>",
    '<a href="javascript:alert(1)">lenke</a>',
    "<svg onload=alert(1)>",
    '<div onclick="alert(1)">klikk</div>',
    "<!-- kommentar --><b>fet</b>",
    '<p style="position:fixed">stil</p>',
    "<object data=x></object><embed src=x><form><input autofocus onfocus=alert(1)>",
]


@pytest.mark.parametrize("html", RAW_HTML)
def test_raw_html_in_text_is_shown_as_text_not_passed_through(html: str) -> None:
    result = compile_source(module_source(f"{html}\n\nTekst med {html} inni.\n"))
    assert result.module is not None
    parsed = parse(result.module.html)
    assert [e.tag for e in parsed.elements] == ["p", "p"]
    assert html in "".join(parsed.text)  # escaped, so it reads as the author wrote it


@pytest.mark.parametrize("html", RAW_HTML)
def test_raw_html_in_a_quiz_is_not_passed_through(html: str) -> None:
    for fragment in all_html(compile_everywhere(html)):
        assert_safe(fragment)
        assert not {e.tag for e in parse(fragment).elements} - {"p", "blockquote"}


@pytest.mark.parametrize("html", RAW_HTML)
def test_raw_html_in_inline_text_is_not_passed_through(html: str) -> None:
    assert parse(render_inline(html)).elements == []


# -- dangerous URL schemes -----------------------------------------------------

TARGETS = [
    "javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
]


def spellings(target: str) -> list[str]:
    """Ways of writing ``target`` that a careless filter might miss."""
    scheme, rest = target.split(":", 1)
    first = scheme[0]
    mixed = "".join(c.upper() if i % 2 else c for i, c in enumerate(scheme))
    return [
        target,
        target.upper(),
        f"{mixed}:{rest}",
        f"&#{ord(first)};{scheme[1:]}:{rest}",
        f"&#x{ord(first):X};{scheme[1:]}:{rest}",
        f"&#000{ord(first)};{scheme[1:]}:{rest}",
        f"{scheme}&colon;{rest}",
        f"{scheme}&#58;{rest}",
        f"%{ord(first):02x}{scheme[1:]}:{rest}",
        f"{scheme}%3A{rest}",
        f"{scheme[:4]}&#9;{scheme[4:]}:{rest}",
        f"{scheme[:4]}&#x0A;{scheme[4:]}:{rest}",
        f"{scheme[:4]}&#13;{scheme[4:]}:{rest}",
        f"&#x20;{target}",
        f"&#0;{target}",
        f"\x01{target}",
    ]


def forms(url: str) -> list[str]:
    """The Markdown constructs that produce an href or a src."""
    tab = url.replace(url[:4], url[:4] + "\t", 1)
    return [
        f"[lenke]({url})",
        f"[lenke](<{url}>)",
        f"[lenke](<{tab}>)",
        f'[lenke]({url} "tittel")',
        f"<{url}>",
        f"[lenke][ref]\n\n[ref]: {url}",
        f"[ref]\n\n[ref]: <{url}>",
        f"![bilde]({url})",
        f"![bilde][img]\n\n[img]: {url}",
        f"[![bilde]({url})]({url})",
        f"| a |\n|---|\n| [lenke]({url}) |",
        f"Fotnote[^1].\n\n[^1]: [lenke]({url})",
    ]


DANGEROUS = sorted({form for target in TARGETS for url in spellings(target) for form in forms(url)})


def test_url_scheme_reads_urls_like_a_browser() -> None:
    assert url_scheme(" \x01Java\tScRi\npt:alert(1)") == "javascript"
    assert url_scheme("%6Aavascript:alert(1)") is None  # a relative path to a browser
    assert url_scheme("/moduler/intro#a:b") is None
    assert url_scheme("https://example.com") == "https"


@pytest.mark.parametrize("markdown", DANGEROUS)
def test_dangerous_link_in_text_has_no_dangerous_href_or_src(markdown: str) -> None:
    result = compile_source(module_source(f"{markdown}\n"))
    assert result.module is not None
    assert_safe(result.module.html)


def test_dangerous_links_in_every_part_of_a_quiz_are_neutralised() -> None:
    for markdown in DANGEROUS:
        if "\n" in markdown:
            continue  # definitions and tables are blocks: covered in the text test above
        for fragment in all_html(compile_everywhere(markdown)):
            assert_safe(fragment)
        assert_safe(render_inline(markdown))


def test_safe_links_and_images_keep_their_urls() -> None:
    body = ("[a](https://example.com/x) [b](mailto:post@kommune.no) [c](tel:+4712345678) "
            "[d](#del) ![e](bilder/figur.png) <https://ks.no>")  # fmt: skip
    result = compile_source(module_source(body))
    assert result.module is not None
    urls = [e.attrs.get("href") or e.attrs.get("src") for e in parse(result.module.html).elements
            if e.tag in ("a", "img")]  # fmt: skip
    assert urls == ["https://example.com/x", "mailto:post@kommune.no", "tel:+4712345678",
                    "#del", "bilder/figur.png", "https://ks.no"]  # fmt: skip


def test_links_get_rel_noopener() -> None:
    result = compile_source(module_source("[a](https://example.com)"))
    assert result.module is not None
    (link,) = [e for e in parse(result.module.html).elements if e.tag == "a"]
    assert link.attrs["rel"] == "noopener noreferrer"


def test_data_image_is_not_kept_either() -> None:
    result = compile_source(module_source("![piksel](data:image/png;base64,iVBORw0KGgo=)"))
    assert result.module is not None
    (img,) = [e for e in parse(result.module.html).elements if e.tag == "img"]
    assert "src" not in img.attrs and img.attrs["alt"] == "piksel"


# -- structure: anchors, tables, footnotes -------------------------------------


def test_headings_get_unique_id_anchors() -> None:
    body = "# Innovasjon\n\nTekst.\n\n## Hva er det?\n\n### Første fase\n\n## Hva er det?\n"
    result = compile_source(module_source(body))
    assert result.module is not None
    ids = [(e.tag, e.attrs.get("id")) for e in parse(result.module.html).elements
           if e.tag in ("h1", "h2", "h3")]  # fmt: skip
    assert ids == [("h1", "innovasjon"), ("h2", "hva-er-det"), ("h3", "første-fase"),
                   ("h2", "hva-er-det-1")]  # fmt: skip


def test_tables_render() -> None:
    body = "| Fase | Metode |\n|:-----|-------:|\n| Forstå | *Intervju* |\n| Teste | Pilot |\n"
    result = compile_source(module_source(body))
    assert result.module is not None
    tags = [e.tag for e in parse(result.module.html).elements]
    assert tags == ["p", "div", "table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td",
                    "em", "tr", "td", "td"]  # fmt: skip


def test_footnotes_render_with_links_both_ways() -> None:
    result = compile_source(module_source("Tekst[^kilde].\n\n[^kilde]: KS, 2024.\n"))
    assert result.module is not None
    elements = parse(result.module.html).elements
    ids = {e.attrs["id"] for e in elements if "id" in e.attrs}
    fragments = [e.attrs["href"] for e in elements if e.tag == "a"]
    assert fragments == ["#fn1", "#fnref1"]
    assert {f[1:] for f in fragments} <= ids
    assert any(e.tag == "section" and e.attrs.get("class") == "footnotes" for e in elements)


# -- answers stay secret ---------------------------------------------------------

ANSWER_QUIZ = """Tekst før quizen.

::: quiz
### Hvilken fase kommer først?
Tenk deg om.

- [ ] Implementering
  > Nei.
- [x] Å forstå behovet
- [X] Å kartlegge behovet
> Begge er riktige.

### Hvem kan delta?
- [x] Innbyggere
- [ ] Ingen
> Innbyggere.
:::
"""


def test_rendered_quiz_never_says_which_options_are_correct() -> None:
    result = compile_source(module_source(ANSWER_QUIZ))
    assert result.module is not None and result.module.quiz is not None
    questions = result.module.quiz.questions
    assert [q.correct_option_ids for q in questions] == [{"b", "c"}, {"a"}]
    shown = [result.module.html] + [q.html for q in questions] + [q.details_html for q in questions]
    shown += [o.html for q in questions for o in q.options]
    for html in shown:
        assert "[x]" not in html.lower() and "correct" not in html.lower()
        for element in parse(html).elements:
            assert element.tag not in ("input", "form"), element
            assert not {"checked", "selected", "data-correct", "value"} & set(element.attrs)
            assert "correct" not in element.attrs.get("class", "")
    assert [o.html for o in questions[0].options] == [
        "Implementering",
        "Å forstå behovet",
        "Å kartlegge behovet",
    ]


def test_html_in_front_matter_does_not_enter_the_body() -> None:
    source = module_source(
        "Tekst.\n",
        title="<script>alert(1)</script>",
        objectives=['<img src=x onerror="alert(1)">'],
    )
    result = compile_source(source)
    assert result.module is not None
    assert result.module.html == "<p>Tekst.</p>\n"
    assert result.module.title == "<script>alert(1)</script>"  # plain text, escaped where shown


def test_every_dangerous_spelling_is_covered() -> None:
    # A guard against the payload lists silently shrinking.
    assert len(DANGEROUS) >= len(TARGETS) * 16 * 12 * 0.9
    assert all(any(s in d for d in DANGEROUS) for s in ("&#106;", "%6a", "&colon;", "&#9;"))
