"""The instructor's GIFT page: the quizzes as GIFT for Moodle's question bank, and a GIFT file
as a module's quiz, previewed before it is saved (as ``innostudy export gift`` / ``import gift``
and the API do it)."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.core.errors import GiftImportInvalid, ModuleNotFound
from api.http import downloads
from api.http.auditing import audit_refusals, record_invalid, record_refusal
from api.http.deps import CourseInfoDep, LiveModules, RenderCacheDep, SessionDep, StaffUser
from api.services import audit, gift_exchange
from api.services.content import LiveModule
from api.services.contracts import GiftExport
from api.web.admin_common import text_param
from api.web.deps import FormDep, form_text, page_router
from api.web.render import render

router = page_router()
PAGE = "/instruktor/gift"


def _choices(modules: list[LiveModule]) -> list[tuple[str, str]]:
    return [(m.slug, f"{n}. {m.content.title}") for n, m in enumerate(modules, start=1)]


def _page(
    request: Request, modules: list[LiveModule], *, status_code: int = 200, **extra: Any
) -> Response:
    context: dict[str, Any] = {"modules": _choices(modules), "values": {}, "errors": {}, **extra}
    return render(request, "pages/instructor_gift.html", context, status_code=status_code)


@router.get(PAGE)
def gift_page(request: Request, staff: StaffUser, modules: LiveModules) -> Response:
    """Download links for the quizzes as GIFT, and the form that imports a GIFT file."""
    return _page(request, modules)


@router.get(f"{PAGE}/fil")
def gift_download(
    request: Request,
    session: SessionDep,
    staff: StaffUser,
    info: CourseInfoDep,
    cache: RenderCacheDep,
    modules: LiveModules,
) -> Response:
    """The GIFT file of the course or of the module in ``?modul=``."""
    try:
        export = GiftExport(module=text_param(request.query_params.get("modul"), 80) or None)
        gift = gift_exchange.gift_file(
            session=session, info=info, cache=cache, module=export.module
        )
    except (ValidationError, ModuleNotFound):
        message = "Velg hele kurset eller en av modulene i kurset."
        return _page(request, modules, status_code=404, download_error=message)
    return downloads.gift_download(gift)


@router.post(f"{PAGE}/import", dependencies=[audit_refusals(audit.Action.MODULE_GIFT_IMPORT)])
def gift_import(
    request: Request,
    form: FormDep,
    session: SessionDep,
    staff: StaffUser,
    info: CourseInfoDep,
    cache: RenderCacheDep,
    modules: LiveModules,
) -> Response:
    """Check the file and preview the quiz (dry run), or replace the module's quiz with it."""
    slug = form_text(form, "modul", limit=80)
    values = {"modul": slug}
    errors: dict[str, str] = {}
    if slug not in {m.slug for m in modules}:
        errors["modul"] = "Velg modulen som skal få quizen."
    upload = form.get("fil")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["fil"] = "Velg en GIFT-fil."
    if errors or not isinstance(upload, UploadFile):
        target = f"module:{slug or '-'}"
        record_invalid(session=session, actor=staff, action=audit.Action.MODULE_GIFT_IMPORT,
                       target=target)  # fmt: skip
        return _page(request, modules, status_code=422, values=values, errors=errors)
    try:
        text = upload.file.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        errors["fil"] = "Filen er ikke UTF-8-tekst. Lagre den som UTF-8 og prøv igjen."
        return _page(request, modules, status_code=422, values=values, errors=errors)
    dry_run = form_text(form, "handling", limit=20) != "importer"
    try:
        result = gift_exchange.import_gift(
            session=session, info=info, cache=cache, slug=slug, text=text, author=staff,
            dry_run=dry_run,
        )  # fmt: skip
    except GiftImportInvalid as exc:
        record_refusal(session=session, actor=staff, action=audit.Action.MODULE_GIFT_IMPORT,
                       target=f"module:{slug}", error=exc)  # fmt: skip
        return _page(request, modules, status_code=422, values=values, filename=upload.filename,
                     problems=exc.errors)  # fmt: skip
    return _page(request, modules, values=values, filename=upload.filename, result=result)
