"""The quiz questions of a module's Markdown source, with their Markdown (not HTML) text.

GIFT carries Markdown (``[markdown]``), so feedback and explanations are taken from
the source lines the parser maps them to, not from the rendered HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it.token import Token

from course.compile import explicit_id, slugify
from course.frontmatter import split_front_matter
from course.gift.model import GiftOption, GiftQuestion
from course.markdown import parser
from course.quiz_syntax import QUIZ_OPEN

_OPTION_RE = re.compile(r"^\[(?P<mark>[ xX])\]\s+(?P<text>\S.*)$", re.DOTALL)
_QUOTE_RE = re.compile(r"^\s*> ?")


@dataclass(frozen=True, slots=True)
class QuizSpan:
    """Lines ``start`` to ``end`` (0-based, end exclusive) of the file hold one quiz block."""

    start: int
    end: int


def _close(tokens: list[Token], start: int) -> int:
    token = tokens[start]
    if token.nesting != 1:
        return start
    for index in range(start + 1, len(tokens)):
        if tokens[index].level == token.level and tokens[index].nesting == -1:
            return index
    return len(tokens) - 1


def _quote_text(lines: list[str], token: Token) -> str:
    """The Markdown inside a block quote, without its ``>`` markers."""
    assert token.map is not None
    rows = [_QUOTE_RE.sub("", line, count=1) for line in lines[token.map[0] : token.map[1]]]
    return "\n".join(rows).strip()


def _tokens(source: str) -> tuple[list[Token], list[str], int]:
    front = split_front_matter(source, path="")
    return parser().parse(front.body, {}), front.body.split("\n"), front.body_line


def quiz_spans(source: str) -> list[QuizSpan]:
    """Where the module's quiz blocks are, in file lines (front matter counted)."""
    tokens, _, offset = _tokens(source)
    spans = []
    for token in tokens:
        if token.type == QUIZ_OPEN and token.level == 0 and token.map is not None:
            end = token.map[1] + (1 if token.meta.get("closed") else 0)
            spans.append(QuizSpan(offset + token.map[0], offset + end))
    return spans


def module_questions(source: str) -> list[GiftQuestion]:
    """The questions of every quiz block of a valid module, in order."""
    tokens, lines, offset = _tokens(source)
    questions: list[GiftQuestion] = []
    index = 0
    while index < len(tokens):
        if tokens[index].type == QUIZ_OPEN:
            close = _close(tokens, index)
            questions.extend(_questions(tokens[index + 1 : close], lines, offset))
            index = close
        index += 1
    return questions


@dataclass(slots=True)
class _Draft:
    id: str
    text: str
    line: int
    options: list[GiftOption] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)

    def question(self) -> GiftQuestion:
        explanation = "\n\n".join(self.explanations)
        return GiftQuestion(self.id, self.text, tuple(self.options), explanation, self.line)


def _questions(tokens: list[Token], lines: list[str], offset: int) -> list[GiftQuestion]:
    drafts: list[_Draft] = []
    index = 0
    while index < len(tokens):
        token, close = tokens[index], _close(tokens, index)
        if token.type == "heading_open":
            text = tokens[index + 1].content
            explicit = explicit_id(text)
            text, question_id = explicit if explicit else (text, slugify(text))
            line = offset + (token.map[0] if token.map else 0) + 1
            drafts.append(_Draft(question_id, text.strip(), line))
        elif drafts and token.type in ("bullet_list_open", "ordered_list_open"):
            drafts[-1].options += _options(tokens[index + 1 : close], lines)
        elif drafts and token.type == "blockquote_open":
            drafts[-1].explanations.append(_quote_text(lines, token))
        index = close + 1
    return [draft.question() for draft in drafts]


def _options(tokens: list[Token], lines: list[str]) -> list[GiftOption]:
    options: list[GiftOption] = []
    index = 0
    while index < len(tokens):
        close = _close(tokens, index)
        inner = tokens[index + 1 : close]
        content = inner[1].content if len(inner) > 1 and inner[0].type == "paragraph_open" else ""
        match = _OPTION_RE.match(content)
        if match is not None:
            feedback = [_quote_text(lines, t) for t in inner if t.type == "blockquote_open"
                        and t.level == inner[0].level]  # fmt: skip
            options.append(
                GiftOption(match["text"].strip(), match["mark"] != " ", "\n\n".join(feedback))
            )
        index = close + 1
    return options
