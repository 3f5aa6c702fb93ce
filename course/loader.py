"""Load a content directory (course.toml + NN-slug.md files) into a ``Course``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from course.compile import FILE_NAME_RE, compile_module, defaults_from_file_name
from course.frontmatter import SLUG_RE, split_front_matter
from course.messages import field_problem, number, os_problem, toml_problem
from course.models import Course, CourseInfo, Module, Problem, Question, Severity
from course.quiz_rules import answer_hint_problems, duplicate_id_problems
from course.workbook_models import WorkbookStep
from course.workbook_syntax import duplicate_step_problems

COURSE_FILE = "course.toml"
MAX_FILE_BYTES = 1_000_000


class WorkbookMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    # "step-id.field-id": the field that states a project's challenge ("Hvordan kan vi …?").
    challenge: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*$")


class CompletionMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    require_approved_plan: bool = False


class CourseMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    title: str = Field(min_length=1, max_length=200)
    slug: str = Field(pattern=SLUG_RE.pattern, max_length=80)
    version: str = Field(min_length=1, max_length=40)
    issuer: str = Field(min_length=1, max_length=200)
    language: str = Field(default="nb", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
    description: str = ""
    pass_mark: float = Field(default=0.8, ge=0, le=1)
    estimated_hours: float | None = Field(default=None, gt=0)
    workbook: WorkbookMeta = WorkbookMeta()
    completion: CompletionMeta = CompletionMeta()


@dataclass(slots=True)
class LoadResult:
    course: Course | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]


def read_text(path: Path, *, display: str) -> tuple[str | None, Problem | None]:
    """Read a UTF-8 file; a decoding error names the line of the first bad byte."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, Problem(display, 1, f"kan ikke lese filen: {os_problem(exc)}")
    if len(data) > MAX_FILE_BYTES:
        return None, Problem(display, 1, f"filen er større enn {number(MAX_FILE_BYTES)} byte")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, Problem(display, line, "filen er ikke gyldig UTF-8 "
                             f"(byte 0x{data[exc.start]:02x}): lagre den som UTF-8")  # fmt: skip
    # Kept exactly as written (BOM and line endings too), so that an import
    # followed by an export gives the same bytes; the parser normalises.
    return text, None


def load_course_info(directory: Path) -> tuple[CourseInfo | None, list[Problem]]:
    path = directory / COURSE_FILE
    display = str(path)
    text, problem = read_text(path, display=display)
    if problem is not None:
        return None, [problem]
    assert text is not None
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else max(len(text.splitlines()), 1)  # end of document
        return None, [Problem(display, line, toml_problem(exc))]
    try:
        meta = CourseMeta.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else ""
            pattern = rf"^[ \t]*(?:{re.escape(key)}[ \t]*=|\[+[ \t]*{re.escape(key)}[ \t]*[\].])"
            found = re.search(pattern, text, re.MULTILINE) if key else None
            line = text.count("\n", 0, found.start()) + 1 if found else 1
            problems.append(Problem(display, line, field_problem(error, place=COURSE_FILE)))
        return None, problems
    fields = meta.model_dump(exclude={"workbook", "completion"})
    challenge = meta.workbook.challenge
    return CourseInfo(
        **fields,
        challenge=tuple(challenge.split(".", 1)) if challenge else None,  # type: ignore[arg-type]
        require_approved_plan=meta.completion.require_approved_plan,
    ), []


def load_course(directory: Path) -> LoadResult:
    """Load and validate every module in ``directory``; collect every problem."""
    if not directory.is_dir():
        return LoadResult(None, [Problem(str(directory), 0, "innholdsmappen finnes ikke")])
    info, problems = load_course_info(directory)
    pass_mark = info.pass_mark if info else 0.8

    sources: list[tuple[Path, str]] = []
    module_files = 0
    for path in sorted(directory.glob("*.md")):
        if not FILE_NAME_RE.match(path.name):
            if path.name.lower() != "readme.md":
                message = "ikke en modul: modulfiler må hete NN-slug.md (filen ignoreres)"
                problems.append(Problem(str(path), 1, message, Severity.WARNING))
            continue
        module_files += 1
        text, problem = read_text(path, display=str(path))
        if problem is not None:
            problems.append(problem)
        elif text is not None:
            sources.append((path, text))

    # Every module's slug, before compiling, so links between modules can be checked.
    link_targets: dict[str, str] = {}
    keys: list[tuple[Path, str, int]] = []  # slug and order of every readable front matter
    for path, text in sources:
        defaults = defaults_from_file_name(path.name, pass_mark=pass_mark)
        meta = split_front_matter(text, path=str(path)).meta
        slug = (meta.slug if meta else None) or defaults.slug
        if slug:
            link_targets[path.stem] = slug
            link_targets.setdefault(slug, slug)
        order = meta.order if meta and meta.order is not None else defaults.order
        if meta is not None and slug is not None and order is not None:
            keys.append((path, slug, order))

    compiled: list[Module] = []
    questions: list[tuple[str, tuple[Question, ...]]] = []
    steps: list[tuple[str, tuple[WorkbookStep, ...]]] = []
    for path, text in sources:
        result = compile_module(
            text,
            path=str(path),
            defaults=defaults_from_file_name(path.name, pass_mark=pass_mark),
            link_targets=link_targets,
        )
        hints = answer_hint_problems(result.questions, path=str(path))
        problems.extend(sorted(result.problems + hints, key=lambda p: p.line))
        questions.append((str(path), result.questions))
        steps.append((str(path), result.steps))
        if result.module is not None:
            compiled.append(result.module)

    # Also for modules with other errors, so that every problem is reported in one run.
    problems.extend(_cross_module_problems(keys))
    problems.extend(duplicate_id_problems(questions))
    problems.extend(duplicate_step_problems(steps))
    if info is not None and info.challenge is not None:
        problems.extend(_challenge_problems(directory, info.challenge, steps))
    if not module_files:  # unreadable module files are reported above
        problems.append(Problem(str(directory), 0, "fant ingen modulfiler (NN-slug.md)"))
    if info is None or any(p.severity is Severity.ERROR for p in problems):
        return LoadResult(None, problems)
    modules = sorted(compiled, key=lambda m: (m.order, m.slug))
    return LoadResult(Course(info, tuple(modules)), problems)


def _cross_module_problems(keys: list[tuple[Path, str, int]]) -> list[Problem]:
    problems: list[Problem] = []
    by_slug: dict[str, Path] = {}
    by_order: dict[int, Path] = {}
    for path, slug, order in keys:
        if slug in by_slug:
            other = by_slug[slug].name
            problems.append(Problem(str(path), 1, f"dobbel slug «{slug}» "
                                    f"(brukes også i {other})"))  # fmt: skip
        by_slug.setdefault(slug, path)
        if order in by_order:
            other = by_order[order].name
            problems.append(Problem(str(path), 1, f"dobbelt rekkefølgenummer {order} "
                                    f"(brukes også i {other})"))  # fmt: skip
        by_order.setdefault(order, path)
    return problems


def _challenge_problems(
    directory: Path, challenge: tuple[str, str], steps: list[tuple[str, tuple[WorkbookStep, ...]]]
) -> list[Problem]:
    """``[workbook] challenge`` must name a field of a step the course has."""
    step_id, field_id = challenge
    found = next((s for _, group in steps for s in group if s.id == step_id), None)
    if found is not None and any(f.id == field_id for f in found.fields):
        return []
    if found is None:
        message = f"[workbook] challenge: fant ingen oppgave «{step_id}» i modulene"
    else:
        message = f"[workbook] challenge: oppgaven «{step_id}» har ikke feltet «{field_id}»"
    path = directory / COURSE_FILE
    text, _ = read_text(path, display=str(path))
    at = re.search(r"^[ \t]*challenge[ \t]*=", text or "", re.MULTILINE)
    line = (text or "").count("\n", 0, at.start()) + 1 if at else 1
    return [Problem(str(path), line, message)]
