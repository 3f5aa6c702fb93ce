"""The one configured Markdown parser and the HTML sanitiser for course text.

Raw HTML is off (``js-default`` preset), markdown-it refuses ``javascript:``,
``vbscript:`` and ``data:`` link targets, and every rendered fragment goes
through an nh3 allow-list as a second line of defence.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin

from course.bounded_rules import (
    LabelBoundedInline,
    bounded_footnote_refs_plugin,
    bounded_tables_plugin,
    heading_ids_plugin,
)
from course.limits import PARSER_NESTING
from course.quiz_syntax import quiz_plugin
from course.workbook_syntax import workbook_plugin

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "section", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "*": {"id"},
    "a": {"href", "title", "class"},
    "div": {"class", "role", "tabindex", "aria-label", "aria-labelledby"},
    "p": {"class"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "li": {"class"},
    "section": {"class"},
    "sup": {"class"},
    "hr": {"class"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_URL_SCHEMES = {"http", "https", "mailto", "tel"}
# The same markup as the ``scroll_table`` macro of the page templates (api/templates/macros.html).
TABLE_HINT = "Sveip eller rull sideveis for å se hele tabellen"


_HEADINGS = "innostudy_table_headings"


def _nearest_heading_id(tokens: Sequence[Token], index: int, env: EnvType) -> str | None:
    """The id of the last heading before ``tokens[index]``.

    Found in one pass over the document per render, kept in ``env``: scanning back
    from every table would make many tables quadratic.
    """
    cached = env.get(_HEADINGS)
    if cached is None or cached[0] is not tokens:
        last: str | None = None
        latest: list[str | None] = []
        for token in tokens:
            if token.type == "heading_open" and token.attrGet("id"):
                last = str(token.attrGet("id"))
            latest.append(last)
        cached = (tokens, latest)
        env[_HEADINGS] = cached
    return cached[1][index - 1] if index > 0 else None


def _table_open(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    index: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    """A table in a focusable region that scrolls sideways on a phone, named by its section."""
    heading = _nearest_heading_id(tokens, index, env)
    name = f'aria-labelledby="{escapeHtml(heading)}"' if heading else 'aria-label="Tabell"'
    return (
        f'<p class="table-hint">{TABLE_HINT}</p>\n'
        f'<div class="table-wrap" role="region" {name} tabindex="0">\n'
        + renderer.renderToken(tokens, index, options, env)
    )


def _table_close(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    index: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    return renderer.renderToken(tokens, index, options, env) + "</div>\n"


def scroll_tables_plugin(md: MarkdownIt) -> None:
    """Wrap every table in a scroll region instead of letting a narrow screen break its words."""
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)


@cache
def parser() -> MarkdownIt:
    """The course Markdown parser: CommonMark + tables, footnotes, heading ids, quizzes,
    workbook steps."""
    options = {"html": False, "linkify": False, "typographer": False, "maxNesting": PARSER_NESTING}
    md = MarkdownIt("js-default", options)
    md.inline = LabelBoundedInline()
    md.configure("js-default", options)  # the preset again, for the new inline parser
    md.use(footnote_plugin).use(bounded_footnote_refs_plugin).use(bounded_tables_plugin)
    md.use(scroll_tables_plugin)
    md.use(quiz_plugin).use(workbook_plugin).use(heading_ids_plugin, min_level=1, max_level=3)
    return md


def sanitize(html: str) -> str:
    """Reduce HTML to the allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_tokens(tokens: Sequence[Token], env: dict[str, object] | None = None) -> str:
    md = parser()
    return sanitize(md.renderer.render(list(tokens), md.options, env or {}))


def render_inline(text: str) -> str:
    """Render one line of inline Markdown (question or option text) safely."""
    return sanitize(parser().renderInline(text))
