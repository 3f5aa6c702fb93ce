"""The whole course's GIFT export, parsed by gift-pegjs (npm), holds the course's questions."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from course.gift import GiftOption, GiftQuestion, export_gift, module_questions
from course.gift.export import question_gift
from course.models import Course
from tests.npm import npm_install

SCRIPT = Path(__file__).parent / "gift_pegjs.js"


def _gift_pegjs(text: str) -> list[dict[str, Any]]:
    modules = npm_install("gift", ("gift-pegjs@1.0.2",), "gift-pegjs/pegjs-gift.js")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run gift-pegjs")
    done = subprocess.run(
        [node, str(SCRIPT)], input=text, capture_output=True, text=True, check=True, timeout=60,
        env={"NODE_PATH": str(modules), "PATH": str(Path(node).parent)},
    )  # fmt: skip
    parsed: list[dict[str, Any]] = json.loads(done.stdout)
    return parsed


def test_gift_pegjs_reads_the_same_questions_and_answers(shipped_course: Course) -> None:
    parsed = _gift_pegjs(export_gift(shipped_course.modules))
    categories = [q["title"] for q in parsed if q["type"] == "Category"]
    assert categories == [m.slug for m in shipped_course.modules if m.quiz]
    read = [q for q in parsed if q["type"] != "Category"]
    expected = [q for m in shipped_course.modules for q in module_questions(m.source)]
    assert len(read) == len(expected) == shipped_course.question_count
    for got, question in zip(read, expected, strict=True):
        assert got["type"] == "MC"
        assert got["title"] == question.id
        assert got["stem"] == {"format": "markdown", "text": question.text}
        assert got["globalFeedback"]["text"] == question.explanation
        choices = got["choices"]
        assert [c["text"]["text"] for c in choices] == [o.text for o in question.options]
        assert [(c["feedback"] or {}).get("text", "") for c in choices] == [
            o.feedback for o in question.options
        ]
        if question.multiple:
            weights = [c["weight"] for c in choices]
            assert [w > 0 for w in weights] == [o.correct for o in question.options]
            assert abs(sum(w for w in weights if w > 0) - 100) < 0.001
            assert all(w == -100 for w in weights if w <= 0)
        else:
            assert [c["isCorrect"] for c in choices] == [o.correct for o in question.options]


def test_gift_pegjs_reads_the_escapes_back() -> None:
    special = "a ~ = # { } : b"
    question = GiftQuestion(
        "m99-tegn", f"Tekst {special}?", (GiftOption(special, True, special),
                                          GiftOption("nei", False)), special
    )  # fmt: skip
    [got] = _gift_pegjs(question_gift(question))
    assert got["stem"]["text"] == question.text
    assert got["choices"][0]["text"]["text"] == special
    assert got["choices"][0]["feedback"]["text"] == special
    assert got["globalFeedback"]["text"] == special
