"""Instructor pages: editor with live preview, revision history with restore.

The module list, new modules, archiving and the order are in ``instructor_modules``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from fastapi import Request, Response
from sqlmodel import Session

from api.core.errors import ContentInvalid, StaleRevision
from api.data.models import CourseModule
from api.http.auditing import audit_refusals, record_refusal
from api.http.deps import CourseInfoDep, SessionDep, StaffUser
from api.services import authoring
from api.services.audit import Action
from api.web.deps import FormDep, form_text, page_router
from api.web.diff import line_diff
from api.web.render import redirect, render
from course.models import CourseInfo, Severity

router = page_router()


@dataclass(frozen=True, slots=True)
class Draft:
    """What the editor shows in its fields."""

    markdown: str
    base_revision: int
    summary: str = ""


def _markdown(form: FormDep) -> str:
    # Browsers send a textarea's line breaks as CRLF; the course files use LF.
    return form_text(form, "markdown").replace("\r\n", "\n").replace("\r", "\n")


def _preview_context(
    session: Session, info: CourseInfo, slug: str | None, markdown: str
) -> dict[str, Any]:
    result = authoring.preview(session=session, markdown=markdown, info=info, slug=slug)
    problems = sorted(result.problems, key=lambda p: (p.line, p.severity != Severity.ERROR))
    return {
        "preview": result.module,
        "problems": problems,
        "has_errors": any(p.severity is Severity.ERROR for p in problems),
    }


def _editor(
    request: Request,
    session: Session,
    info: CourseInfo,
    row: CourseModule,
    draft: Draft,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    context = {
        "row": row,
        "title": authoring.current_revision(session=session, row=row).title,
        "markdown": draft.markdown,
        "base_revision": draft.base_revision,
        "summary": draft.summary,
        **_preview_context(session, info, row.slug, draft.markdown),
        **extra,
    }
    return render(request, "pages/editor.html", context, status_code=status_code)


@router.get("/instruktor/moduler/{slug}")
def editor_page(
    slug: str, request: Request, session: SessionDep, staff: StaffUser, info: CourseInfoDep
) -> Response:
    """The editor with the current Markdown and its preview."""
    row = authoring.module_row(session=session, slug=slug)
    current = authoring.current_revision(session=session, row=row)
    saved = request.query_params.get("lagret")
    return _editor(
        request,
        session,
        info,
        row,
        Draft(current.source, current.number),
        saved=int(saved) if saved and saved.isdigit() else None,
        created=request.query_params.get("opprettet") == "1",
    )


@router.post("/instruktor/moduler/{slug}", dependencies=[audit_refusals(Action.MODULE_EDIT)])
def save_module(
    slug: str,
    request: Request,
    form: FormDep,
    session: SessionDep,
    staff: StaffUser,
    info: CourseInfoDep,
) -> Response:
    """Save the edit as a new revision, or show its errors at their lines (422) or a conflict."""
    row = authoring.module_row(session=session, slug=slug)
    target = f"module:{row.slug}"
    base = form_text(form, "base_revision", limit=12)
    draft = Draft(
        markdown=_markdown(form),
        base_revision=int(base) if base.isdigit() else 0,
        summary=form_text(form, "oppsummering", limit=500).strip(),
    )
    if form_text(form, "handling", limit=20) == "forhandsvis":
        return _editor(request, session, info, row, draft)
    try:
        saved = authoring.save_source(
            session=session,
            slug=slug,
            markdown=draft.markdown,
            base_revision=draft.base_revision,
            author=staff,
            summary=draft.summary or None,
            info=info,
        )
    except ContentInvalid as exc:
        record_refusal(
            session=session, actor=staff, action=Action.MODULE_EDIT, target=target, error=exc
        )
        return _editor(request, session, info, row, draft, status_code=422, save_failed=True)
    except StaleRevision as exc:
        record_refusal(
            session=session, actor=staff, action=Action.MODULE_EDIT, target=target, error=exc
        )
        current = authoring.current_revision(session=session, row=row)
        conflict = {"revision": current.number, "diff": line_diff(current.source, draft.markdown)}
        # Saving again now deliberately replaces the newer revision with this text.
        draft = replace(draft, base_revision=current.number)
        return _editor(request, session, info, row, draft, status_code=409, conflict=conflict)
    return redirect(request, f"/instruktor/moduler/{slug}?lagret={saved.revision.number}#status")


@router.post("/instruktor/forhandsvis")
def preview_fragment(
    request: Request, form: FormDep, session: SessionDep, staff: StaffUser, info: CourseInfoDep
) -> Response:
    """The live preview: the problems and the rendered module as an HTML fragment."""
    slug = form_text(form, "slug", limit=80) or None
    context = _preview_context(session, info, slug, _markdown(form))
    return render(request, "pages/_preview.html", context)


@router.get("/instruktor/moduler/{slug}/historikk")
def history_page(slug: str, request: Request, session: SessionDep, staff: StaffUser) -> Response:
    """Every revision, newest first, each with its changes from the one before."""
    return _history(request, session, slug)


def _history(
    request: Request,
    session: Session,
    slug: str,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    row = authoring.module_row(session=session, slug=slug)
    revisions = authoring.history(session=session, row=row)
    entries = []
    for index, (revision, author) in enumerate(revisions):
        older = revisions[index + 1][0] if index + 1 < len(revisions) else None
        diff = line_diff(older.source, revision.source) if older is not None else []
        entries.append({"revision": revision, "author": author, "diff": diff, "older": older})
    restored = request.query_params.get("gjenopprettet")
    context = {
        "row": row,
        "entries": entries,
        "restored": int(restored) if restored and restored.isdigit() else None,
        **extra,
    }
    return render(request, "pages/history.html", context, status_code=status_code)


@router.post("/instruktor/moduler/{slug}/historikk/{number:id}/gjenopprett")
def restore_revision(
    slug: str,
    number: int,
    request: Request,
    session: SessionDep,
    staff: StaffUser,
    info: CourseInfoDep,
) -> Response:
    """Make an old revision's text the newest revision."""
    try:
        authoring.restore(session=session, slug=slug, number=number, author=staff, info=info)
    except ContentInvalid as exc:
        session.rollback()
        failure = {"number": number, "problems": exc.errors}
        return _history(request, session, slug, status_code=422, restore_failure=failure)
    return redirect(request, f"/instruktor/moduler/{slug}/historikk?gjenopprettet={number}#status")
