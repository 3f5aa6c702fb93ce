"""Norwegian wording for problems that come from libraries: pydantic, YAML, TOML, the OS.

Instructors read every validator message, so library errors are translated here in
one place. Each table keeps what the library says is wrong and, where it helps,
says how to fix it; anything not in a table still gets a Norwegian fallback.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic_core import ErrorDetails

# The rule a slug follows (SLUG_RE), in words and with an example.
_SLUG_RULE = "kan bare ha små bokstaver a–z, tall og bindestrek mellom ordene, f.eks."
MODULE_SLUG_RULE = f"{_SLUG_RULE} «min-modul»"
COURSE_SLUG_RULE = f"{_SLUG_RULE} «mitt-kurs»"
NOT_BLANK = "kan ikke være tom"
_NO_CONTROL_CHARACTERS = "kan ikke inneholde kontrolltegn"

# A pattern is easier to explain in words than to show: by the field it checks.
_PATTERN_RULES = {
    "slug": COURSE_SLUG_RULE,  # the module slug is checked by a validator of its own
    "module": MODULE_SLUG_RULE,  # a module slug given as a parameter (SCORM export)
    "language": "må være en språkkode med små bokstaver, f.eks. «nb» eller «nn»",
    "municipality_number": "må være et kommunenummer med fire sifre, f.eks. «3203»",
    "full_name": _NO_CONTROL_CHARACTERS,
    "municipality": _NO_CONTROL_CHARACTERS,
    "department": _NO_CONTROL_CHARACTERS,
}
# Messages that validators shared with the JSON API raise in English.
_VALUE_ERRORS = {"must not contain control characters": _NO_CONTROL_CHARACTERS}
_NUMBER = "må være et tall, med punktum som desimaltegn (f.eks. 0.8)"
_INTEGER = "må være et heltall"
_BOOLEAN = "må være true eller false"
_DATE = "må være en dato på formen ÅÅÅÅ-MM-DD"
_FIELD_PREDICATES = {
    "missing": "mangler, men er påkrevd",
    "extra_forbidden": "er ikke en kjent nøkkel: fjern den eller rett skrivefeilen",
    "bool_type": _BOOLEAN,
    "bool_parsing": _BOOLEAN,
    "int_type": _INTEGER,
    "int_parsing": _INTEGER,
    "int_from_float": f"{_INTEGER} (uten desimaler)",
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "finite_number": "må være et endelig tall",
    "string_type": "må være tekst (sett verdien i anførselstegn)",
    "list_type": "må være en liste, med ett punkt per linje («- punkt»)",
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": f"{_DATE}, uten klokkeslett",
    "greater_than": "må være større enn {gt}",
    "greater_than_equal": "må være {ge} eller større",
    "less_than": "må være mindre enn {lt}",
    "less_than_equal": "må være {le} eller mindre",
    "string_too_short": "må ha minst {min_length} tegn",
    "string_too_long": "kan ha høyst {max_length} tegn",
    "too_short": "må ha minst {min_length} punkter",
    "too_long": "kan ha høyst {max_length} punkter",
    "string_pattern_mismatch": "har feil form",
}


def number(value: float) -> str:
    """A number as Norwegian text: 18 255, 1 000 000 (four digits stay together: 1440)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and abs(value) >= 10_000:
        return f"{value:,}".replace(",", " ")
    return str(value)


def count(value: int, singular: str, plural: str) -> str:
    """``count(1, "modul", "moduler")`` -> ``"1 modul"``."""
    return f"{number(value)} {singular if value == 1 else plural}"


def _subject(loc: Sequence[str | int], place: str) -> str:
    if not loc:
        return place
    if len(loc) == 2 and isinstance(loc[1], int):
        return f"punkt {loc[1] + 1} under «{loc[0]}» i {place}"
    return "«" + ".".join(str(part) for part in loc) + f"» i {place}"


def predicate(error: ErrorDetails) -> str:
    """What is wrong with the value, in Norwegian, without naming it: "må ha minst 10 tegn"."""
    kind = error["type"]
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        text = str(ctx["error"])  # our validators raise their message in Norwegian
        return _VALUE_ERRORS.get(text, text)
    if kind == "value_error" and "reason" in ctx:  # pydantic's EmailStr
        return "er ikke en gyldig e-postadresse"
    if kind.endswith("_type") and error.get("input", "") is None:
        return "mangler en verdi"
    if kind == "enum" and "expected" in ctx:  # "'a', 'b' or 'c'"
        return "må være en av " + str(ctx["expected"]).replace("'", "").replace(" or ", ", ")
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return NOT_BLANK
    if kind == "string_pattern_mismatch" and error["loc"]:
        return _PATTERN_RULES.get(str(error["loc"][0]), _FIELD_PREDICATES[kind])
    if kind in _FIELD_PREDICATES:
        values = {key: number(v) if isinstance(v, int | float) else v for key, v in ctx.items()}
        return _FIELD_PREDICATES[kind].format(**values)
    return "har en ugyldig verdi"


def field_problem(error: ErrorDetails, *, place: str) -> str:
    """One pydantic error as a sentence naming the key: "«required» i front matter må være ..."."""
    return f"{_subject(error['loc'], place)} {predicate(error)}"


def _fill(text: str, values: Sequence[str]) -> str:
    """Put ``values`` in for ``{0}``, ``{1}``; unlike ``str.format``, other braces stay."""
    for index, value in enumerate(values):
        text = text.replace(f"{{{index}}}", value)
    return text


_YAML_NODES = {"scalar": "en enkeltverdi", "sequence": "en liste", "mapping": "nøkler og verdier"}
_YAML_PROBLEMS = tuple((re.compile(pattern), text) for pattern, text in (
    (r"found character '\\t' that cannot start any token",
     "tabulator kan ikke stå her: bruk mellomrom til innrykk"),
    (r"found character (.+) that cannot start any token",
     "tegnet {0} kan ikke begynne en verdi (sett verdien i anførselstegn)"),
    (r"mapping values are not allowed here",
     "kolon på et sted der det ikke er tillatt (sett en verdi som inneholder «: » i "
     "anførselstegn, og sjekk innrykket)"),
    (r"mapping keys are not allowed here", "en nøkkel («?») er ikke tillatt her"),
    (r"sequence entries are not allowed here",
     "et listepunkt («- ») er ikke tillatt her (sjekk innrykket)"),
    (r"could not find expected ':'", "fant ikke kolonet («:») som skal stå etter en nøkkel"),
    (r"found unexpected end of stream",
     "slutter midt i en verdi (mangler et avsluttende anførselstegn?)"),
    (r"found unexpected document separator", "uventet «---» eller «...» midt i en verdi"),
    (r"found unknown escape character (.+)",
     "ukjent escape-tegn {0} etter «\\» i tekst med doble anførselstegn (skriv «\\\\» "
     "eller bruk enkle anførselstegn)"),
    (r"expected escape sequence of (\d+) hexadecimal numbers, but found (.+)",
     "forventet {0} heksadesimale sifre i escape-sekvensen, men fant {1}"),
    (r"expected alphabetic or numeric character, but found (.+)",
     "forventet en bokstav eller et siffer, men fant {0}"),
    (r"expected a digit or '\.', but found (.+)", "forventet et siffer eller «.», men fant {0}"),
    (r"expected a digit or ' ', but found (.+)",
     "forventet et siffer eller et mellomrom, men fant {0}"),
    (r"expected a digit, but found (.+)", "forventet et siffer, men fant {0}"),
    (r"expected ' ', but found (.+)", "forventet et mellomrom, men fant {0}"),
    (r"expected a comment or a line break, but found (.+)",
     "forventet en kommentar eller et linjeskift, men fant {0}"),
    (r"expected chomping or indentation indicators, but found (.+)",
     "forventet «+», «-» eller et siffer etter «|» eller «>», men fant {0}"),
    (r"expected indentation indicator in the range 1-9, but found 0",
     "innrykket etter «|» eller «>» angis med et siffer fra 1 til 9, ikke 0"),
    (r"expected '!', but found (.+)", "forventet «!», men fant {0}"),
    (r"expected '>', but found (.+)", "forventet «>», men fant {0}"),
    (r"expected URI escape sequence of 2 hexadecimal numbers, but found (.+)",
     "forventet to heksadesimale sifre etter «%», men fant {0}"),
    (r"expected URI, but found (.+)", "forventet en URI, men fant {0}"),
    (r"expected <block end>, but found .+", "feil innrykk: linjen passer ikke med linjene over"),
    (r"expected '<document start>', but found .+", "uventet innhold etter slutten av verdien"),
    (r"found duplicate YAML directive", "YAML-direktivet står to ganger"),
    (r"found incompatible YAML document", "YAML-versjonen støttes ikke (bare 1.x)"),
    (r"duplicate tag handle (.+)", "tagg-prefikset {0} er definert to ganger"),
    (r"found undefined tag handle (.+)", "tagg-prefikset {0} er ikke definert"),
    (r"expected ',' or '\]', but got .+",
     "listen mangler «,» mellom verdiene eller en avsluttende «]»"),
    (r"expected ',' or '\}', but got .+", "mangler «,» mellom verdiene eller en avsluttende «}»"),
    (r"expected the node content, but found .+", "forventet en verdi her"),
    (r"but found another document", "kan bare inneholde ett YAML-dokument"),
    (r"found undefined alias (.+)", "aliaset {0} viser ikke til noe anker («&») lenger opp"),
    (r"second occurrence", "det samme ankeret («&») er definert to ganger"),
    (r"could not determine a constructor for the tag (.+)", "YAML-taggen {0} er ikke tillatt"),
    (r"failed to (?:decode|convert) base64 data", "ugyldige base64-data"),
    (r"found unhashable key", "en nøkkel kan ikke være en liste eller nøkler og verdier"),
    (r"found unconstructable recursive node", "en verdi kan ikke inneholde seg selv"),
    (r"expected a? ?(scalar|sequence|mapping)(?: node)?, but found (\w+)",
     "forventet {0}, men fant {1}"),
    (r"expected a mapping of length 1, but found (\w+)",
     "forventet ett par «nøkkel: verdi», men fant {0}"),
    (r"expected a single mapping item, but found (\d+) items",
     "forventet ett par «nøkkel: verdi», men fant {0} par"),
    (r"expected a mapping (?:or list of mappings )?for merging, but found (\w+)",
     "«<<» kan bare slå sammen nøkler og verdier, men fant {0}"),
))  # fmt: skip


def yaml_problem(exc: Exception) -> str:
    """What a PyYAML error says is wrong, in Norwegian (without the line: the caller has it)."""
    character = getattr(exc, "character", None)
    if isinstance(character, int):  # a ReaderError: a character YAML refuses anywhere
        return f"spesialtegnet U+{character:04X} er ikke tillatt"
    problem = str(getattr(exc, "problem", None) or "")
    for pattern, text in _YAML_PROBLEMS:
        match = pattern.match(problem)
        if match:
            return _fill(text, [_YAML_NODES.get(g, g) for g in match.groups()])
    return "ugyldig YAML"


_TOML_PROBLEMS = tuple((re.compile(pattern), text) for pattern, text in (
    (r"Invalid statement",
     "ugyldig linje (forventet «nøkkel = verdi», «[tabell]» eller en kommentar)"),
    (r"Expected newline or end of document after a statement",
     "forventet linjeskift etter «nøkkel = verdi» (tekst må stå i anførselstegn)"),
    (r"Expected '=' after a key in a key/value pair", "forventet «=» etter nøkkelen"),
    (r"Expected '\]' at the end of a table declaration",
     "forventet «]» på slutten av tabelloverskriften"),
    (r"Expected '\]\]' at the end of an array declaration",
     "forventet «]]» på slutten av tabelloverskriften"),
    (r"Expected (.+)", "forventet {0}"),
    (r"Found invalid character (.+)", "ugyldig tegn {0}"),
    (r"Illegal character '\\n'",
     "teksten mangler et avsluttende anførselstegn før linjeskiftet"),
    (r"Illegal character (.+)", "ulovlig tegn {0} i teksten"),
    (r"Cannot declare (.+) twice", "tabellen {0} er definert to ganger"),
    (r"Cannot overwrite a value", "nøkkelen har allerede en verdi"),
    (r"Cannot mutate immutable namespace (.+)", "{0} er allerede definert og kan ikke endres"),
    (r"Cannot redefine namespace (.+)", "{0} kan ikke defineres på nytt"),
    (r"Invalid initial character for a key part", "ugyldig første tegn i en nøkkel"),
    (r"Unclosed array", "listen er ikke lukket med «]»"),
    (r"Duplicate inline table key (.+)", "nøkkelen {0} står to ganger i tabellen"),
    (r"Unclosed inline table", "tabellen er ikke lukket med «}»"),
    (r"Unescaped '\\' in a string", "«\\» i tekst må skrives «\\\\»"),
    (r"Invalid hex value", "ugyldig heksadesimal verdi"),
    (r"Escaped character is not a Unicode scalar value",
     "escape-sekvensen er ikke et gyldig Unicode-tegn"),
    (r"Unterminated string", "teksten mangler et avsluttende anførselstegn"),
    (r"Invalid date or datetime", "ugyldig dato eller tidspunkt"),
    (r"Invalid value", "ugyldig verdi (tekst må stå i anførselstegn)"),
))  # fmt: skip
_TOML_WHERE = re.compile(
    r"^(?P<problem>.*?) \(at (?:line \d+, column (?P<column>\d+)|end of document)\)$"
)


def _toml_key(text: str) -> str:
    """``('a', 'b')``, as tomllib names a table, becomes ``«a.b»``; other text stays."""
    if not text.startswith("("):
        return text
    parts = re.findall(r"'([^']*)'|\"([^\"]*)\"", text)
    return "«" + ".".join(single or double for single, double in parts) + "»"


def toml_problem(exc: ValueError) -> str:
    """A ``tomllib`` error in Norwegian, with the column (the caller has the line)."""
    found = _TOML_WHERE.match(str(exc))
    problem = found["problem"] if found else str(getattr(exc, "msg", exc))
    where = ""
    if found:
        where = f" i kolonne {found['column']}" if found["column"] else " på slutten av filen"
    for pattern, text in _TOML_PROBLEMS:
        match = pattern.fullmatch(problem)
        if match:
            return f"ugyldig TOML{where}: " + _fill(text, [_toml_key(g) for g in match.groups()])
    return f"ugyldig TOML{where}"


_OS_ERRORS = {
    errno.ENOENT: "filen finnes ikke",
    errno.EISDIR: "det er en mappe, ikke en fil",
    errno.EACCES: "du har ikke tilgang til filen",
    errno.EPERM: "du har ikke tilgang til filen",
}


_OS_WRITE_ERRORS = {
    errno.ENOENT: "mappen finnes ikke",
    errno.ENOTDIR: "en del av stien er en fil, ikke en mappe",
    errno.EISDIR: "det er en mappe, ikke en fil",
    errno.EACCES: "du har ikke skrivetilgang",
    errno.EPERM: "du har ikke skrivetilgang",
    errno.EROFS: "filsystemet er skrivebeskyttet",
    errno.ENOSPC: "disken er full",
}


def os_problem(exc: OSError, *, writing: bool = False) -> str:
    """Why a file could not be read (or written); the system's own words only as a last resort."""
    table = _OS_WRITE_ERRORS if writing else _OS_ERRORS
    if exc.errno in table:
        return table[exc.errno]
    return f"systemet svarte «{exc.strerror or exc}»"
