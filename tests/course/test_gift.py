"""GIFT export and import: escapes, weights, feedback, unsupported types, round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.gift import (
    GiftOption,
    GiftQuestion,
    export_gift,
    module_questions,
    parse_gift,
    quiz_markdown,
    replace_quiz,
)
from course.gift.escape import escape, unescape
from course.gift.export import question_gift, weight
from course.models import Course

FIXTURES = Path(__file__).parent / "fixtures" / "gift"
SPECIAL = "~=#{}:"


def _question(**changes: object) -> GiftQuestion:
    base: dict[str, object] = {
        "id": "m99-test",
        "text": "Hva er riktig?",
        "options": (GiftOption("Ja", True, "Bra"), GiftOption("Nei", False)),
        "explanation": "Fordi.",
    }
    return GiftQuestion(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize("char", list(SPECIAL))
def test_each_special_character_is_escaped_and_read_back(char: str) -> None:
    text = f"a{char}b"
    assert escape(text) == f"a\\{char}b"
    assert unescape(escape(text)) == text
    question = _question(
        text=f"Tegnet {char} i teksten?",
        options=(GiftOption(f"ja {char}", True, f"fordi {char}"), GiftOption("nei", False)),
        explanation=f"forklaring {char}",
    )
    parsed, problems = parse_gift(question_gift(question))
    assert problems == []
    assert parsed == [question]


def test_backslashes_and_line_breaks_survive() -> None:
    text = "linje én \\* stjerne\nlinje to"
    assert unescape(escape(text)) == text
    question = _question(explanation=text)
    assert parse_gift(question_gift(question))[0] == [question]


def test_an_escaped_file_reads_as_plain_text() -> None:
    questions, problems = parse_gift((FIXTURES / "escapes.gift").read_text())
    assert problems == []
    [question] = questions
    assert question.text == "Hva betyr 1~2 = 3 # 4 {5} og 6:7 med \\ ?"
    assert question.options[0] == GiftOption("Riktig ~ = # { } : svar", True,
                                             "Bra : {du} valgte =riktig")  # fmt: skip
    assert question.options[1] == GiftOption("Galt", False, "Nei ~ ikke")
    assert question.explanation == "Alle seks: ~ = # { } :"


@pytest.mark.parametrize(("count", "expected"), [(2, "50"), (3, "33.33333"), (4, "25"),
                                                 (6, "16.66667"), (8, "12.5")])  # fmt: skip
def test_multiple_choice_weights_sum_to_100(count: int, expected: str) -> None:
    assert weight(count) == expected
    assert abs(float(expected) * count - 100) < 0.001


def test_multiple_choice_gives_wrong_options_minus_100() -> None:
    question = _question(
        text="Hvilke? (Velg alle som stemmer.)",
        options=(GiftOption("A", True), GiftOption("B", True, "ja"), GiftOption("C", False, "nei")),
    )
    gift = question_gift(question)
    assert "\t~%50%A\n\t~%50%B #ja\n\t~%-100%C #nei\n" in gift
    assert "####Fordi." in gift
    assert parse_gift(gift)[0] == [question]


def test_single_choice_uses_equals_and_tilde() -> None:
    gift = question_gift(_question())
    assert gift.startswith("::m99-test::[markdown]Hva er riktig? {\n\t=Ja #Bra\n\t~Nei\n")


def test_unsupported_types_are_reported_with_their_lines() -> None:
    questions, problems = parse_gift((FIXTURES / "unsupported.gift").read_text())
    assert [q.id for q in questions] == ["ok"]
    assert [(p.line, p.message) for p in problems] == [
        (4, "Spørsmålstypen «sant/usant» støttes ikke ennå (linje 4)"),
        (6, "Spørsmålstypen «kortsvar» støttes ikke ennå (linje 6)"),
        (8, "Spørsmålstypen «tallsvar» støttes ikke ennå (linje 8)"),
        (10, "Spørsmålstypen «sammenkobling» støttes ikke ennå (linje 10)"),
        (15, "Spørsmålstypen «langsvar (essay)» støttes ikke ennå (linje 15)"),
        (17, "Spørsmålstypen «beskrivelse (tekst uten svar)» støttes ikke ennå (linje 17)"),
        (19, "Spørsmålstypen «svar inne i teksten» støttes ikke ennå (linje 19)"),
    ]


@pytest.mark.parametrize(("gift", "line", "message"), [
    ("\n\n::a::Hva? {\n=Ja\n~Nei\n", 3, "svarene mangler avsluttende «}»"),
    ("::a::Hva? {~Ja ~Nei}", 1, "spørsmålet «Hva?» har ikke noe riktig svar"),
    ("::a::Hva? {=Ja ~}", 1, "et svaralternativ mangler tekst"),
    ("::a Hva? {=Ja ~Nei}", 1, "navnet på spørsmålet mangler avsluttende «::»"),
    ("", 1, "filen har ingen spørsmål"),
])  # fmt: skip
def test_malformed_gift_is_a_problem_with_a_line(gift: str, line: int, message: str) -> None:
    questions, problems = parse_gift(gift)
    assert questions == []
    assert [(p.line, p.message) for p in problems] == [(line, message)]


def test_the_shipped_course_round_trips(shipped_course: Course) -> None:
    gift = export_gift(shipped_course.modules)
    questions, problems = parse_gift(gift)
    assert problems == []
    expected = [q for m in shipped_course.modules for q in module_questions(m.source)]
    assert questions == expected
    assert len(questions) == shipped_course.question_count
    assert gift.count("$CATEGORY: ") == sum(1 for m in shipped_course.modules if m.quiz)


def test_module_questions_match_the_compiled_quiz(shipped_course: Course) -> None:
    for module in shipped_course.modules:
        assert module.quiz is not None
        compiled = module.quiz.questions
        read = module_questions(module.source)
        assert [q.id for q in read] == [q.id for q in compiled]
        assert [[(o.text, o.correct) for o in q.options] for q in read] == [
            [(o.text, o.correct) for o in q.options] for q in compiled
        ]
        assert [bool(q.explanation) for q in read] == [bool(q.explanation_html) for q in compiled]


def test_a_module_quiz_rebuilt_from_its_questions_is_the_same_source(
    shipped_course: Course,
) -> None:
    for module in shipped_course.modules:
        markdown, problems = quiz_markdown(module_questions(module.source))
        assert problems == []
        assert replace_quiz(module.source, markdown) == module.source


def test_imported_ids_come_from_valid_names_or_are_derived_and_unique() -> None:
    questions = [
        _question(id="m01-god-id"),
        _question(id="Ikke en id!", text="Første"),
        _question(id="", text="Hva er riktig?"),
        _question(id="", text="Hva er riktig?"),
    ]
    markdown, problems = quiz_markdown(questions, taken={"hva-er-riktig"})
    assert problems == []
    ids = [
        row.rsplit("{#", 1)[1].rstrip("}") for row in markdown.split("\n") if row.startswith("###")
    ]
    assert ids == ["m01-god-id", "ikke-en-id", "hva-er-riktig-2", "hva-er-riktig-3"]


def test_an_imported_name_used_elsewhere_in_the_course_is_a_problem() -> None:
    _, problems = quiz_markdown([_question(line=7)], taken={"m99-test"})
    assert [p.line for p in problems] == [7]
    assert "allerede brukt i kurset" in problems[0].message


def test_imported_multiple_choice_gets_the_answer_hint() -> None:
    question = _question(options=(GiftOption("A", True), GiftOption("B", True)))
    markdown, _ = quiz_markdown([question])
    assert "### Hva er riktig? (Velg alle som stemmer.) {#m99-test}" in markdown


def test_replace_quiz_appends_to_a_module_without_one() -> None:
    source = "---\ntitle: T\n---\n\n# T\n\nTekst.\n"
    assert replace_quiz(source, "::: quiz\n:::\n") == source.rstrip() + "\n\n::: quiz\n:::\n"


def test_replace_quiz_merges_several_blocks_into_the_first() -> None:
    source = (
        "# T\n\n::: quiz\n### A\n- [x] a\n:::\n\nMidt.\n\n::: quiz\n### B\n- [x] b\n:::\n\nSlutt.\n"
    )
    new = replace_quiz(source, "::: quiz\nNY\n:::\n")
    assert new == "# T\n\n::: quiz\nNY\n:::\n\nMidt.\n\n\nSlutt.\n"


def test_each_module_exported_and_imported_again_is_the_same_source(
    shipped_course: Course,
) -> None:
    for module in shipped_course.modules:
        questions, problems = parse_gift(export_gift([module]))
        assert problems == []
        markdown, id_problems = quiz_markdown(questions)
        assert id_problems == []
        assert replace_quiz(module.source, markdown) == module.source


def test_a_line_break_in_a_question_or_option_becomes_a_space() -> None:
    [question], problems = parse_gift("::a::Hva\\nnå? {\n=Ja\\nda\n~Nei\n}")
    assert problems == []
    assert (question.text, question.options[0].text) == ("Hva nå?", "Ja da")
