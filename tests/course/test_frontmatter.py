"""Front matter: every error at the line that causes it (fixtures under fixtures/<scenario>/)."""

from __future__ import annotations

import pytest

from course.frontmatter import split_front_matter
from course.models import Severity
from tests.course.helpers import FIXTURES, compile_lines, problem_lines

COLON = (
    "kolon på et sted der det ikke er tillatt (sett en verdi som inneholder «: » i "
    "anførselstegn, og sjekk innrykket)"
)
NO_TITLE = "mangler tittel: legg til «title: …» i front matter"
CASES = {
    "missing_front_matter": [
        "01-intro.md:1: mangler front matter: filen må begynne med en linje «---»",
    ],
    "unclosed_front_matter": ["01-intro.md:1: front matter er ikke avsluttet med en linje «---»"],
    "invalid_yaml": [f"01-intro.md:3: front matter: {COLON}"],
    "front_matter_not_mapping": [
        "01-intro.md:2: front matter må bestå av nøkler og verdier («nøkkel: verdi»)"
    ],
    "missing_title": [f"01-intro.md:2: {NO_TITLE}"],
    "bad_types": [
        "01-intro.md:3: «estimated_minutes» i front matter må være et heltall",
        "01-intro.md:4: «pass_mark» i front matter må være 1 eller mindre",
        "01-intro.md:5: «required» i front matter må være true eller false",
    ],
    "invalid_date": ["01-intro.md:3: front matter: «2025-13-01» er ikke en gyldig dato"],
    "unknown_key": [
        "01-intro.md:3: advarsel: ukjent nøkkel «estimatd_minutes» i front matter (ignoreres)"
    ],
}


@pytest.mark.parametrize("scenario", CASES)
def test_front_matter_error_is_reported_at_its_line(scenario: str) -> None:
    assert problem_lines(FIXTURES / scenario) == CASES[scenario]


def test_unknown_key_is_only_a_warning() -> None:
    front = split_front_matter("---\ntitle: A\ncolour: red\n---\nText\n", path="m.md")
    assert front.meta is not None
    assert [p.severity for p in front.problems] == [Severity.WARNING]


@pytest.mark.parametrize(
    ("yaml_line", "message"),
    [
        ("title: !!int abc", "front matter: «abc» er ikke et gyldig heltall"),
        ("title: !!float abc", "front matter: «abc» er ikke et gyldig tall"),
        ("title: !!timestamp abc", "front matter: «abc» er ikke en gyldig dato"),
        ("title: !!int", "front matter: «» er ikke et gyldig heltall"),
        ("title: !!bool maybe",
         "front matter: «maybe» er ikke en gyldig sannhetsverdi (true eller false)"),
        ("title: !!binary abc", "front matter: ugyldige base64-data"),
        ("title: !!python/name:os.system", "front matter: YAML-taggen 'tag:yaml.org,2002:"
                                           "python/name:os.system' er ikke tillatt"),
    ],
)  # fmt: skip
def test_bad_yaml_scalar_is_an_error_not_a_crash(yaml_line: str, message: str) -> None:
    assert compile_lines(f"---\nestimated_minutes: 5\n{yaml_line}\n---\n\nText\n") == [
        f"01-modul.md:3: {message}"
    ]


def test_deeply_nested_yaml_is_an_error_not_a_crash() -> None:
    lines = compile_lines("---\ntitle: " + "[" * 5000 + "\n---\n\nText\n")
    assert lines == ["01-modul.md:2: front matter: for mange nivåer inni hverandre"]


def test_yaml_line_breaks_other_than_newline_do_not_shift_lines() -> None:
    # YAML counts U+0085, U+2028 and U+2029 as line breaks; markdown-it and editors do not.
    source = '---\ntitle: "A\u2028B\u0085C"\nsummary: a: b\n---\n\nText\n'
    assert compile_lines(source) == [f"01-modul.md:3: front matter: {COLON}"]


def test_special_character_in_yaml_is_reported_at_its_line() -> None:
    source = "---\ntitle: A\nobjectives:\n  - B\x07\n---\n\nText\n"
    assert compile_lines(source) == [
        "01-modul.md:4: front matter: spesialtegnet U+0007 er ikke tillatt"
    ]


def test_unicode_line_separator_in_front_matter_keeps_body_lines() -> None:
    source = '---\ntitle: "A\u2028B"\n---\n\nText\n\n::: quiz\n### Q?\n:::\n'
    assert compile_lines(source) == ["01-modul.md:8: spørsmålet «Q?» har ingen svaralternativer"]


def test_carriage_returns_end_lines_like_newlines() -> None:
    source = "---\r\ntitle: A\r\nestimated_minutes: x\r\n---\r\n\r\nText\r\n"
    assert compile_lines(source) == [
        "01-modul.md:3: «estimated_minutes» i front matter må være et heltall"
    ]
    assert compile_lines(source.replace("\r\n", "\r")) == compile_lines(source)


def test_non_text_key_is_reported_at_its_line() -> None:
    assert compile_lines("---\ntitle: A\n12: b\n---\n\nText\n") == [
        "01-modul.md:3: nøkkelen 12 i front matter må være tekst"
    ]


def test_empty_front_matter_is_missing_a_title() -> None:
    assert compile_lines("---\n---\n\nText\n") == [f"01-modul.md:2: {NO_TITLE}"]


def test_front_matter_may_end_with_three_dots() -> None:
    front = split_front_matter("---\ntitle: A\n...\nBody\n", path="m.md")
    assert front.meta is not None and front.body == "Body\n" and front.body_line == 3


def test_integer_pass_mark_is_read_as_a_number() -> None:
    front = split_front_matter("---\ntitle: A\npass_mark: 1\n---\n", path="m.md")
    assert front.meta is not None and front.meta.pass_mark == 1.0


@pytest.mark.parametrize("value", ["true", ".nan", "-0.1", "'0.8'"])
def test_pass_mark_must_be_a_number_between_0_and_1(value: str) -> None:
    front = split_front_matter(f"---\ntitle: A\npass_mark: {value}\n---\n", path="m.md")
    assert front.meta is None
    assert [p.line for p in front.problems] == [3]
