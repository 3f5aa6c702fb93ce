"""GIFT (Moodle's question text format): the course's quizzes out, a module's quiz in.

The export reads each module's current revision, as the SCORM export does. An import
replaces the module's quiz blocks with the file's questions and saves a new revision
through the authoring save path, so validation, history and audit apply; with any
problem in the file or in the module it would make, nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from api.core.errors import GiftImportInvalid, ModuleNotFound
from api.data.models import User
from api.services import audit, authoring, content
from course.gift import export_gift, parse_gift, quiz_markdown, replace_quiz
from course.gift.model import GiftProblem, GiftQuestion
from course.models import CourseInfo, Severity

MEDIA_TYPE = "text/plain; charset=utf-8"
MAX_GIFT_CHARS = 1_000_000


@dataclass(frozen=True, slots=True)
class GiftFile:
    filename: str
    content: str
    questions: int


@dataclass(frozen=True, slots=True)
class GiftImport:
    """What an import did (or, in a dry run, would do)."""

    slug: str
    questions: int
    source: str  # the module's Markdown with the imported quiz
    revision: int | None  # the new revision; None in a dry run or when nothing changed
    dry_run: bool
    preview: tuple[GiftQuestion, ...] = ()  # the questions as the file has them


def gift_file(
    *, session: Session, info: CourseInfo, cache: content.RenderCache, module: str | None
) -> GiftFile:
    """The GIFT file of the course's quizzes, or of one module's; ``ModuleNotFound`` if none."""
    live = content.live_modules(session=session, info=info, cache=cache, slug=module)
    if module is not None and not live:
        raise ModuleNotFound(f"Modulen «{module}» finnes ikke i kurset.")
    text = export_gift([m.content for m in live])
    if not text:
        raise ModuleNotFound("Det finnes ingen quiz å eksportere.")
    name = f"{info.slug}-{module}.gift" if module else f"{info.slug}.gift"
    return GiftFile(name, text, sum(len(m.content.quiz.questions) for m in live if m.content.quiz))


def _invalid(problems: list[GiftProblem]) -> GiftImportInvalid:
    return GiftImportInvalid(
        [{"line": p.line, "message": p.message, "severity": "error"} for p in problems]
    )


def import_gift(
    *,
    session: Session,
    info: CourseInfo,
    cache: content.RenderCache,
    slug: str,
    text: str,
    author: User | None,
    dry_run: bool,
) -> GiftImport:
    """Replace the quiz of module ``slug`` by the questions of GIFT ``text`` (``author`` is
    ``None`` on the command line)."""
    row = authoring.module_row(session=session, slug=slug, lock=not dry_run)
    if len(text) > MAX_GIFT_CHARS:
        raise _invalid([GiftProblem(1, f"filen er for stor: høyst {MAX_GIFT_CHARS} tegn")])
    questions, problems = parse_gift(text)
    taken = {
        q.id
        for m in content.live_modules(session=session, info=info, cache=cache)
        if m.slug != slug and m.content.quiz
        for q in m.content.quiz.questions
    }
    quiz, id_problems = quiz_markdown(questions, taken=taken)
    problems = sorted(problems + id_problems, key=lambda p: p.line)
    if problems:
        raise _invalid(problems)
    current = authoring.current_revision(session=session, row=row)
    source = replace_quiz(current.source, quiz)
    result = authoring.validate(
        session=session, markdown=source, slug=slug, position=row.position, info=info
    )
    errors = [p for p in result.problems if p.severity is Severity.ERROR]
    if errors:  # lines of the module the import would make, not of the file
        raise _invalid(
            [
                GiftProblem(p.line, f"modulen får feil på linje {p.line}: {p.message}")
                for p in errors
            ]
        )
    if dry_run:
        return GiftImport(
            slug, len(questions), source, None, dry_run=True, preview=tuple(questions)
        )
    before = row.current_revision
    saved = authoring.save_source(
        session=session,
        slug=slug,
        markdown=source,
        base_revision=row.current_revision,
        author=author,
        summary=f"Quiz importert fra GIFT ({len(questions)} spørsmål)",
        info=info,
        action=audit.Action.MODULE_GIFT_IMPORT,
    )
    changed = saved.revision.number if saved.revision.number != before else None
    return GiftImport(
        slug, len(questions), source, changed, dry_run=False, preview=tuple(questions)
    )
