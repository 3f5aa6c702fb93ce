"""Module text and quizzes: errors at the right line, and what a valid module compiles to."""

from __future__ import annotations

import pytest

from course.compile import (
    STRAY_FENCE,
    ModuleDefaults,
    compile_module,
    defaults_from_file_name,
    slugify,
)
from course.models import Severity
from tests.course.helpers import (
    FIXTURES,
    compile_lines,
    compile_source,
    module_source,
    problem_lines,
)

DUPLICATE = (
    "spørsmåls-id «innovasjon» er allerede brukt på linje 8: gi spørsmålet en annen id med «{#id}»"
)
BAD_ID = (
    "bruk bare a–z, 0–9, «-» og «_», begynn med en bokstav eller et siffer, og bruk høyst 80 tegn"
)
NOT_OPTION = "et listepunkt i en quiz må være et svaralternativ: «- [ ] tekst» eller «- [x] tekst»"
STRAY = STRAY_FENCE
MISSING = "lenke til en modul som ikke finnes"
CASES = {
    "duplicate_question_ids": [f"01-intro.md:13: {DUPLICATE}", f"01-intro.md:18: {DUPLICATE}"],
    "question_without_options": [
        "01-intro.md:8: spørsmålet «Hva er innovasjon?» har ingen svaralternativer"
    ],
    "question_without_correct_option": [
        "01-intro.md:8: spørsmålet «Hva er innovasjon?» har ikke noe riktig svar "
        "(merk ett med «- [x]»)"
    ],
    "option_outside_question": [
        "01-intro.md:8: svaralternativ utenfor et spørsmål: start spørsmålet med «###»"
    ],
    "unclosed_quiz_block": ["01-intro.md:7: quizblokken er ikke lukket med «:::»"],
    "module_without_text": ["01-intro.md:4: modulen har ingen tekst utenfor quizen"],
    "link_to_missing_module": [
        f"01-intro.md:13: {MISSING}: «03-prosessen.md»",
        f"01-intro.md:15: {MISSING}: «09-finnes-ikke.md»",
        f"01-intro.md:8: {MISSING}: «08-spredning.md»",
    ],
    "list_item_not_option": [
        f"01-intro.md:10: {NOT_OPTION}",
        "01-intro.md:11: svaralternativet mangler tekst",
    ],
    "heading_not_level_3": [
        "01-intro.md:13: et quizspørsmål må være en overskrift på nivå 3 («###»)",
        "01-intro.md:8: et quizspørsmål må være en overskrift på nivå 3 («###»)",
    ],
    "invalid_question_id": [
        f"01-intro.md:13: ugyldig spørsmåls-id «hva er samskaping»: {BAD_ID}",
        f"01-intro.md:18: ugyldig spørsmåls-id «»: {BAD_ID}",
        f"01-intro.md:8: ugyldig spørsmåls-id «Innovasjon»: {BAD_ID}",
    ],
    "quiz_fence_outside_quiz": [f"01-intro.md:12: {STRAY}", f"01-intro.md:7: {STRAY}"],
    "quiz_inside_quiz": [
        "01-intro.md:13: en quizblokk inne i en annen quizblokk: lukk den første med «:::»"
    ],
}


@pytest.mark.parametrize("scenario", CASES)
def test_module_error_is_reported_at_its_line(scenario: str) -> None:
    assert problem_lines(FIXTURES / scenario) == CASES[scenario]


QUIZ = """Tekst.

::: quiz
### Hva kommer først? {#forste-fase}
- [ ] Implementering
  > Implementering kommer etter testing.
- [x] Å forstå *behovet*
- [ ] Spredning
> Start med å forstå behovet.

### Hvilke aktører kan delta i samskaping?
- [x] Innbyggere
- [x] Frivillige organisasjoner
- [ ] Ingen utenfor kommunen
> Samskaping betyr å utvikle sammen.
:::
"""


def test_quiz_compiles_to_questions_with_option_ids_in_order() -> None:
    result = compile_source(module_source(QUIZ))
    assert result.problems == []
    assert result.module is not None and result.module.quiz is not None
    first, second = result.module.quiz.questions
    assert (first.id, first.kind, first.line) == ("forste-fase", "single", 8)
    assert [o.id for o in first.options] == ["a", "b", "c"]
    assert first.correct_option_ids == {"b"}
    assert first.options[1].html == "Å forstå <em>behovet</em>"
    assert first.options[0].feedback_html == "<p>Implementering kommer etter testing.</p>\n"
    assert first.explanation_html == "<p>Start med å forstå behovet.</p>\n"
    assert (second.id, second.kind) == ("hvilke-aktorer-kan-delta-i-samskaping", "multiple")
    assert second.correct_option_ids == {"a", "b"}
    assert result.module.quiz.pass_mark == 0.8


def test_module_pass_mark_overrides_the_course_default() -> None:
    result = compile_source(module_source(QUIZ, title="Modul", pass_mark=1))
    assert result.module is not None and result.module.quiz is not None
    assert result.module.quiz.pass_mark == 1.0


def test_several_quiz_blocks_make_one_quiz_in_order() -> None:
    quiz = "::: quiz\n### {q}?\n- [x] Ja\n> Forklaring.\n:::\n"
    body = "Tekst.\n\n" + quiz.format(q="En") + "\nMer tekst.\n\n" + quiz.format(q="To")
    result = compile_source(module_source(body))
    assert result.module is not None and result.module.quiz is not None
    assert [q.id for q in result.module.quiz.questions] == ["en", "to"]


def test_quiz_is_not_part_of_the_text() -> None:
    result = compile_source(module_source(QUIZ))
    assert result.module is not None
    assert result.module.html == "<p>Tekst.</p>\n"
    assert result.module.words == 1


def test_question_without_explanation_is_a_warning() -> None:
    result = compile_source(module_source("Tekst.\n\n::: quiz\n### Q?\n- [x] Ja\n:::\n"))
    assert result.module is not None
    assert [(p.line, p.severity) for p in result.problems] == [(8, Severity.WARNING)]
    assert [str(p) for p in result.problems] == [
        "01-modul.md:8: advarsel: spørsmålet «Q?» har ingen forklaring («>» etter "
        "svaralternativene)"
    ]


def test_text_under_a_question_becomes_its_details() -> None:
    body = "Tekst.\n\n::: quiz\n### Q?\nSe tabellen.\n\n- [x] Ja\n> Forklaring.\n:::\n"
    result = compile_source(module_source(body))
    assert result.module is not None and result.module.quiz is not None
    assert result.module.quiz.questions[0].details_html == "<p>Se tabellen.</p>\n"


def test_text_before_the_first_question_is_an_error() -> None:
    body = "Tekst.\n\n::: quiz\nInnledning.\n> Forklaring.\n### Q?\n- [x] Ja\n> F.\n:::\n"
    assert compile_lines(module_source(body)) == [
        "01-modul.md:8: tekst i en quiz må høre til et spørsmål: start spørsmålet med «###»",
        "01-modul.md:9: forklaring utenfor et spørsmål: start spørsmålet med «###»",
    ]


def test_anything_but_feedback_under_an_option_is_an_error() -> None:
    body = "Tekst.\n\n::: quiz\n### Q?\n- [x] Ja\n  - [ ] Nei\n> F.\n:::\n"
    assert compile_lines(module_source(body)) == [
        "01-modul.md:10: under et svaralternativ kan det bare stå et sitat med tilbakemelding («>»)"
    ]


def test_question_without_text_or_id_is_an_error() -> None:
    body = "Tekst.\n\n::: quiz\n### {#id}\n- [x] Ja\n\n### ???\n- [x] Ja\n:::\n"
    assert compile_lines(module_source(body)) == [
        "01-modul.md:8: spørsmålet mangler tekst",
        "01-modul.md:11: kan ikke lage en spørsmåls-id av teksten: legg til «{#id}» til slutt i "
        "overskriften",
    ]


def test_more_options_than_letters_is_an_error() -> None:
    options = "".join(f"- [x] Svar {n}\n" for n in range(27))
    body = f"Tekst.\n\n::: quiz\n### Q?\n{options}:::\n"
    assert compile_lines(module_source(body)) == [
        "01-modul.md:8: spørsmålet «Q?» har mer enn 26 svaralternativer"
    ]


def test_quiz_in_an_indented_code_block_is_only_text() -> None:
    result = compile_source(module_source("Tekst.\n\n    ::: quiz\n    ### Q?\n    :::\n"))
    assert result.module is not None and result.module.quiz is None


def test_links_between_modules_are_rewritten_everywhere() -> None:
    body = """Se [neste](02-neste.md#start) og [samme](#her).

::: quiz
### Se [neste](02-neste.md)?
- [x] Ja, [neste](02-neste.md)
  > Se [neste](02-neste.md).
> Les [neste](02-neste.md#slutt).
:::
"""
    result = compile_source(module_source(body), link_targets={"02-neste": "neste"})
    assert result.problems == []
    assert result.module is not None and result.module.quiz is not None
    question = result.module.quiz.questions[0]
    htmls = [
        result.module.html,
        question.html,
        question.options[0].html,
        question.options[0].feedback_html or "",
        question.explanation_html,
    ]
    assert all("02-neste.md" not in html for html in htmls)
    assert 'href="/moduler/neste#start"' in result.module.html
    assert 'href="#her"' in result.module.html
    assert 'href="/moduler/neste#slutt"' in question.explanation_html
    assert 'href="/moduler/neste"' in question.html


def test_link_by_slug_or_file_stem_is_accepted() -> None:
    targets = {"03-prosess": "prosess", "prosess": "prosess"}
    body = "[a](03-prosess.md) [b](prosess.md) [c](../modules/03-prosess.md) [d](https://x.no/a.md)"
    assert compile_source(module_source(body), link_targets=targets).problems == []


def test_link_on_a_later_line_of_a_paragraph_is_reported_there() -> None:
    body = "En\nto\\\ntre [x](04-borte.md)\n"
    assert compile_lines(module_source(body), link_targets={}) == [
        f"01-modul.md:7: {MISSING}: «04-borte.md»"
    ]


def test_headings_make_the_table_of_contents() -> None:
    body = "# Tittel\n\nTekst.\n\n## Første del\n\n### Detalj\n\n#### Ikke med\n"
    result = compile_source(module_source(body))
    assert result.module is not None
    toc = [(h.level, h.id, h.text) for h in result.module.toc]
    assert toc == [(2, "første-del", "Første del"), (3, "detalj", "Detalj")]


def test_slug_and_order_come_from_the_file_name_unless_set() -> None:
    defaults = defaults_from_file_name("07-kultur-og-ledelse.md", pass_mark=0.7)
    assert defaults == ModuleDefaults("kultur-og-ledelse", 7, 0.7)
    source = module_source(title="Modul", slug="annen", order=9)
    result = compile_module(source, path="m.md", defaults=defaults)
    assert result.module is not None
    assert (result.module.slug, result.module.order) == ("annen", 9)
    assert result.module.file_name == "09-annen.md"


def test_module_without_slug_or_order_is_an_error() -> None:
    result = compile_module(module_source(), path="notes.md", defaults=ModuleDefaults())
    assert [str(p) for p in result.problems] == [
        "notes.md:1: mangler slug: gi filen navnet NN-slug.md, eller sett «slug» i front matter",
        "notes.md:1: mangler rekkefølge: gi filen navnet NN-slug.md, eller sett «order» i "
        "front matter",
    ]


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Hva er første fase?", "hva-er-forste-fase"),
        ("Æ, ø og å", "ae-o-og-a"),
        ("Café — naïve", "cafe-naive"),
        ("!!!", ""),
        ("x" * 70, "x" * 60),
    ],
)
def test_slugify_makes_ascii_ids(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_a_nul_character_is_an_error_at_its_line() -> None:
    from course.compile import ModuleDefaults, compile_module

    result = compile_module(
        "---\ntitle: T\n---\nTekst\x00her.\n", path="m.md", defaults=ModuleDefaults("m", 1)
    )
    assert result.module is None
    assert [str(p) for p in result.problems] == [
        "m.md:4: inneholder et NUL-tegn (tegnkode 0), som ikke er tillatt"
    ]
