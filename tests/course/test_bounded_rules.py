"""The linear rules give what the rules they replace gave, on any input."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

from course.compile import explicit_id
from course.limits import LABEL_NESTING, MAX_FOOTNOTE_LABEL
from course.markdown import parser
from course.quiz_syntax import quiz_plugin
from tests.course.helpers import compile_source, module_source

# What question headings were matched with before: a search that backtracks.
_OLD_ID_RE = re.compile(r"\s*\{#(?P<id>[^}]*)\}\s*$")


def _old_explicit_id(text: str) -> tuple[str, str] | None:
    found = _OLD_ID_RE.search(text)
    return None if found is None else (text[: found.start()].strip(), found["id"])


@settings(max_examples=500)
@given(st.text(alphabet=" \t{}#ab-\u00a0", max_size=20))
def test_explicit_question_ids_are_found_as_the_old_pattern_found_them(text: str) -> None:
    assert explicit_id(text) == _old_explicit_id(text)


def test_explicit_question_ids_in_headings() -> None:
    heading = "Hva er første fase? {#forste-fase}  "
    assert explicit_id(heading) == ("Hva er første fase?", "forste-fase")
    assert explicit_id("Ingen id") is None
    assert explicit_id("a {#x}} b") is None
    assert explicit_id("a {#x{#y}") == ("a", "x{#y")
    assert explicit_id("a } {#y}") == ("a }", "y")


def _anchor_ids(md: MarkdownIt, source: str) -> list[str]:
    return [str(t.attrGet("id")) for t in md.parse(source, {}) if t.type == "heading_open"]


# The parser as it was: js-default (maxNesting 100) and the plugins' own rules.
_ORIGINAL = MarkdownIt("js-default", {"html": False}).use(footnote_plugin).use(quiz_plugin)
_ORIGINAL.use(anchors_plugin, min_level=1, max_level=3)
_HEADING = st.tuples(st.integers(1, 4), st.text(alphabet="aA1- æ`", min_size=0, max_size=6))


@settings(max_examples=300)
@given(st.lists(_HEADING, max_size=25))
def test_heading_ids_are_those_the_anchors_plugin_gave(headings: list[tuple[int, str]]) -> None:
    source = "".join(f"{'#' * level} {text}\n\n" for level, text in headings)
    assert _anchor_ids(parser(), source) == _anchor_ids(_ORIGINAL, source)


def test_repeated_headings_get_numbered_ids() -> None:
    source = "# A\n\n## A\n\n## A 1\n\n### A\n\n## A-1\n\n#### A\n"
    assert _anchor_ids(parser(), source) == ["a", "a-1", "a-1-1", "a-2", "a-1-2", "None"]


def test_footnotes_with_labels_up_to_the_limit_are_linked() -> None:
    label = "k" * MAX_FOOTNOTE_LABEL
    source = module_source(f"Tekst[^{label}] og [^1].\n\n[^{label}]: Kilde.\n[^1]: Én.\n")
    result = compile_source(source)
    assert result.module is not None
    assert result.module.html.count('class="footnote-ref"') == 2
    longer = label + "k"
    source = module_source(f"Tekst[^{longer}].\n\n[^{longer}]: Kilde.\n")
    html = compile_source(source).module.html  # type: ignore[union-attr]
    assert 'class="footnote-ref"' not in html and f"[^{longer}]" in html


_INLINE = st.text(alphabet="[]()!^*_`a \\<>:/&#", max_size=40)


@settings(max_examples=1_000)
@given(_INLINE, st.sampled_from(["", "[^a]: Fotnote.\n\n", "[a]: /adresse\n\n"]))
def test_text_renders_as_before_up_to_five_nested_brackets(text: str, definitions: str) -> None:
    if text.count("[") > LABEL_NESTING - 1:
        return  # labels nested deeper may now be read as text
    source = f"{definitions}{text}\n"
    assert parser().render(source, {}) == _ORIGINAL.render(source, {})


def test_an_image_in_a_link_in_a_footnote_is_still_a_link() -> None:
    source = "Tekst^[se [![logo](logo.png)](https://example.org)].\n"
    html = parser().render(source, {})
    assert '<a href="https://example.org"><img src="logo.png" alt="logo"' in html
    assert html == _ORIGINAL.render(source, {})
