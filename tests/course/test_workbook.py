"""Workbook steps (``::: oppgave``): errors at their lines, the typed steps, value checks."""

from __future__ import annotations

import pytest

from course.loader import load_course
from course.workbook_values import check_values
from tests.course.helpers import FIXTURES, SHIPPED, compile_source, module_source, problem_lines

WORKBOOK = FIXTURES / "workbook"
ID_RULE = (
    "bruk bare a–z, 0–9, «-» og «_», begynn med en bokstav eller et siffer, og bruk høyst 80 tegn"
)
NOT_FIELD = (
    "et listepunkt i en oppgave må være et felt: «- type: ledetekst {#id}», "
    "f.eks. «- kort: Prosjektets navn {#navn}»"
)
KINDS = "«kort», «lang», «liste», «tabell», «valg», «dato», «gevinstkart», «ros»"
CASES = {
    "unknown_field_type": [
        f"01-intro.md:10: {NOT_FIELD}",
        f"01-intro.md:9: ukjent felttype «tekst»: bruk {KINDS}",
    ],
    "missing_ids": [
        "01-intro.md:12: feltet «Navn» mangler id: skriv «{#id}» til slutt i linjen",
        f"01-intro.md:13: ugyldig id «Tekst»: {ID_RULE}",
        "01-intro.md:7: oppgaven mangler id: skriv «::: oppgave Tittel {#id}» på første linje",
    ],
    "duplicate_ids": [
        "01-intro.md:12: oppgave-id «m01-steg» er allerede brukt på linje 7: gi oppgaven en "
        "annen id",
        "01-intro.md:9: felt-id «navn» er allerede brukt i oppgaven: gi feltet en annen id",
    ],
    "duplicate_step_across_modules": [
        "02-neste.md:7: oppgave-id «steg» er allerede brukt i modulen 01-intro.md (linje 7): "
        "id-ene må være unike i hele kurset, så gi oppgaven en annen id"
    ],
    "empty_table_and_choice": [
        "01-intro.md:12: et punkt under feltet er tomt: skriv navnet på kolonnen eller valget",
        "01-intro.md:14: et felt av typen «kort» har ingen kolonner eller valgmuligheter: "
        "fjern listen under det",
        "01-intro.md:8: tabellen «Interessentkart» har ingen kolonner: skriv hver kolonne som "
        "et punkt under feltet («  - Aktør»)",
        "01-intro.md:9: valget «Fase» har ingen valgmuligheter: skriv hver mulighet som et "
        "punkt under feltet",
    ],
    "unclosed_block": ["01-intro.md:7: oppgaveblokken er ikke lukket med «:::»"],
    "nested_and_empty": [
        "01-intro.md:13: en oppgave kan ikke stå inne i en oppgave, og en quiz ikke i en "
        "oppgave: lukk oppgaven med «:::» først",
        "01-intro.md:16: «:::» utenfor en quiz- eller oppgaveblokk: en quiz begynner med "
        "«::: quiz», en oppgave med «::: oppgave Tittel {#id}», og begge slutter med «:::»",
        "01-intro.md:7: oppgaven har ingen felt: skriv feltene som en punktliste, "
        "«- kort: Prosjektets navn {#navn}»",
    ],
}


@pytest.mark.parametrize("scenario", CASES)
def test_malformed_step_is_reported_at_its_line(scenario: str) -> None:
    assert problem_lines(WORKBOOK / scenario) == CASES[scenario]


def test_steps_compile_to_typed_fields_outside_the_text() -> None:
    course = load_course(FIXTURES / "workbook_course").course
    assert course is not None and course.step_count == 3
    module = course.modules[0]
    first, second = module.workbook
    assert (first.id, first.title, first.line) == ("m01-prosjekt", "Beskriv prosjektet", 10)
    assert (
        first.intro_html
        == "<p>Gi prosjektet et navn og beskriv <strong>utfordringen</strong>.</p>\n"
    )
    assert [(f.id, f.kind) for f in first.fields] == [
        ("navn", "short"), ("utfordring", "long"), ("berorte", "list"), ("fase", "choice"),
        ("start", "date"),
    ]  # fmt: skip
    fase = first.field("fase")
    assert fase is not None
    assert [o.id for o in fase.options] == ["forankring", "innsikt", "tjenesteutvikling"]
    table, benefits, risks = second.fields
    assert [(c.id, c.label) for c in table.columns] == [
        ("aktor", "Aktør"), ("interesse", "Interesse"), ("innflytelse", "Innflytelse"),
    ]  # fmt: skip
    assert [c.id for c in benefits.columns] == ["tiltak", "effekt", "gevinst", "eier", "maling"]
    assert [c.id for c in risks.columns if c.scale] == ["sannsynlighet", "konsekvens"]
    assert "Gi prosjektet et navn" not in module.html and "Interessentkart" not in module.html
    assert "Interessenter" in module.html  # the heading between the blocks stays text


def test_choice_options_may_name_their_own_ids() -> None:
    body = "Tekst.\n\n::: oppgave Steg {#steg}\n- valg: Svar {#svar}\n  - Ja {#j}\n  - Nei\n:::\n"
    result = compile_source(module_source(body))
    assert result.module is not None, result.problems
    field = result.module.workbook[0].fields[0]
    assert [(o.id, o.label) for o in field.options] == [("j", "Ja"), ("nei", "Nei")]


def test_values_are_cleaned_and_empty_ones_left_out() -> None:
    course = load_course(FIXTURES / "workbook_course").course
    assert course is not None
    step = course.modules[0].workbook[0]
    clean, problems = check_values(
        step, {"navn": "  Navn ", "utfordring": "a\r\nb", "berorte": ["", "x"], "start": ""}
    )
    assert problems == []
    assert clean == {"navn": "Navn", "utfordring": "a\nb", "berorte": ["x"]}
    _, problems = check_values(step, {"start": "2026-02-30", "utfordring": 5})
    assert [(p.loc, p.msg) for p in problems] == [
        (("utfordring",), "må være tekst"),
        (("start",), "må være en dato på formen ÅÅÅÅ-MM-DD"),
    ]


def test_the_example_in_the_authoring_guide_compiles() -> None:
    guide = (SHIPPED / "README.md").read_text()
    section = guide[guide.index("### Oppgaver i arbeidsboken") :]
    example = section[section.index("```markdown\n") + 12 : section.index("\n```\n")]
    result = compile_source(module_source(f"Tekst.\n\n{example}\n"))
    assert result.module is not None, result.problems
    kinds = [f.kind for f in result.module.workbook[0].fields]
    assert kinds == ["short", "long", "list", "table", "choice", "date", "benefits", "risks"]
