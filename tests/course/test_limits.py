"""Bounds on a module's size and shape, reported in Norwegian at the line that breaks them."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.bounded_rules import limit_problems
from course.limits import (
    MAX_FRONT_MATTER_CHARS,
    MAX_NESTING,
    MAX_QUESTIONS,
    MAX_SOURCE_CHARS,
    MAX_TABLE_CELLS,
    MAX_TABLE_COLUMNS,
)
from course.loader import load_course
from course.markdown import parser
from course.messages import number
from tests.course.helpers import (
    FIXTURES,
    compile_lines,
    compile_source,
    module_source,
    problem_lines,
    write_course,
)

HEADER = module_source("Tekst.\n\n")  # what follows starts on line 7
TOO_LONG = (
    "01-modul.md:1: modulen er for lang: {} tegn, men en modul kan ha høyst 100 000 tegn: "
    "del den i flere moduler"
)


def _padded(length: int) -> str:
    """A valid module of exactly ``length`` characters."""
    return HEADER + "a" * (length - len(HEADER) - 1) + "\n"


def _table(columns: int, rows: int, *, cell: str = "a") -> str:
    line = "|" + f"{cell}|" * columns + "\n"
    return line + "|" + "-|" * columns + "\n" + line * rows


def _nested(depth: int, marker: str) -> str:
    """Lists in lists, ``depth`` deep, one item per line."""
    indent = " " * len(marker)
    return "".join(indent * level + marker + f"nivå {level + 1}\n" for level in range(depth))


def test_a_module_at_the_size_limit_compiles() -> None:
    assert MAX_SOURCE_CHARS == 100_000
    source = _padded(MAX_SOURCE_CHARS)
    assert len(source) == MAX_SOURCE_CHARS
    assert compile_lines(source) == []


def test_a_module_over_the_size_limit_is_refused_before_it_is_parsed() -> None:
    # Every other problem in it stays unreported: the text is not read at all.
    source = _padded(MAX_SOURCE_CHARS + 1)
    assert compile_lines(source) == [TOO_LONG.format("100 001")]
    broken = source.replace("Tekst.", "::: quiz\n- [x] a", 1)
    assert compile_lines(broken) == [TOO_LONG.format(number(len(broken)))]
    assert compile_lines("[" * 480_000) == [TOO_LONG.format("480 000")]


def test_the_loader_reports_an_oversized_module_file(tmp_path: Path) -> None:
    directory = write_course(tmp_path / "kurs", {"01-stor.md": _padded(250_000)})
    result = load_course(directory)
    assert result.course is None
    assert [(p.line, p.message) for p in result.errors] == [
        (1, TOO_LONG.format("250 000").removeprefix("01-modul.md:1: "))
    ]


def test_the_loader_reports_each_bound_at_the_file_and_line_that_breaks_it() -> None:
    assert problem_lines(FIXTURES / "shape_limits") == [
        "01-bred-tabell.md:9: tabellen har 51 kolonner, men en tabell kan ha høyst 50: del den "
        "opp i flere tabeller",
        "02-dyp-nesting.md:23: sitater, lister og quizblokker kan stå høyst 8 nivåer inni "
        "hverandre",
    ]


def test_long_front_matter_is_refused_at_its_first_line() -> None:
    objectives = "objectives:\n" + "- Et mål som er skrevet ut over mange ord.\n" * 250
    source = f"---\ntitle: Modul\n{objectives}---\n\nTekst.\n"
    length = len(f"title: Modul\n{objectives}") - 1
    assert length > MAX_FRONT_MATTER_CHARS
    assert compile_lines(source) == [
        f"01-modul.md:2: front matter er for lang: {number(length)} tegn, men høyst 10 000 tegn "
        "er tillatt"
    ]


def test_a_table_may_have_up_to_the_column_limit() -> None:
    assert MAX_TABLE_COLUMNS == 50
    result = compile_source(HEADER + _table(MAX_TABLE_COLUMNS, 3))
    assert result.errors == [] and result.module is not None
    assert result.module.html.count("<th>") == MAX_TABLE_COLUMNS


@pytest.mark.parametrize("columns", [MAX_TABLE_COLUMNS + 1, 2_000])
def test_a_wider_table_is_refused_at_its_first_line(columns: int) -> None:
    source = HEADER + "Innledning.\n\n" + _table(columns, 10)
    assert compile_lines(source) == [
        f"01-modul.md:9: tabellen har {number(columns)} kolonner, men en tabell kan ha høyst "
        "50: del den opp i flere tabeller"
    ]


def test_tables_may_have_up_to_the_cell_limit_in_all() -> None:
    assert MAX_TABLE_CELLS == 5_000
    # Two tables of 10 columns: 10 header cells and 249 rows each, 5 000 cells in all.
    source = HEADER + _table(10, 249) + "\n" + _table(10, 249)
    assert compile_lines(source) == []


def test_the_table_that_goes_over_the_cell_limit_is_reported_once() -> None:
    source = HEADER + _table(10, 249) + "\n" + _table(10, 250) + "\n" + _table(10, 10)
    assert compile_lines(source) == [
        "01-modul.md:259: tabellene i modulen har til sammen mer enn 5000 celler: del dem "
        "opp, eller flytt noen til en annen modul"
    ]


def test_short_rows_cannot_fill_a_table_with_more_cells_than_the_limit() -> None:
    # markdown-it pads every row to the header's width: 2 000 two-byte rows would
    # make 100 000 cells. Parsing stops once the budget is spent.
    text = _table(MAX_TABLE_COLUMNS, 0) + "a\n" * 2_000
    env: dict[str, object] = {}
    tokens = parser().parse(text, env)
    cells = sum(t.type in ("th_open", "td_open") for t in tokens)
    assert MAX_TABLE_CELLS < cells <= MAX_TABLE_CELLS + MAX_TABLE_COLUMNS
    assert [line for line, _ in limit_problems(env)] == [0]
    assert compile_source(HEADER + text).module is None


def test_nesting_up_to_the_limit_compiles() -> None:
    assert MAX_NESTING == 8
    assert compile_lines(HEADER + _nested(MAX_NESTING, "- ")) == []
    assert compile_lines(HEADER + "".join("> " * (i + 1) + "a\n>\n" for i in range(8))) == []


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (_nested(MAX_NESTING + 1, "- "), 15),
        (_nested(30, "- "), 15),  # beyond markdown-it's own bound, which drops the rest
        (_nested(MAX_NESTING + 1, "1. "), 15),
        ("> " * (MAX_NESTING + 1) + "a\n", 7),
        ("> " * 100 + "a\n", 7),
        ("::: quiz\n" * 9 + ":::\n" * 9, 15),
    ],
    ids=["lists", "lists-30", "ordered", "quotes", "quotes-100", "quizzes"],
)
def test_deeper_nesting_is_refused_at_the_line_that_goes_too_deep(body: str, line: int) -> None:
    message = (
        f"01-modul.md:{line}: sitater, lister og quizblokker kan stå høyst 8 nivåer inni hverandre"
    )
    assert message in compile_lines(HEADER + body)


def _questions(count: int) -> str:
    questions = "".join(f"### Spørsmål {n}?\n- [x] Ja\n- [ ] Nei\n> Fordi.\n" for n in range(count))
    return f"::: quiz\n{questions}:::\n"


def test_a_module_may_have_up_to_the_question_limit() -> None:
    assert MAX_QUESTIONS == 100
    result = compile_source(HEADER + _questions(MAX_QUESTIONS))
    assert result.errors == [] and result.module is not None and result.module.quiz is not None
    assert len(result.module.quiz.questions) == MAX_QUESTIONS


def test_more_questions_are_refused_once_at_the_first_one_too_many() -> None:
    assert compile_lines(HEADER + _questions(3 * MAX_QUESTIONS)) == [
        "01-modul.md:408: modulen har mer enn 100 quizspørsmål: del quizen på flere moduler"
    ]
