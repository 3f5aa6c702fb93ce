"""Instructor authoring: validated edits as numbered revisions, archive, reorder, preview.

Progress belongs to the module, not the revision, so an edit never changes what
learners have completed; attempts keep the revision they were graded against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.core.errors import (
    ContentInvalid,
    ModuleExists,
    ModuleNotFound,
    RevisionNotFound,
    StaleRevision,
    UnprocessableError,
)
from api.data.models import CourseModule, ModuleRevision, User, utcnow
from api.services import audit
from api.services.content import current_sources, sha256
from course.compile import CompileResult, ModuleDefaults, compile_module
from course.models import CourseInfo, Problem, Severity
from course.quiz_rules import answer_hint_problems
from course.workbook_syntax import step_ids_taken, written_step_ids


@dataclass(frozen=True, slots=True)
class Saved:
    module: CourseModule
    revision: ModuleRevision
    warnings: list[Problem]


def module_row(
    *, session: Session, slug: str, include_archived: bool = False, lock: bool = False
) -> CourseModule:
    query = select(CourseModule).where(CourseModule.slug == slug)
    if not include_archived:
        query = query.where(col(CourseModule.archived_at).is_(None))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = session.exec(query).first()
    if found is None:
        raise ModuleNotFound()
    return found


def list_modules(*, session: Session) -> list[tuple[CourseModule, ModuleRevision]]:
    """Every module, archived ones last, with its current revision."""
    rows = session.exec(
        select(CourseModule, ModuleRevision)
        .join(ModuleRevision, col(ModuleRevision.module_id) == col(CourseModule.id))
        .where(ModuleRevision.number == CourseModule.current_revision)
        .order_by(col(CourseModule.archived_at).is_not(None), col(CourseModule.position))
    ).all()
    return [(m, r) for m, r in rows]


def _link_targets(session: Session) -> dict[str, str]:
    targets: dict[str, str] = {}
    for slug, position in session.exec(
        select(CourseModule.slug, CourseModule.position).where(
            col(CourseModule.archived_at).is_(None)
        )
    ):
        targets[f"{position:02d}-{slug}"] = slug
        targets[slug] = slug
    return targets


def _other_step_ids(session: Session, slug: str) -> dict[str, str]:
    """Step id to module file name, for the workbook steps of every other live module."""
    taken: dict[str, str] = {}
    for name, source in current_sources(session=session):
        if name.split("-", 1)[-1] != f"{slug}.md":
            taken.update(dict.fromkeys(written_step_ids(source), name))
    return taken


def validate(
    *,
    session: Session,
    markdown: str,
    slug: str,
    position: int,
    info: CourseInfo,
    check_slug: bool = True,
) -> CompileResult:
    """The same checks as ``innostudy validate``, for one module against the live course.

    Not yet checked here: that question ids are unique across the course (step ids are).
    """
    targets = _link_targets(session)
    targets.setdefault(slug, slug)
    result = compile_module(
        markdown,
        path=slug,
        defaults=ModuleDefaults(slug, position, info.pass_mark),
        link_targets=targets,
    )
    hints = answer_hint_problems(result.questions, path=slug)
    if result.steps:
        hints += step_ids_taken(result.steps, _other_step_ids(session, slug), path=slug)
    if hints:
        result.problems = sorted(result.problems + hints, key=lambda p: p.line)
        result.module = None
    if check_slug and result.module is not None and result.module.slug != slug:
        message = f"slug «{result.module.slug}» i front matter stemmer ikke med modulen «{slug}»"
        result.problems.append(Problem(slug, 1, message))
        result.module = None
    return result


def problems_json(problems: Sequence[Problem]) -> list[dict[str, object]]:
    return [{"line": p.line, "message": p.message, "severity": str(p.severity)} for p in problems]


def _checked(result: CompileResult) -> list[Problem]:
    if result.errors:
        raise ContentInvalid(problems_json(result.problems))
    return [p for p in result.problems if p.severity is Severity.WARNING]


def _add_revision(
    *,
    session: Session,
    row: CourseModule,
    markdown: str,
    title: str,
    author: User | None,
    summary: str,
) -> ModuleRevision:
    assert row.id is not None
    row.current_revision += 1
    revision = ModuleRevision(
        module_id=row.id,
        number=row.current_revision,
        source=markdown,
        source_sha256=sha256(markdown),
        title=title,
        summary=summary[:500],
        author_id=author.id if author else None,
        created_at=utcnow(),
    )
    session.add(revision)
    session.flush()
    return revision


def save_source(
    *,
    session: Session,
    slug: str,
    markdown: str,
    base_revision: int,
    author: User | None,
    summary: str | None,
    info: CourseInfo,
    action: str = audit.Action.MODULE_EDIT,
) -> Saved:
    """Save an edit as a new revision; 409 if someone saved since ``base_revision``."""
    row = module_row(session=session, slug=slug, lock=True)
    if base_revision != row.current_revision:
        raise StaleRevision(
            f"Modulen er endret (revisjon {row.current_revision}) siden du åpnet revisjon "
            f"{base_revision}. Last inn på nytt og gjør endringen igjen."
        )
    result = validate(
        session=session, markdown=markdown, slug=slug, position=row.position, info=info
    )
    warnings = _checked(result)
    assert result.module is not None
    current = current_revision(session=session, row=row)
    if current.source == markdown:
        return Saved(row, current, warnings)
    revision = _add_revision(
        session=session,
        row=row,
        markdown=markdown,
        title=result.module.title,
        author=author,
        summary=summary or "Redigert",
    )
    audit.record(
        session=session,
        actor=author,
        action=action,
        target=f"module:{slug}",
        details={"revision": revision.number},
    )
    return Saved(row, revision, warnings)


def _next_position(session: Session) -> int:
    """The position after the course's last live module."""
    highest = session.exec(
        select(func.max(CourseModule.position)).where(col(CourseModule.archived_at).is_(None))
    ).one()
    return (highest or 0) + 1


def create_module(
    *,
    session: Session,
    slug: str,
    markdown: str,
    position: int | None,
    author: User,
    info: CourseInfo,
) -> Saved:
    if session.exec(select(CourseModule.id).where(CourseModule.slug == slug)).first():
        raise ModuleExists()
    if position is None:
        position = _next_position(session)
    result = validate(session=session, markdown=markdown, slug=slug, position=position, info=info)
    warnings = _checked(result)
    assert result.module is not None
    row = CourseModule(slug=slug, position=position, created_at=utcnow())
    session.add(row)
    session.flush()
    revision = _add_revision(
        session=session,
        row=row,
        markdown=markdown,
        title=result.module.title,
        author=author,
        summary="Opprettet",
    )
    audit.record(
        session=session,
        actor=author,
        action=audit.Action.MODULE_CREATE,
        target=f"module:{slug}",
        details={"position": position},
    )
    return Saved(row, revision, warnings)


def archive_module(*, session: Session, slug: str, actor: User) -> CourseModule:
    """Take the module out of the course; learners' progress and attempts stay."""
    row = module_row(session=session, slug=slug, lock=True)
    row.archived_at = utcnow()
    audit.record(
        session=session, actor=actor, action=audit.Action.MODULE_ARCHIVE, target=f"module:{slug}"
    )
    session.flush()
    return row


def unarchive_module(*, session: Session, slug: str, actor: User) -> CourseModule:
    """Bring an archived module back into the course, last; learners' history counts again.

    Raises ``ModuleNotFound`` when no archived module has ``slug`` (as archiving
    an archived module does). The current revision is not validated again: it
    compiled when saved, and the editor shows any link it has lost since.
    """
    row = module_row(session=session, slug=slug, include_archived=True, lock=True)
    if row.archived_at is None:
        raise ModuleNotFound()
    row.position = _next_position(session)
    row.archived_at = None
    audit.record(
        session=session,
        actor=actor,
        action=audit.Action.MODULE_UNARCHIVE,
        target=f"module:{slug}",
        details={"position": row.position},
    )
    session.flush()
    return row


def reorder(*, session: Session, slugs: list[str], actor: User) -> list[str]:
    """Set the order of the live modules; ``slugs`` must name each exactly once."""
    rows = {
        r.slug: r
        for r in session.exec(
            select(CourseModule).where(col(CourseModule.archived_at).is_(None)).with_for_update()
        )
    }
    if sorted(slugs) != sorted(rows) or len(set(slugs)) != len(slugs):
        missing = sorted(set(rows) - set(slugs))
        unknown = sorted(set(slugs) - set(rows))
        raise UnprocessableError(
            [
                {
                    "loc": ["body", "slugs"],
                    "type": "value_error",
                    "msg": "list every module in the course exactly once"
                    + (f"; missing: {', '.join(missing)}" if missing else "")
                    + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
                }
            ]
        )
    for position, slug in enumerate(slugs, start=1):
        rows[slug].position = position
    audit.record(
        session=session,
        actor=actor,
        action=audit.Action.MODULE_REORDER,
        target="course",
        details={"order": slugs},
    )
    session.flush()
    return slugs


def current_revision(*, session: Session, row: CourseModule) -> ModuleRevision:
    return revision(session=session, row=row, number=row.current_revision)


def revision(*, session: Session, row: CourseModule, number: int) -> ModuleRevision:
    found = session.exec(
        select(ModuleRevision).where(
            ModuleRevision.module_id == row.id, ModuleRevision.number == number
        )
    ).first()
    if found is None:
        raise RevisionNotFound()
    return found


def history(*, session: Session, row: CourseModule) -> list[tuple[ModuleRevision, str | None]]:
    """Revisions newest first, with the author's name."""
    rows = session.exec(
        select(ModuleRevision, User.full_name)
        .join(User, col(User.id) == col(ModuleRevision.author_id), isouter=True)
        .where(ModuleRevision.module_id == row.id)
        .order_by(col(ModuleRevision.number).desc())
    ).all()
    return [(r, name) for r, name in rows]


def restore(*, session: Session, slug: str, number: int, author: User, info: CourseInfo) -> Saved:
    """Make an old revision's text the newest revision (validated against today's course)."""
    row = module_row(session=session, slug=slug, lock=True)
    old = revision(session=session, row=row, number=number)
    return save_source(
        session=session,
        slug=slug,
        markdown=old.source,
        base_revision=row.current_revision,
        author=author,
        summary=f"Gjenopprettet revisjon {number}",
        info=info,
        action=audit.Action.MODULE_RESTORE,
    )


def preview(
    *, session: Session, markdown: str, info: CourseInfo, slug: str | None
) -> CompileResult:
    """Validate and render without saving; ``slug`` names the module being edited, if any."""
    position = 1
    if slug is not None:
        found = session.exec(select(CourseModule.position).where(CourseModule.slug == slug)).first()
        position = found if found is not None else position
    return validate(
        session=session,
        markdown=markdown,
        slug=slug or "forhandsvisning",
        position=position,
        info=info,
        check_slug=slug is not None,
    )
