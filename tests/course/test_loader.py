"""Content directories: course.toml, files that cannot be read, problems across modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.loader import load_course, load_course_info
from tests.course.helpers import COURSE_TOML, FIXTURES, module_source, problem_lines, write_course

ACROSS = (
    "spørsmåls-id «{id}» er allerede brukt i modulen {first} (linje {line}): id-ene må "
    "være unike i hele kurset, så gi spørsmålet en annen id med «{{#id}}»"
)
NOT_A_MODULE = "advarsel: ikke en modul: modulfiler må hete NN-slug.md (filen ignoreres)"
CASES = {
    "unreadable_file": [
        "01-intro.md:7: filen er ikke gyldig UTF-8 (byte 0xe5): lagre den som UTF-8"
    ],
    "duplicate_slugs": [
        "02-intro.md:1: dobbel slug «intro» (brukes også i 01-intro.md)",
        "03-samskaping.md:1: dobbel slug «intro» (brukes også i 01-intro.md)",
    ],
    "duplicate_order": [
        "01-samskaping.md:1: dobbelt rekkefølgenummer 1 (brukes også i 01-intro.md)",
        "02-spredning.md:1: dobbelt rekkefølgenummer 1 (brukes også i 01-intro.md)",
    ],
    "invalid_course_toml": [
        "course.toml:3: ugyldig TOML i kolonne 14: forventet linjeskift etter «nøkkel = verdi» "
        "(tekst må stå i anførselstegn)"
    ],
    "course_toml_missing_key": [
        "course.toml:1: «issuer» i course.toml mangler, men er påkrevd",
        "course.toml:4: «passmark» i course.toml er ikke en kjent nøkkel: fjern den eller rett "
        "skrivefeilen",
    ],
    # A question id is unique in the whole course, not only in its module: each later use
    # names the module of the first, also for ids made from the question's text.
    "duplicate_question_ids_across_modules": [
        "02-samskaping.md:13: "
        + ACROSS.format(id="hva-er-samskaping", first="01-intro.md", line=13),
        f"02-samskaping.md:8: {ACROSS.format(id='innovasjon', first='01-intro.md', line=8)}",
        f"03-spredning.md:13: {ACROSS.format(id='innovasjon', first='01-intro.md', line=8)}",
        f"03-spredning.md:8: {ACROSS.format(id='deltakere', first='02-samskaping.md', line=18)}",
    ],
    # Several correct options: the heading says "Velg alle som stemmer" (any case and
    # spacing); exactly one: it does not.
    "answer_hint": [
        "01-intro.md:14: spørsmålet «Hva bør kommunen gjøre først? (Velg alle som stemmer.)» "
        "har bare ett riktig svar, men overskriften sier «Velg alle som stemmer»: fjern det fra "
        "overskriften, eller merk flere svar som riktige",
        "01-intro.md:8: spørsmålet «Hvilke metoder gir innsikt?» har 2 riktige svar: skriv "
        "«(Velg alle som stemmer.)» til slutt i overskriften, så deltakeren vet at flere svar "
        "skal velges",
    ],
    # Several errors in several files, all reported in one run.
    "every_problem_reported": [
        "01-intro.md:14: spørsmålet «Hva er samskaping?» har ingen svaralternativer",
        "01-intro.md:3: «estimated_minutes» i front matter må være større enn 0",
        "01-intro.md:6: lenke til en modul som ikke finnes: «03-prosessen.md»",
        "01-intro.md:8: quizblokken er ikke lukket med «:::»",
        "01-intro.md:9: spørsmålet «Hva er innovasjon?» har ikke noe riktig svar "
        "(merk ett med «- [x]»)",
        "02-spredning.md:5: filen er ikke gyldig UTF-8 (byte 0xe5): lagre den som UTF-8",
        "03-kultur.md:11: et listepunkt i en quiz må være et svaralternativ: «- [ ] tekst» eller "
        "«- [x] tekst»",
        "03-kultur.md:14: spørsmåls-id «hva-er-kultur» er allerede brukt på linje 9: gi "
        "spørsmålet en annen id med «{#id}»",
        "03-kultur.md:3: advarsel: ukjent nøkkel «tags» i front matter (ignoreres)",
        # 03-kultur.md has errors of its own, and its order is still checked.
        "04-ledelse.md:1: dobbelt rekkefølgenummer 3 (brukes også i 03-kultur.md)",
        "05-samskaping.md:3: «required» i front matter må være true eller false",
        "course.toml:2: «slug» i course.toml kan bare ha små bokstaver a–z, tall og bindestrek "
        "mellom ordene, f.eks. «mitt-kurs»",
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
    assert [(p.line, p.message) for p in result.problems] == [(0, "innholdsmappen finnes ikke")]


def test_directory_without_modules_is_an_error(tmp_path: Path) -> None:
    write_course(tmp_path, {"README.md": "# Les meg\n"})
    assert problem_lines(tmp_path) == [f"{tmp_path}:0: fant ingen modulfiler (NN-slug.md)"]


def test_missing_course_toml_is_reported(tmp_path: Path) -> None:
    write_course(tmp_path, {"01-intro.md": module_source()})
    (tmp_path / "course.toml").unlink()
    assert problem_lines(tmp_path) == ["course.toml:1: kan ikke lese filen: filen finnes ikke"]


def test_toml_error_at_end_of_file_names_the_last_line(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text(COURSE_TOML + 'description = """Aldri lukket\n\n')
    _, problems = load_course_info(tmp_path)
    assert [p.line for p in problems] == [6]


def test_course_key_in_a_table_is_reported_at_the_table(tmp_path: Path) -> None:
    toml = COURSE_TOML.replace('issuer = "innostudy"\n', "") + "\n[issuer]\nname = 'x'\n"
    (tmp_path / "course.toml").write_text(toml)
    _, problems = load_course_info(tmp_path)
    assert [(p.line, p.message) for p in problems] == [
        (5, "«issuer» i course.toml må være tekst (sett verdien i anførselstegn)")
    ]


def test_crlf_and_bom_give_the_same_lines_as_lf(tmp_path: Path) -> None:
    source = (FIXTURES / "every_problem_reported" / "03-kultur.md").read_text()
    lf = write_course(tmp_path / "lf", {"03-kultur.md": source})
    crlf = write_course(tmp_path / "crlf", {
        "03-kultur.md": b"\xef\xbb\xbf" + source.replace("\n", "\r\n").encode()})  # fmt: skip
    assert problem_lines(crlf) == problem_lines(lf) != []


def test_file_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    write_course(tmp_path, {"01-intro.md": module_source("x " * 600_000)})
    assert problem_lines(tmp_path) == ["01-intro.md:1: filen er større enn 1 000 000 byte"]


def test_module_file_that_is_a_directory_is_reported(tmp_path: Path) -> None:
    write_course(tmp_path, {})
    (tmp_path / "01-intro.md").mkdir()
    assert problem_lines(tmp_path) == [
        "01-intro.md:1: kan ikke lese filen: det er en mappe, ikke en fil"
    ]


def test_course_key_after_a_blank_line_is_reported_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text(COURSE_TOML + "\npass_mark = 2.0\n")
    _, problems = load_course_info(tmp_path)
    assert [p.line for p in problems] == [6]


def test_question_ids_are_compared_across_modules_that_have_other_errors(tmp_path: Path) -> None:
    quiz = "Tekst.\n\n::: quiz\n### Hva? {{#felles}}\n- [x] Ja\n- [ ] Nei\n> Fordi.\n{end}"
    write_course(tmp_path, {
        "01-intro.md": module_source(quiz.format(end="")),  # the quiz is never closed
        "02-neste.md": module_source(quiz.format(end=":::\n")),
    })  # fmt: skip
    assert problem_lines(tmp_path) == [
        "01-intro.md:7: quizblokken er ikke lukket med «:::»",
        f"02-neste.md:8: {ACROSS.format(id='felles', first='01-intro.md', line=8)}",
    ]


def test_the_same_question_text_in_two_modules_needs_an_explicit_id(tmp_path: Path) -> None:
    quiz = "Tekst.\n\n::: quiz\n### Hva? {id}\n- [x] Ja\n- [ ] Nei\n> Fordi.\n:::\n"
    write_course(tmp_path, {
        "01-intro.md": module_source(quiz.format(id="")),
        "02-neste.md": module_source(quiz.format(id="{#hva-neste}")),
    })  # fmt: skip
    assert problem_lines(tmp_path) == []
    (tmp_path / "02-neste.md").write_text(module_source(quiz.format(id="")))
    assert problem_lines(tmp_path) == [
        f"02-neste.md:8: {ACROSS.format(id='hva', first='01-intro.md', line=8)}"
    ]
