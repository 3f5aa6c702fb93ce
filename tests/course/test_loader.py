"""Content directories: course.toml, files that cannot be read, problems across modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.loader import load_course, load_course_info
from tests.course.helpers import COURSE_TOML, FIXTURES, module_source, problem_lines, write_course

NOT_A_MODULE = "warning: not a module: name module files NN-slug.md (ignored)"
CASES = {
    "unreadable_file": ["01-intro.md:7: file is not valid UTF-8 (byte 0xe5)"],
    "duplicate_slugs": [
        "02-intro.md:1: duplicate slug 'intro' (also in 01-intro.md)",
        "03-samskaping.md:1: duplicate slug 'intro' (also in 01-intro.md)",
    ],
    "duplicate_order": [
        "01-samskaping.md:1: duplicate order 1 (also in 01-intro.md)",
        "02-spredning.md:1: duplicate order 1 (also in 01-intro.md)",
    ],
    "invalid_course_toml": [
        "course.toml:3: invalid TOML: Expected newline or end of document after a statement "
        "(at line 3, column 14)"
    ],
    "course_toml_missing_key": [
        "course.toml:1: course 'issuer': Field required",
        "course.toml:4: course 'passmark': Extra inputs are not permitted",
    ],
    # Several errors in several files, all reported in one run.
    "every_problem_reported": [
        "01-intro.md:14: question 'Hva er samskaping?' has no options",
        "01-intro.md:3: front matter 'estimated_minutes': Input should be greater than 0",
        "01-intro.md:6: link to a module that does not exist: 03-prosessen.md",
        "01-intro.md:8: quiz block is not closed with ':::'",
        "01-intro.md:9: question 'Hva er innovasjon?' has no correct option (mark one '- [x]')",
        "02-spredning.md:5: file is not valid UTF-8 (byte 0xe5)",
        "03-kultur.md:11: a list item in a quiz must be an option: '- [ ] text' or '- [x] text'",
        "03-kultur.md:14: duplicate question id 'hva-er-kultur' (first used on line 9)",
        "03-kultur.md:3: warning: unknown front matter key 'tags' (ignored)",
        # 03-kultur.md has errors of its own, and its order is still checked.
        "04-ledelse.md:1: duplicate order 3 (also in 03-kultur.md)",
        "05-samskaping.md:3: front matter 'required': Input should be a valid boolean",
        "course.toml:2: course 'slug': String should match pattern '^[a-z0-9]+(?:-[a-z0-9]+)*$'",
        f"notater.md:1: {NOT_A_MODULE}",
    ],
}


@pytest.mark.parametrize("scenario", CASES)
def test_content_directory_error_is_reported_at_its_line(scenario: str) -> None:
    assert problem_lines(FIXTURES / scenario) == CASES[scenario]


@pytest.mark.parametrize("scenario", CASES)
def test_content_directory_with_errors_gives_no_course(scenario: str) -> None:
    assert load_course(FIXTURES / scenario).course is None


def test_valid_course_loads_in_order() -> None:
    result = load_course(FIXTURES / "valid_course")
    assert result.problems == []
    course = result.course
    assert course is not None
    assert course.info.title == "Testkurs" and course.info.pass_mark == 0.8
    assert [(m.order, m.slug, m.required) for m in course.modules] == [
        (1, "intro", True), (2, "samskaping", False)
    ]  # fmt: skip
    assert course.module("samskaping") is course.modules[1]
    assert course.module("finnes-ikke") is None
    assert course.question_count == 3
    assert course.word_count == sum(m.words for m in course.modules)


def test_missing_directory_is_reported() -> None:
    result = load_course(FIXTURES / "finnes-ikke")
    assert [(p.line, p.message) for p in result.problems] == [
        (0, "content directory does not exist")
    ]


def test_directory_without_modules_is_an_error(tmp_path: Path) -> None:
    write_course(tmp_path, {"README.md": "# Les meg\n"})
    assert problem_lines(tmp_path) == [f"{tmp_path}:0: no module files (NN-slug.md) found"]


def test_missing_course_toml_is_reported(tmp_path: Path) -> None:
    write_course(tmp_path, {"01-intro.md": module_source()})
    (tmp_path / "course.toml").unlink()
    assert problem_lines(tmp_path) == ["course.toml:1: cannot read file: No such file or directory"]


def test_toml_error_at_end_of_file_names_the_last_line(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text(COURSE_TOML + 'description = """Aldri lukket\n\n')
    _, problems = load_course_info(tmp_path)
    assert [p.line for p in problems] == [6]


def test_course_key_in_a_table_is_reported_at_the_table(tmp_path: Path) -> None:
    toml = COURSE_TOML.replace('issuer = "innostudy"\n', "") + "\n[issuer]\nname = 'x'\n"
    (tmp_path / "course.toml").write_text(toml)
    _, problems = load_course_info(tmp_path)
    assert [(p.line, p.message) for p in problems] == [
        (5, "course 'issuer': Input should be a valid string")
    ]


def test_crlf_and_bom_give_the_same_lines_as_lf(tmp_path: Path) -> None:
    source = (FIXTURES / "every_problem_reported" / "03-kultur.md").read_text()
    lf = write_course(tmp_path / "lf", {"03-kultur.md": source})
    crlf = write_course(tmp_path / "crlf", {
        "03-kultur.md": b"\xef\xbb\xbf" + source.replace("\n", "\r\n").encode()})  # fmt: skip
    assert problem_lines(crlf) == problem_lines(lf) != []


def test_file_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    write_course(tmp_path, {"01-intro.md": module_source("x " * 600_000)})
    assert problem_lines(tmp_path) == ["01-intro.md:1: file is larger than 1000000 bytes"]


def test_module_file_that_is_a_directory_is_reported(tmp_path: Path) -> None:
    write_course(tmp_path, {})
    (tmp_path / "01-intro.md").mkdir()
    assert problem_lines(tmp_path) == ["01-intro.md:1: cannot read file: Is a directory"]


def test_course_key_after_a_blank_line_is_reported_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text(COURSE_TOML + "\npass_mark = 2.0\n")
    _, problems = load_course_info(tmp_path)
    assert [p.line for p in problems] == [6]
