"""Parsed GIFT questions as the course's quiz syntax (``::: quiz`` … ``:::``), and the module
source with its quiz replaced by them."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from course.compile import VALID_ID_RE, slugify
from course.gift.model import GiftOption, GiftProblem, GiftQuestion
from course.gift.source import quiz_spans
from course.quiz_rules import ANSWER_HINT, has_answer_hint

_OPTION_IDS = 26


def _unique(base: str, used: set[str]) -> str:
    candidate, number = base, 2
    while candidate in used:
        suffix = f"-{number}"
        candidate, number = base[: 80 - len(suffix)] + suffix, number + 1
    return candidate


def question_ids(
    questions: Sequence[GiftQuestion], *, taken: Collection[str]
) -> tuple[list[str], list[GiftProblem]]:
    """An id per question: its GIFT name if that is a valid id, otherwise one made from the name
    or the text, unique in the file and against ``taken`` (the rest of the course's ids)."""
    used = set(taken)
    ids: list[str] = []
    problems: list[GiftProblem] = []
    for question in questions:
        if VALID_ID_RE.match(question.id):
            if question.id in used:
                problems.append(GiftProblem(question.line, f"spørsmåls-id «{question.id}» er "
                                            "allerede brukt i kurset: gi spørsmålet et annet "
                                            "navn med «::navn::»"))  # fmt: skip
            ids.append(question.id)
        else:
            base = slugify(question.id) or slugify(question.text) or "sporsmal"
            ids.append(_unique(base, used))
        used.add(ids[-1])
    return ids, problems


def _quote(text: str, indent: str) -> list[str]:
    return [f"{indent}> {row}".rstrip() for row in text.split("\n")]


def _option(option: GiftOption) -> list[str]:
    mark = "x" if option.correct else " "
    rows = [f"- [{mark}] {option.text}"]
    if option.feedback:
        rows += _quote(option.feedback, "  ")
    return rows


def _heading(question: GiftQuestion) -> str:
    text = question.text
    if question.multiple and not has_answer_hint(text):
        text = f"{text} ({ANSWER_HINT}.)"
    return text


def quiz_markdown(
    questions: Sequence[GiftQuestion], *, taken: Collection[str] = ()
) -> tuple[str, list[GiftProblem]]:
    """The quiz block for ``questions``, and the problems that stop it from being imported."""
    ids, problems = question_ids(questions, taken=taken)
    rows = ["::: quiz"]
    for question, question_id in zip(questions, ids, strict=True):
        if len(question.options) > _OPTION_IDS:
            problems.append(GiftProblem(question.line, f"spørsmålet har mer enn {_OPTION_IDS} "
                                        "svaralternativer"))  # fmt: skip
        if len(rows) > 1:
            rows.append("")
        rows.append(f"### {_heading(question)} {{#{question_id}}}")
        for option in question.options:
            rows += _option(option)
        if question.explanation:
            rows += _quote(question.explanation, "")
    rows.append(":::")
    return "\n".join(rows) + "\n", problems


def replace_quiz(source: str, quiz: str) -> str:
    """``source`` with its quiz blocks replaced by ``quiz``, where the first one stood (or at
    the end of a module without a quiz)."""
    lines = source.split("\n")
    spans = quiz_spans(source)
    new = quiz.rstrip("\n").split("\n")
    if not spans:
        body = source.rstrip("\n")
        return f"{body}\n\n{quiz.rstrip()}\n"
    kept: list[str] = []
    previous = 0
    for number, span in enumerate(spans):
        kept += lines[previous : span.start]
        if number == 0:
            kept += new
        previous = span.end
    kept += lines[previous:]
    return "\n".join(kept)
