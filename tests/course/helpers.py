"""Small helpers for the course tests: fixture directories and module sources."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from course.compile import CompileResult, ModuleDefaults, compile_module
from course.loader import load_course
from course.models import Option, Question, Quiz

FIXTURES = Path(__file__).parent / "fixtures"
SHIPPED = Path(__file__).parents[2] / "modules"
COURSE_TOML = 'title = "Testkurs"\nslug = "testkurs"\nversion = "1"\nissuer = "innostudy"\n'


def problem_lines(directory: Path) -> list[str]:
    """Every problem ``load_course`` reports as ``file:line: message``, paths relative."""
    prefix = f"{directory}{os.sep}"
    return sorted(str(p).removeprefix(prefix) for p in load_course(directory).problems)


def module_source(body: str = "Tekst.\n", **front: object) -> str:
    """A module's Markdown: ``front`` (default: a title) as YAML front matter, then ``body``."""
    front = front or {"title": "Modul"}
    return f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n\n{body}"


def compile_source(source: str, *, link_targets: dict[str, str] | None = None) -> CompileResult:
    return compile_module(
        source,
        path="01-modul.md",
        defaults=ModuleDefaults("modul", 1, 0.8),
        link_targets=link_targets,
    )


def compile_lines(source: str, **kwargs: dict[str, str] | None) -> list[str]:
    return [str(p) for p in compile_source(source, **kwargs).problems]


def write_course(directory: Path, modules: dict[str, str | bytes]) -> Path:
    """A content directory with a valid course.toml and the given module files."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "course.toml").write_text(COURSE_TOML)
    for name, content in modules.items():
        path = directory / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return directory


def make_quiz(correct: dict[str, str], *, pass_mark: float = 0.8, options: int = 4) -> Quiz:
    """A quiz whose questions have ``options`` options each; ``{"q1": "ac"}`` marks a and c."""
    questions = tuple(
        Question(
            id=question_id,
            text=question_id,
            html=question_id,
            kind="single" if len(letters) == 1 else "multiple",
            options=tuple(
                Option(
                    id=o,
                    text=o,
                    html=o,
                    correct=o in letters,
                    feedback_html=f"<p>{question_id}{o}</p>" if o == "a" else None,
                )
                for o in "abcdefgh"[:options]
            ),
            explanation_html=f"<p>{question_id}</p>",
        )
        for question_id, letters in correct.items()
    )
    return Quiz(pass_mark, questions)
