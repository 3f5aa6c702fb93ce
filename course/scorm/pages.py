"""The launch page of one module's SCO: the text, its worksheet, 'mark as read' and the quiz.

The module's HTML is the app's own rendering (``course.markdown``: js-default and
the nh3 allow-list); only its links change: links to other modules lose their
target (inside an LMS each module is a SCO of its own, which the LMS opens), and
links out of the course open in a new window, so following one does not unload
the SCO. The workbook steps, which the compiler takes out of the text, come back
under it as a printable worksheet (``worksheet.html``): labels, empty tables and
options, with no answers stored, since a package has no workbook of its own.
"""

from __future__ import annotations

import json
import re
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from certificates.durations import format_duration
from course.models import Module, Quiz
from course.scorm.manifest import ScormVersion

# SCORM 1.2's cmi.suspend_data holds 4,096 characters.
SUSPEND_LIMIT = 4096
_MODULE_LINK = re.compile(r'<a\b[^>]*\bhref="/moduler/[^"]*"[^>]*>(.*?)</a>', re.DOTALL)
_EXTERNAL_LINK = re.compile(r'<a\b(?=[^>]*\bhref="https?://)')
_LEAD_HEADING = re.compile(r"^\s*(<h1\b[^>]*>.*?</h1>)\s*", re.DOTALL)


@cache
def _templates() -> Environment:
    environment = Environment(
        loader=PackageLoader("course.scorm", "assets"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["package_html"] = package_html
    return environment


def package_html(html: str) -> str:
    """Module HTML with its links made fit for a package (see the module docstring)."""
    html = _MODULE_LINK.sub(r'<span class="module-ref">\1</span>', html)
    return _EXTERNAL_LINK.sub('<a target="_blank"', html)


def percent(value: float) -> str:
    """``0.8`` -> ``80 %`` (with a no-break space), as the site writes a pass mark."""
    return f"{round(value * 100)}\u00a0%"


def quiz_config(quiz: Quiz) -> dict[str, object]:
    """What the page's script grades with: the answer key and the exact pass mark."""
    mark = quiz.pass_fraction
    return {
        "pass": [mark.numerator, mark.denominator],
        "questions": [
            {"id": q.id, "correct": "".join(sorted(q.correct_option_ids))} for q in quiz.questions
        ],
    }


def longest_suspend_data(quiz: Quiz | None) -> str:
    """The longest ``suspend_data`` the page's script can write for a module with ``quiz``.

    The script writes ``{"v":1,"r":1,"p":1,"b":N,"a":"ab.c"}``: read, passed once,
    the best number of correct answers, and the last answers in quiz order.
    """
    questions = quiz.questions if quiz else ()
    answers = ".".join("".join(o.id for o in q.options) for q in questions)
    best = len(questions)
    return json.dumps({"v": 1, "r": 1, "p": 1, "b": best, "a": answers}, separators=(",", ":"))


def _script_json(value: object) -> str:
    """JSON for a ``<script type="application/json">``: no ``</script>`` can end it early."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def sco_page(
    *, module: Module, version: ScormVersion, include_quiz: bool, shared: str = "../shared"
) -> str:
    """The launch page of ``module``'s SCO; ``shared`` is where the shared files are."""
    quiz = module.quiz if include_quiz else None
    html = package_html(module.html)
    match = _LEAD_HEADING.match(html)
    heading, body = (match.group(1), html[match.end() :]) if match else ("", html)
    config = {
        "version": version.value,
        "module": module.slug,
        "quiz": quiz_config(quiz) if quiz else None,
    }
    return (
        _templates()
        .get_template("page.html")
        .render(
            module=module,
            heading=heading,
            body=body,
            quiz=quiz,
            steps=module.workbook,
            quiz_left_out=module.quiz is not None and quiz is None,
            duration=format_duration(module.estimated_minutes),
            pass_mark=percent(quiz.pass_mark) if quiz else "",
            config=_script_json(config),
            shared=shared,
        )
    )
