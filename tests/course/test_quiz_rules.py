"""Rules for how a course's quizzes are written, checked on validation but not on rendering."""

from __future__ import annotations

from course.quiz_rules import answer_hint_problems, duplicate_id_problems
from tests.course.helpers import compile_source, module_source

SEVERAL = """Tekst.

::: quiz
### Hvilke aktører kan delta i samskaping? {#aktorer}
- [x] Innbyggere
- [x] Frivillige organisasjoner
- [ ] Ingen utenfor kommunen
> Samskaping betyr å utvikle sammen.
:::
"""


def test_a_module_written_before_the_answer_hint_rule_still_renders() -> None:
    # Stored revisions are rendered with compile_module alone: a rule added later must
    # not make an accepted revision fail to render.
    result = compile_source(module_source(SEVERAL))
    assert result.problems == [] and result.module is not None
    assert [str(p) for p in answer_hint_problems(result.questions, path="01-modul.md")] == [
        "01-modul.md:8: spørsmålet «Hvilke aktører kan delta i samskaping?» har 2 riktige svar: "
        "skriv «(Velg alle som stemmer.)» til slutt i overskriften, så deltakeren vet at flere "
        "svar skal velges"
    ]


def test_the_hint_may_stand_anywhere_in_the_heading() -> None:
    hinted = SEVERAL.replace("samskaping? {#", "samskaping? Velg\talle SOM stemmer: {#")
    result = compile_source(module_source(hinted))
    assert result.module is not None
    assert answer_hint_problems(result.questions, path="01-modul.md") == []


def test_a_module_with_errors_still_returns_the_questions_it_could_build() -> None:
    broken = SEVERAL.replace("Tekst.", "Se [borte](99-borte.md).") + "\n::: quiz\n### Uten?\n:::\n"
    result = compile_source(module_source(broken), link_targets={})
    assert result.module is None and len(result.problems) == 2
    assert [q.id for q in result.questions] == ["aktorer"]


def test_a_repeat_inside_one_module_is_left_to_the_compiler() -> None:
    questions = compile_source(module_source(SEVERAL + SEVERAL.replace("Tekst.", ""))).questions
    assert [q.id for q in questions] == ["aktorer", "aktorer"]
    assert duplicate_id_problems([("01-modul.md", questions)]) == []
    # In a later module, each use is reported, naming the first use in the earlier one.
    across = duplicate_id_problems([("a.md", questions), ("b.md", questions)])
    assert [(p.path, p.line, "a.md (linje 8)" in p.message) for p in across] == [
        ("b.md", 8, True),
        ("b.md", 17, True),
    ]
