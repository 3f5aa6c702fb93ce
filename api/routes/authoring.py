"""Instructor authoring (roles instructor and admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from api.core.errors import (
    ContentInvalid,
    Forbidden,
    GiftImportInvalid,
    ModuleExists,
    ModuleNotFound,
    NotAuthenticated,
    RevisionNotFound,
    StaleRevision,
    UnprocessableError,
    responses,
)
from api.http import presenters
from api.http.auditing import audit_refusals
from api.http.deps import CourseInfoDep, RenderCacheDep, SessionDep, SlugPath, StaffUser
from api.http.routing import api_router
from api.http.schemas import (
    AuthoringModule,
    GiftImported,
    GiftImportRequest,
    ModuleCreate,
    ModuleOrder,
    ModuleSource,
    PreviewRequest,
    PreviewResult,
    RevisionDetail,
    RevisionSaved,
    RevisionSummary,
    SourceUpdate,
)
from api.services import audit, authoring, gift_exchange

router = api_router(tags=["authoring"])
GUARDED = (NotAuthenticated, Forbidden)
RevisionNumber = Annotated[int, Path(ge=1, le=1_000_000)]


@router.get("/modules", responses=responses(*GUARDED))
def list_modules(session: SessionDep, staff: StaffUser) -> list[AuthoringModule]:
    """All modules with their current revision, archived ones last."""
    return [presenters.authoring_module(m, r) for m, r in authoring.list_modules(session=session)]


@router.post(
    "/modules",
    status_code=201,
    responses=responses(*GUARDED, ModuleExists, ContentInvalid),
    dependencies=[audit_refusals(audit.Action.MODULE_CREATE, target="modules")],
)
def create_module(
    body: ModuleCreate, session: SessionDep, staff: StaffUser, info: CourseInfoDep
) -> RevisionSaved:
    """Create a module from Markdown; it joins the course at `position` (default: last)."""
    saved = authoring.create_module(
        session=session,
        slug=body.slug,
        markdown=body.markdown,
        position=body.position,
        author=staff,
        info=info,
    )
    return presenters.revision_saved(saved)


@router.put(
    "/course/modules",
    responses=responses(*GUARDED, UnprocessableError),
    dependencies=[audit_refusals(audit.Action.MODULE_REORDER)],
)
def reorder_modules(body: ModuleOrder, session: SessionDep, staff: StaffUser) -> list[str]:
    """Set the order of the course's modules (every live module exactly once)."""
    return authoring.reorder(session=session, slugs=body.slugs, actor=staff)


@router.delete(
    "/modules/{slug}",
    status_code=204,
    responses=responses(*GUARDED, ModuleNotFound),
    dependencies=[audit_refusals(audit.Action.MODULE_ARCHIVE)],
)
def archive_module(slug: SlugPath, session: SessionDep, staff: StaffUser) -> Response:
    """Archive a module: it leaves the course; learners' history stays."""
    authoring.archive_module(session=session, slug=slug, actor=staff)
    return Response(status_code=204)


@router.post(
    "/modules/{slug}/unarchive",
    responses=responses(*GUARDED, ModuleNotFound),
    dependencies=[audit_refusals(audit.Action.MODULE_UNARCHIVE)],
)
def unarchive_module(slug: SlugPath, session: SessionDep, staff: StaffUser) -> AuthoringModule:
    """Bring an archived module back into the course, last; 404 if it is not archived."""
    row = authoring.unarchive_module(session=session, slug=slug, actor=staff)
    return presenters.authoring_module(row, authoring.current_revision(session=session, row=row))


@router.get("/modules/{slug}/source", responses=responses(*GUARDED, ModuleNotFound))
def get_source(slug: SlugPath, session: SessionDep, staff: StaffUser) -> ModuleSource:
    """The module's current Markdown and revision number."""
    row = authoring.module_row(session=session, slug=slug, include_archived=True)
    current = authoring.current_revision(session=session, row=row)
    return ModuleSource(slug=row.slug, markdown=current.source, revision=current.number)


@router.put(
    "/modules/{slug}/source",
    responses=responses(*GUARDED, ModuleNotFound, StaleRevision, ContentInvalid),
    dependencies=[audit_refusals(audit.Action.MODULE_EDIT)],
)
def put_source(
    slug: SlugPath, body: SourceUpdate, session: SessionDep, staff: StaffUser, info: CourseInfoDep
) -> RevisionSaved:
    """Save an edit as a new revision (422 with lines if invalid, 409 if `base_revision` is old)."""
    saved = authoring.save_source(
        session=session,
        slug=slug,
        markdown=body.markdown,
        base_revision=body.base_revision,
        author=staff,
        summary=body.summary,
        info=info,
    )
    return presenters.revision_saved(saved)


@router.post(
    "/modules/{slug}/quiz/gift",
    responses=responses(*GUARDED, ModuleNotFound, GiftImportInvalid),
    dependencies=[audit_refusals(audit.Action.MODULE_GIFT_IMPORT)],
)
def import_gift(
    slug: SlugPath,
    body: GiftImportRequest,
    session: SessionDep,
    staff: StaffUser,
    info: CourseInfoDep,
    cache: RenderCacheDep,
) -> GiftImported:
    """Replace the module's quiz with GIFT questions (422 with lines; nothing saved on errors)."""
    result = gift_exchange.import_gift(
        session=session, info=info, cache=cache, slug=slug, text=body.gift, author=staff,
        dry_run=body.dry_run,
    )  # fmt: skip
    return GiftImported(slug=result.slug, questions=result.questions, dry_run=result.dry_run,
                        revision=result.revision, markdown=result.source)  # fmt: skip


@router.post("/preview", responses=responses(*GUARDED))
def preview(
    body: PreviewRequest, session: SessionDep, staff: StaffUser, info: CourseInfoDep
) -> PreviewResult:
    """Render Markdown without saving: HTML, the quiz with its answers, and every problem."""
    result = authoring.preview(session=session, markdown=body.markdown, info=info, slug=body.slug)
    return presenters.preview_result(result)


@router.get("/modules/{slug}/revisions", responses=responses(*GUARDED, ModuleNotFound))
def list_revisions(slug: SlugPath, session: SessionDep, staff: StaffUser) -> list[RevisionSummary]:
    """The module's revisions, newest first."""
    row = authoring.module_row(session=session, slug=slug, include_archived=True)
    return [
        presenters.revision_summary(r, name)
        for r, name in authoring.history(session=session, row=row)
    ]


@router.get(
    "/modules/{slug}/revisions/{number}",
    responses=responses(*GUARDED, ModuleNotFound, RevisionNotFound),
)
def get_revision(
    slug: SlugPath, number: RevisionNumber, session: SessionDep, staff: StaffUser
) -> RevisionDetail:
    """One revision with its Markdown."""
    row = authoring.module_row(session=session, slug=slug, include_archived=True)
    found = authoring.revision(session=session, row=row, number=number)
    author = next(
        (name for r, name in authoring.history(session=session, row=row) if r.number == number),
        None,
    )
    return RevisionDetail(
        **presenters.revision_summary(found, author).model_dump(), markdown=found.source
    )


@router.post(
    "/modules/{slug}/revisions/{number}/restore",
    responses=responses(*GUARDED, ModuleNotFound, RevisionNotFound, ContentInvalid),
    dependencies=[audit_refusals(audit.Action.MODULE_RESTORE)],
)
def restore_revision(
    slug: SlugPath,
    number: RevisionNumber,
    session: SessionDep,
    staff: StaffUser,
    info: CourseInfoDep,
) -> RevisionSaved:
    """Make an old revision's text the newest revision."""
    saved = authoring.restore(session=session, slug=slug, number=number, author=staff, info=info)
    return presenters.revision_saved(saved)
