"""Course content in the database: import from a directory, current revisions, render cache."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from sqlmodel import Session, col, select

from api.core.db import one_at_a_time
from api.core.errors import ModuleNotFound
from api.data.models import CourseModule, ModuleRevision, utcnow
from api.data.sql import LIVE_MODULES_SQL, MODULE_SQL, Statements
from course.compile import ModuleDefaults, compile_module
from course.loader import load_course
from course.models import Course, CourseInfo, Module

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LiveModule:
    """A module as the course shows it now: database row plus its rendered current revision."""

    id: int
    revision: int
    content: Module

    @property
    def slug(self) -> str:
        return self.content.slug


class CourseNotLoadable(RuntimeError):
    """The course directory does not validate: the server cannot start on it."""


def course_info(directory: Path) -> CourseInfo:
    """The course's front matter from ``directory``; ``CourseNotLoadable`` listing every problem."""
    result = load_course(directory)
    if result.course is None:
        raise CourseNotLoadable("\n".join(str(p) for p in result.errors))
    return result.course.info


class RevisionCache(Generic[T]):
    """Values derived from a module revision, keyed by (module id, revision number).

    A revision never changes once written, so an entry can never be stale; a
    process that has not seen a new revision simply misses and renders it.
    """

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[tuple[int, int], T] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key: tuple[int, int]) -> T | None:
        with self._lock:
            module = self._items.get(key)
            if module is not None:
                self._items.move_to_end(key)
            return module

    def put(self, key: tuple[int, int], value: T) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


RenderCache = RevisionCache[Module]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def render_revision(*, source: str, slug: str, position: int, info: CourseInfo) -> Module:
    result = compile_module(
        source, path=slug, defaults=ModuleDefaults(slug, position, info.pass_mark)
    )
    if result.module is None:
        # Stored revisions were validated when saved; reaching this is a bug, not bad input.
        raise RuntimeError(f"stored revision of {slug} does not compile: {result.errors}")
    return dataclasses.replace(result.module, slug=slug, order=position)


def live_modules(
    *, session: Session, info: CourseInfo, cache: RenderCache, slug: str | None = None
) -> list[LiveModule]:
    """The course's current modules in order (or the one with ``slug``), rendered.

    One query for the module rows, plus one for the sources of revisions this
    process has not rendered yet.
    """
    query = select(
        CourseModule.id, CourseModule.slug, CourseModule.position, CourseModule.current_revision
    ).where(col(CourseModule.archived_at).is_(None))
    if slug is not None:
        query = query.where(CourseModule.slug == slug)
    rows = session.exec(query.order_by(col(CourseModule.position), col(CourseModule.slug))).all()

    rendered: dict[tuple[int, int], Module] = {}
    missing: list[tuple[int, int]] = []
    for module_id, _, _, revision in rows:
        key = (module_id or 0, revision)
        found = cache.get(key)
        if found is None:
            missing.append(key)
        else:
            rendered[key] = found
    if missing:
        sources = {
            (r.module_id, r.number): r.source
            for r in session.exec(
                select(ModuleRevision).where(
                    col(ModuleRevision.module_id).in_([key[0] for key in missing]),
                    col(ModuleRevision.number).in_([key[1] for key in missing]),
                )
            )
        }
        by_id = {module_id: (slug_, position) for module_id, slug_, position, _ in rows}
        for key in missing:
            slug_, position = by_id[key[0]]
            module = render_revision(source=sources[key], slug=slug_, position=position, info=info)
            cache.put(key, module)
            rendered[key] = module
    return [
        LiveModule(
            id=module_id or 0, revision=revision, content=rendered[(module_id or 0, revision)]
        )
        for module_id, _, _, revision in rows
    ]


def pick(modules: list[LiveModule], slug: str) -> LiveModule:
    """The module with ``slug`` among ``modules``, or ``ModuleNotFound``."""
    found = next((m for m in modules if m.slug == slug), None)
    if found is None:
        raise ModuleNotFound()
    return found


def live_module(*, session: Session, info: CourseInfo, cache: RenderCache, slug: str) -> LiveModule:
    found = live_modules(session=session, info=info, cache=cache, slug=slug)
    if not found:
        raise ModuleNotFound()
    return found[0]


def sync_content(*, session: Session, course: Course) -> list[str]:
    """Import a loaded content directory; returns the slugs that got a new revision.

    A file counts as changed when it differs from what was last imported from a
    file, so edits made through the API survive a restart with unchanged files.
    Likewise a module moves to its file's position only when that position
    differs from the one last imported, so a reorder made by an instructor stays.
    """
    one_at_a_time(session.connection(), "innostudy content import")  # serve on many machines
    changed = []
    now = utcnow()
    existing = {m.slug: m for m in session.exec(select(CourseModule)).all()}
    for module in course.modules:
        digest = sha256(module.source)
        row = existing.get(module.slug)
        if row is None:
            row = CourseModule(slug=module.slug, position=module.order, created_at=now)
            session.add(row)
            session.flush()
        elif row.imported_position is not None and row.imported_position != module.order:
            row.position = module.order
        row.imported_position = module.order
        if row.imported_sha256 == digest:
            continue
        assert row.id is not None
        row.current_revision += 1
        row.imported_sha256 = digest
        session.add(
            ModuleRevision(
                module_id=row.id,
                number=row.current_revision,
                source=module.source,
                source_sha256=digest,
                title=module.title,
                summary="Importert fra fil",
                created_at=now,
            )
        )
        changed.append(module.slug)
    session.flush()
    return changed


def current_sources(*, session: Session) -> list[tuple[str, str]]:
    """(file name, Markdown) of every live module's current revision, in course order."""
    rows = session.exec(
        select(CourseModule.slug, CourseModule.position, ModuleRevision.source)
        .join(ModuleRevision, col(ModuleRevision.module_id) == col(CourseModule.id))
        .where(
            ModuleRevision.number == CourseModule.current_revision,
            col(CourseModule.archived_at).is_(None),
        )
        .order_by(col(CourseModule.position))
    ).all()
    return [(f"{position:02d}-{slug}.md", source) for slug, position, source in rows]


def revision_content(
    *, session: Session, module: LiveModule, number: int, info: CourseInfo, cache: RenderCache
) -> Module:
    """The rendered content of revision ``number`` of a live module (e.g. for an old attempt)."""
    if number == module.revision:
        return module.content
    key = (module.id, number)
    found = cache.get(key)
    if found is None:
        source = session.exec(
            select(ModuleRevision.source).where(
                ModuleRevision.module_id == module.id, ModuleRevision.number == number
            )
        ).first()
        if source is None:
            raise ModuleNotFound()
        found = render_revision(
            source=source, slug=module.slug, position=module.content.order, info=info
        )
        cache.put(key, found)
    return found


class NotRendered(Exception):
    """A module revision is not in the render cache yet; rendering takes tens of milliseconds."""


def _cached(cache: RenderCache, module_id: int, revision: int) -> LiveModule:
    content = cache.get((module_id, revision))
    if content is None:
        raise NotRendered()
    return LiveModule(id=module_id, revision=revision, content=content)


def cached_module(db: Statements, cache: RenderCache, slug: str) -> LiveModule | None:
    """The live module ``slug`` as ``content.live_module`` gives it, or None if there is none.

    One indexed query; ``NotRendered`` if its current revision is not in ``cache``.
    """
    row = db.one(MODULE_SQL, {"slug": slug})
    return _cached(cache, int(row[0]), int(row[1])) if row else None


def cached_live_modules(db: Statements, cache: RenderCache) -> list[LiveModule]:
    """The course's current modules in order, as ``content.live_modules`` gives them.

    One query; ``NotRendered`` if a current revision is not in ``cache``.
    """
    return [_cached(cache, int(i), int(revision)) for i, revision in db.all(LIVE_MODULES_SQL, {})]
