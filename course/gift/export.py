"""The course's quizzes as GIFT: a ``$CATEGORY`` per module, a named question per quiz question.

Text is ``[markdown]``, as the course writes it. A single-choice question is
``=right ~wrong``; a multiple-choice question gives its correct options weights
that sum to 100 and every wrong one -100, so that, as in the course, a learner
gets full marks only by choosing all the right options and none of the wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

from course.gift.escape import escape
from course.gift.model import GiftOption, GiftQuestion
from course.gift.source import module_questions
from course.models import Module

FORMAT = "[markdown]"


def weight(correct_count: int) -> str:
    """Moodle's grade for one of ``correct_count`` correct options, as GIFT writes it."""
    return f"{100 / correct_count:.5f}".rstrip("0").rstrip(".")


def _option(option: GiftOption, multiple: str | None) -> str:
    if multiple is None:
        mark = "=" if option.correct else "~"
    else:
        mark = f"~%{multiple}%" if option.correct else "~%-100%"
    feedback = f" #{escape(option.feedback)}" if option.feedback else ""
    return f"\t{mark}{escape(option.text)}{feedback}"


def question_gift(question: GiftQuestion) -> str:
    correct = sum(o.correct for o in question.options)
    multiple = weight(correct) if correct > 1 else None
    lines = [f"::{escape(question.id)}::{FORMAT}{escape(question.text)} {{"]
    lines += [_option(option, multiple) for option in question.options]
    if question.explanation:
        lines.append(f"\t####{escape(question.explanation)}")
    lines.append("}")
    return "\n".join(lines)


def export_gift(modules: Sequence[Module]) -> str:
    """Every quiz question of ``modules``, a ``$CATEGORY`` per module with a quiz."""
    blocks: list[str] = []
    for module in modules:
        questions = module_questions(module.source)
        if not questions:
            continue
        blocks.append(f"// {module.title}\n$CATEGORY: {module.slug}")
        blocks.extend(question_gift(q) for q in questions)
    return "\n\n".join(blocks) + "\n" if blocks else ""
