"""The command line's own messages in Norwegian: usage errors, and no traceback for the expected.

typer (its bundled click) words usage errors in English and has no translation
catalogue to switch to; its messages come in a few fixed forms, so they are
translated here after formatting, pattern by pattern, the way
``course.messages`` translates YAML and TOML errors. A form not in the table
is shown as it is, after a Norwegian lead-in.

Files that cannot be written and databases that stop answering midway are
expected on an operator's machine: they end with a Norwegian line and exit
status 1, not a traceback.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import typer
from sqlalchemy.exc import DBAPIError
from typer.core import TyperGroup

from api.cli import database
from api.cli.common import err
from course.messages import os_problem

_KINDS = {"argument": "argumentet", "option": "valget", "parameter": "verdien"}
_USAGE = tuple((re.compile(pattern), text) for pattern, text in (
    (r"Missing (argument|option|parameter) (\S+)\. Choose from:\s+([\s\S]+?)\.?",
     "Mangler {kind} {1}. Velg en av: {choices}."),
    (r"Missing (argument|option|parameter) (.+)\.", "Mangler {kind} {1}."),
    (r"Missing parameter: (.+)", "Mangler verdien {0}."),
    (r"Missing command\.", "Mangler kommando."),
    (r"No such command (.+?)\.(?: Did you mean (.+)\?)?", "Ukjent kommando {0}.{maybe}"),
    (r"No such option: (\S+)(?: Did you mean (.+)\?)?", "Ukjent valg: {0}.{maybe}"),
    (r"No such option: (\S+) \(Possible options: (.+)\)", "Ukjent valg: {0} (mulige valg: {1})"),
    (r"Option (.+) requires an argument\.", "Valget {0} trenger en verdi."),
    (r"Option (.+) requires (\d+) arguments\.", "Valget {0} trenger {1} verdier."),
    (r"Option (.+) does not take a value\.", "Valget {0} tar ingen verdi."),
    (r"Got unexpected extra argument(?:\(s\)|s)? \((.+)\)", "Uventet ekstra argument: {0}"),
    (r"Invalid value for (.+?): (.+)", "Ugyldig verdi for {0}: {value}"),
    (r"Invalid value: (.+)", "Ugyldig verdi: {value}"),
))  # fmt: skip
_VALUES = tuple((re.compile(pattern, re.IGNORECASE), text) for pattern, text in (
    (r"(.+) is not one of (.+)\.", "{0} er ikke en av {1}."),
    (r"(?:File|Directory|Path) (.+) does not exist\.", "{0} finnes ikke."),
    (r"(?:File|Path) (.+) is a directory\.", "{0} er en mappe, ikke en fil."),
    (r"(?:Directory|Path) (.+) is a file\.", "{0} er en fil, ikke en mappe."),
    (r"(?:File|Directory|Path) (.+) is not readable\.", "du har ikke lesetilgang til {0}."),
    (r"(?:File|Directory|Path) (.+) is not writable\.", "du har ikke skrivetilgang til {0}."),
    (r"Value (.+) is not a valid integer\.", "{0} er ikke et heltall."),
    (r"Value (.+) is not a valid float\.", "{0} er ikke et tall."),
    (r"(.+) is not a valid integer\.", "{0} er ikke et heltall."),
))  # fmt: skip


def _fill(text: str, groups: Sequence[str | None], **named: str) -> str:
    for index, group in enumerate(groups):
        text = text.replace(f"{{{index}}}", group or "")
    for key, value in named.items():
        text = text.replace(f"{{{key}}}", value)
    return text


def _value(message: str) -> str:
    message = message.removeprefix("Value error, ")  # how typer passes on a ValueError
    for pattern, text in _VALUES:
        match = pattern.fullmatch(message)
        if match:
            return _fill(text, match.groups())
    return message


def usage_problem(message: str) -> str:
    """A click/typer usage error in Norwegian: "Missing option '--name'." -> "Mangler valget …"."""
    for pattern, text in _USAGE:
        match = pattern.fullmatch(message.strip())
        if not match:
            continue
        groups = match.groups()
        named = {
            "kind": _KINDS.get(groups[0] or "", "") if groups else "",
            "value": _value(groups[-1] or "") if groups else "",
            "maybe": f" Mente du {groups[1]}?" if len(groups) > 1 and groups[1] else "",
            "choices": ", ".join(c.strip() for c in (groups[-1] or "").split(",")),
        }
        return _fill(text, groups, **named)
    return f"Feil i kommandoen: {message}"


def _exit(code: int) -> NoReturn:
    sys.exit(code)


class NorwegianGroup(TyperGroup):
    """The ``innostudy`` group: Norwegian usage errors; expected failures without a traceback."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:  # the caller handles errors itself
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.TyperException as exc:  # click's usage errors, among them
            if type(exc).__name__ != "NoArgsIsHelpError":  # the help is shown already
                err.print(f"Feil: {usage_problem(exc.format_message())}", markup=False)
                ctx = getattr(exc, "ctx", None)
                if ctx is not None:
                    err.print(f"Se «{ctx.command_path} --help».", markup=False, highlight=False)
            _exit(exc.exit_code)
        except typer.Abort:
            err.print("Avbrutt.")
            _exit(1)
        except DBAPIError as exc:
            err.print(database.problem(exc), markup=False, highlight=False)
            _exit(1)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            err.print(f"{where}{os_problem(exc, writing=True)}", markup=False, highlight=False)
            _exit(1)
        _exit(code if isinstance(code, int) else 0)
