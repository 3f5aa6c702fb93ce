"""Split YAML front matter from a module and validate it with line numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from yaml.constructor import ConstructorError

from course.limits import MAX_FRONT_MATTER_CHARS
from course.messages import MODULE_SLUG_RULE, NOT_BLANK, field_problem, number, yaml_problem
from course.models import Problem, Severity

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ModuleMeta(BaseModel):
    """The front matter keys a module may set."""

    model_config = ConfigDict(extra="allow", strict=True)

    title: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(default=None, max_length=80)
    order: int | None = Field(default=None, ge=0, le=9999)
    estimated_minutes: int = Field(default=30, gt=0, le=24 * 60)
    pass_mark: float | None = Field(default=None, ge=0, le=1)
    required: bool = True
    objectives: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(NOT_BLANK)
        return value.strip()

    @field_validator("slug")
    @classmethod
    def _slug_format(cls, value: str | None) -> str | None:
        if value is not None and not SLUG_RE.match(value):
            raise ValueError(MODULE_SLUG_RULE)
        return value

    @field_validator("pass_mark", mode="before")
    @classmethod
    def _int_pass_mark(cls, value: object) -> object:
        # YAML reads `pass_mark: 1` as an int; accept it as a float.
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


@dataclass(frozen=True, slots=True)
class FrontMatter:
    meta: ModuleMeta | None
    body: str
    body_line: int  # 0-based line number in the file where the body starts
    problems: tuple[Problem, ...]
    closed: bool = True  # False when the front matter runs to the end of the file


_KINDS = {
    "int": "et gyldig heltall",
    "float": "et gyldig tall",
    "bool": "en gyldig sannhetsverdi (true eller false)",
    "timestamp": "en gyldig dato",
}


class _BadScalar(ConstructorError):
    """A value YAML could not construct; ``problem`` is already in Norwegian."""


class _Loader(yaml.SafeLoader):
    """A safe loader that reports bad scalars (``2024-13-45``, ``!!int x``) as YAML errors."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError) as exc:
            kind = str(node.tag).rsplit(":", 1)[-1]
            what = f"«{node.value}»" if isinstance(node, yaml.ScalarNode) else "verdien"
            expected = _KINDS.get(kind, f"en gyldig verdi av typen «{kind}»")
            raise _BadScalar(None, None, f"{what} er ikke {expected}",
                             node.start_mark) from exc  # fmt: skip


def _key_line(yaml_text: str, key: str, first_line: int) -> int:
    match = re.search(rf"^{re.escape(key)}\s*:", yaml_text, re.MULTILINE)
    if match is None:
        return first_line
    return first_line + yaml_text.count("\n", 0, match.start())


def split_front_matter(text: str, *, path: str) -> FrontMatter:
    """Split and validate the front matter of a module source.

    Line numbers in problems are 1-based file lines, counted as markdown-it
    counts them: only LF, CR LF and a lone CR end a line.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[0].strip() != "---":
        problem = Problem(path, 1, "mangler front matter: filen må begynne med en linje «---»")
        return FrontMatter(None, text, 0, (problem,))
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        problem = Problem(path, 1, "front matter er ikke avsluttet med en linje «---»")
        return FrontMatter(None, "", len(lines), (problem,), closed=False)

    yaml_text = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1 :])
    if len(yaml_text) > MAX_FRONT_MATTER_CHARS:
        message = (f"front matter er for lang: {number(len(yaml_text))} tegn, men høyst "
                   f"{number(MAX_FRONT_MATTER_CHARS)} tegn er tillatt")  # fmt: skip
        return FrontMatter(None, body, end + 1, (Problem(path, 2, message),))
    try:
        data: Any = yaml.load(yaml_text, Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        # YAML also breaks lines at U+0085, U+2028 and U+2029: count from the index instead.
        mark = getattr(exc, "problem_mark", None)
        index = mark.index if mark is not None else getattr(exc, "position", 0)
        line = 2 + yaml_text.count("\n", 0, index)
        reason = str(exc.problem) if isinstance(exc, _BadScalar) else yaml_problem(exc)
        return FrontMatter(None, body, end + 1, (Problem(path, line, f"front matter: {reason}"),))
    except RecursionError:
        problem = Problem(path, 2, "front matter: for mange nivåer inni hverandre")
        return FrontMatter(None, body, end + 1, (problem,))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problem = Problem(path, 2, "front matter må bestå av nøkler og verdier («nøkkel: verdi»)")
        return FrontMatter(None, body, end + 1, (problem,))

    problems: list[Problem] = []
    for key in data:
        if not isinstance(key, str):
            line = _key_line(yaml_text, str(key), 2)
            problems.append(Problem(path, line, f"nøkkelen {key!r} i front matter må være tekst"))
    if problems:
        return FrontMatter(None, body, end + 1, tuple(problems))
    try:
        meta = ModuleMeta.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else "title"
            message = (
                "mangler tittel: legg til «title: …» i front matter"
                if error["type"] == "missing" and key == "title"
                else field_problem(error, place="front matter")
            )
            problems.append(Problem(path, _key_line(yaml_text, key, 2), message))
        return FrontMatter(None, body, end + 1, tuple(problems))

    for key in meta.model_extra or {}:
        problems.append(
            Problem(
                path,
                _key_line(yaml_text, key, 2),
                f"ukjent nøkkel «{key}» i front matter (ignoreres)",
                Severity.WARNING,
            )
        )
    return FrontMatter(meta, body, end + 1, tuple(problems))
