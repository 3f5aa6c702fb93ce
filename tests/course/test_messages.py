"""Library errors in Norwegian: pydantic, YAML, TOML and the OS, each at its line."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from pydantic_core import ErrorDetails

from course.loader import load_course_info
from course.messages import count, field_problem, number, os_problem
from tests.course.helpers import COURSE_TOML, compile_lines

STRING = "må være tekst (sett verdien i anførselstegn)"
SLUG = "kan bare ha små bokstaver a–z, tall og bindestrek mellom ordene, f.eks."


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("title: 2025", f"«title» i front matter {STRING}"),
        ("title: ''", "«title» i front matter kan ikke være tom"),
        ("title: '   '", "«title» i front matter kan ikke være tom"),
        ("title: " + "x" * 201, "«title» i front matter kan ha høyst 200 tegn"),
        ("title: A\nslug: Min_Modul", f"«slug» i front matter {SLUG} «min-modul»"),
        ("title: A\norder: -1", "«order» i front matter må være 0 eller større"),
        ("title: A\norder: 10000", "«order» i front matter må være 9999 eller mindre"),
        ("title: A\nestimated_minutes: 1.5",
         "«estimated_minutes» i front matter må være et heltall"),
        ("title: A\nestimated_minutes: 1441",
         "«estimated_minutes» i front matter må være 1440 eller mindre"),
        ("title: A\npass_mark: 0,8",
         "«pass_mark» i front matter må være et tall, med punktum som desimaltegn (f.eks. 0.8)"),
        ("title: A\npass_mark: -0.1", "«pass_mark» i front matter må være 0 eller større"),
        ("title: A\nrequired:", "«required» i front matter mangler en verdi"),
        ("title: A\nrequired: ja", "«required» i front matter må være true eller false"),
        ("title: A\nobjectives: Forstå",
         "«objectives» i front matter må være en liste, med ett punkt per linje («- punkt»)"),
        ("title: A\nobjectives:\n  - Forstå\n  - 12",
         f"punkt 2 under «objectives» i front matter {STRING}"),
        ("title: A\nobjectives: [" + ", ".join("m" * 21) + "]",
         "«objectives» i front matter kan ha høyst 20 punkter"),
    ],
)  # fmt: skip
def test_front_matter_value_error_says_what_the_value_must_be(front: str, message: str) -> None:
    lines = compile_lines(f"---\n{front}\n---\n\nTekst.\n")
    assert [line.split(": ", 1)[1] for line in lines] == [message]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('language = "Norsk"\n',
         "«language» i course.toml må være en språkkode med små bokstaver, f.eks. «nb» eller «nn»"),
        ("estimated_hours = 0\n", "«estimated_hours» i course.toml må være større enn 0"),
        ("pass_mark = 1.5\n", "«pass_mark» i course.toml må være 1 eller mindre"),
        ("description = 2\n", f"«description» i course.toml {STRING}"),
        ("[pass_mark]\n", "«pass_mark» i course.toml må være et tall, med punktum som "
                          "desimaltegn (f.eks. 0.8)"),
        ('version = ""\n', "«version» i course.toml kan ikke være tom"),
    ],
)  # fmt: skip
def test_course_toml_value_error_says_what_the_value_must_be(
    tmp_path: Path, toml: str, message: str
) -> None:
    base = COURSE_TOML.replace('version = "1"\n', "") if "version" in toml else COURSE_TOML
    (tmp_path / "course.toml").write_text(base + toml)
    _, problems = load_course_info(tmp_path)
    assert [p.message for p in problems] == [message]


@pytest.mark.parametrize(
    ("kind", "ctx", "message"),
    [
        ("bool_parsing", None, "må være true eller false"),
        ("int_parsing", None, "må være et heltall"),
        ("int_from_float", None, "må være et heltall (uten desimaler)"),
        ("float_parsing", None, "må være et tall, med punktum som desimaltegn (f.eks. 0.8)"),
        ("finite_number", None, "må være et endelig tall"),
        ("date_from_datetime_inexact", None,
         "må være en dato på formen ÅÅÅÅ-MM-DD, uten klokkeslett"),
        ("less_than", {"lt": 18255.0}, "må være mindre enn 18 255"),
        ("string_too_short", {"min_length": 3}, "må ha minst 3 tegn"),
        ("too_short", {"min_length": 2}, "må ha minst 2 punkter"),
        ("string_pattern_mismatch", {"pattern": "^x$"}, "har feil form"),
        ("url_parsing", None, "har en ugyldig verdi"),
    ],
)  # fmt: skip
def test_every_error_type_is_worded_and_names_the_key(
    kind: str, ctx: dict[str, object] | None, message: str
) -> None:
    error = ErrorDetails(type=kind, loc=("kode",), msg="English", input="x")
    if ctx is not None:
        error["ctx"] = ctx
    assert field_problem(error, place="course.toml") == f"«kode» i course.toml {message}"


def test_error_without_a_key_names_the_file() -> None:
    error = ErrorDetails(type="model_type", loc=(), msg="English", input=[])
    assert field_problem(error, place="course.toml") == "course.toml har en ugyldig verdi"


@pytest.mark.parametrize(
    ("front", "line", "message"),
    [
        ("- a\nb: c", 3, "feil innrykk: linjen passer ikke med linjene over"),
        ('title: "Del 1', 2, "slutter midt i en verdi (mangler et avsluttende anførselstegn?)"),
        ("title: [1, 2", 2, "listen mangler «,» mellom verdiene eller en avsluttende «]»"),
        ("title: {a", 2, "mangler «,» mellom verdiene eller en avsluttende «}»"),
        ('title: "C:\\mappe"', 2, "ukjent escape-tegn 'm' etter «\\» i tekst med doble "
                                  "anførselstegn (skriv «\\\\» eller bruk enkle anførselstegn)"),
        ("\ttitle: A", 2, "tabulator kan ikke stå her: bruk mellomrom til innrykk"),
        ("title: @kommune", 2, "tegnet '@' kan ikke begynne en verdi (sett verdien i "
                               "anførselstegn)"),
        ("title: *navn", 2, "aliaset 'navn' viser ikke til noe anker («&») lenger opp"),
        ("title: &a A\nslug: &a b", 3, "det samme ankeret («&») er definert to ganger"),
        ("title: !farge A", 2, "YAML-taggen '!farge' er ikke tillatt"),
        ("[a]: b", 2, "en nøkkel kan ikke være en liste eller nøkler og verdier"),
        ("title: !!map [1]", 2, "forventet nøkler og verdier, men fant en liste"),
        ("<<: 1", 2, "«<<» kan bare slå sammen nøkler og verdier, men fant en enkeltverdi"),
        ("title: |0\n  A", 2, "innrykket etter «|» eller «>» angis med et siffer fra 1 til 9, "
                              "ikke 0"),
        ("%YAML 2.0\n---\ntitle: A", 2, "YAML-versjonen støttes ikke (bare 1.x)"),
        ("{title: A}}", 2, "uventet innhold etter slutten av verdien"),
        ("title: !!omap [{a: 1, b: 2}]", 2, "forventet ett par «nøkkel: verdi», men fant 2 par"),
        ("title: \ufffe", 2, "spesialtegnet U+FFFE er ikke tillatt"),
    ],
)  # fmt: skip
def test_yaml_error_is_explained_in_norwegian(front: str, line: int, message: str) -> None:
    assert compile_lines(f"---\n{front}\n---\n\nTekst.\n") == [
        f"01-modul.md:{line}: front matter: {message}"
    ]


@pytest.mark.parametrize(
    ("toml", "line", "message"),
    [
        ("title = Testkurs", 1, "i kolonne 9: ugyldig verdi (tekst må stå i anførselstegn)"),
        ('title = "Testkurs', 1, "i kolonne 18: teksten mangler et avsluttende anførselstegn "
                                 "før linjeskiftet"),
        ('title = """Testkurs', 1, "på slutten av filen: teksten mangler et avsluttende "
                                   "anførselstegn"),
        ("kurs navn = 1", 1, "i kolonne 6: forventet «=» etter nøkkelen"),
        ("= 1", 1, "i kolonne 1: ugyldig linje (forventet «nøkkel = verdi», «[tabell]» eller "
                   "en kommentar)"),
        ("[a]\n[a]", 2, "i kolonne 3: tabellen «a» er definert to ganger"),
        ("a = [1, 2", 1, "på slutten av filen: listen er ikke lukket med «]»"),
        ('a = "C:\\mappe"', 1, "i kolonne 10: «\\» i tekst må skrives «\\\\»"),
        ("a = 2025-02-30", 1, "i kolonne 5: ugyldig dato eller tidspunkt"),
    ],
)  # fmt: skip
def test_toml_error_is_explained_in_norwegian(
    tmp_path: Path, toml: str, line: int, message: str
) -> None:
    (tmp_path / "course.toml").write_text(toml + "\n")
    _, problems = load_course_info(tmp_path)
    assert [(p.line, p.message) for p in problems] == [(line, f"ugyldig TOML {message}")]


def test_file_without_access_is_explained() -> None:
    message = os_problem(PermissionError(errno.EACCES, "Permission denied"))
    assert message == "du har ikke tilgang til filen"


def test_unknown_os_error_quotes_the_system() -> None:
    message = os_problem(OSError(errno.EIO, "Input/output error"))
    assert message == "systemet svarte «Input/output error»"


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (9999, "9999"), (10_000, "10 000"), (18255, "18 255"), (1_000_000, "1 000 000"),
     (1.0, "1"), (0.8, "0.8"), (-12345, "-12 345")],
)  # fmt: skip
def test_numbers_are_grouped_by_thousands_from_five_digits(value: float, text: str) -> None:
    assert number(value) == text


def test_count_picks_singular_or_plural() -> None:
    assert [count(n, "modul", "moduler") for n in (0, 1, 2, 12000)] == [
        "0 moduler", "1 modul", "2 moduler", "12 000 moduler"
    ]  # fmt: skip
