"""Administration pages for certificates: revoke one, issue a new one after a revocation, and
start the background job that renders all of them into one ZIP.

Same services as the API (``api.services.certificates``), which audit what they do;
refusals shown at a form field are audited here, as ``audit_refusals`` would.
"""

from __future__ import annotations

from fastapi import Request, Response
from pydantic import ValidationError

from api.core.errors import DomainError
from api.data.models import Certificate
from api.http.auditing import audit_refusals, record_invalid, record_refusal
from api.http.deps import AdminUser, CourseInfoDep, SessionDep
from api.http.schemas import RevokeRequest
from api.services import certificates as certificate_service
from api.services import job_tasks
from api.services.audit import Action
from api.web.admin_common import job_page, render_admin
from api.web.deps import FormDep, form_text, page_router
from api.web.render import redirect
from certificates.codes import EXAMPLE_CODE
from course.models import CourseInfo

router = page_router()
_PAGE = "pages/admin_certificates.html"
_NO_CODE = "Skriv koden som står på kursbeviset."


def _lookup(session: SessionDep, code: str | None) -> Certificate | None:
    if not code:
        return None
    try:
        return certificate_service.by_code(session=session, code=code[:40])
    except DomainError:
        return None


def _page(
    request: Request,
    session: SessionDep,
    info: CourseInfo,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    params = request.query_params
    shown = not errors  # after a refused form, its errors are the news
    revoked = _lookup(session, params.get("trukket")) if shown else None
    reissued = _lookup(session, params.get("nytt")) if shown else None
    context = {
        "values": values or {},
        "errors": errors or {},
        "revoked": revoked,
        "already": params.get("allerede") == "1",
        "reissued": reissued,
        "replaced": _lookup(session, params.get("erstatter")) if reissued else None,
        "again": params.get("fantes") == "1",
        "example_code": EXAMPLE_CODE,
    }
    return render_admin(request, _PAGE, context, status_code=status_code)


@router.get("/admin/kursbevis")
def certificates_page(
    request: Request, session: SessionDep, admin: AdminUser, info: CourseInfoDep
) -> Response:
    """Forms for revoking a certificate by its code, and for issuing a new one after that."""
    return _page(request, session, info)


def _refused(
    request: Request,
    session: SessionDep,
    info: CourseInfo,
    *,
    admin: AdminUser,
    action: Action,
    field: str,
    values: dict[str, str],
    error: DomainError,
) -> Response:
    target = f"certificate:{values.get(field, '')}"
    record_refusal(session=session, actor=admin, action=action, target=target, error=error)
    return _page(
        request,
        session,
        info,
        values=values,
        errors={field: error.detail},
        status_code=error.status_code,
    )


@router.post(
    "/admin/kursbevis",
    dependencies=[audit_refusals(Action.CERTIFICATE_REVOKE, target="certificates")],
)
def revoke_certificate(
    request: Request,
    form: FormDep,
    session: SessionDep,
    admin: AdminUser,
    info: CourseInfoDep,
) -> Response:
    """Revoke the certificate with a reason and an optional message to its holder."""
    values = {
        "kode": form_text(form, "kode", limit=40).strip(),
        "begrunnelse": form_text(form, "begrunnelse", limit=2000).strip(),
        "melding": form_text(form, "melding", limit=2000).strip(),
    }
    errors: dict[str, str] = {}
    if not values["kode"]:
        errors["kode"] = _NO_CODE
    body = None
    try:
        body = RevokeRequest(reason=values["begrunnelse"], message_to_holder=values["melding"])
    except ValidationError as exc:
        fields = {str(error["loc"][0]) for error in exc.errors()}
        if "reason" in fields:
            errors["begrunnelse"] = "Skriv en begrunnelse på 3 til 500 tegn."
        if "message_to_holder" in fields:
            errors["melding"] = "Meldingen til innehaveren kan ha høyst 500 tegn."
    if errors or body is None:
        target = f"certificate:{values['kode']}" if values["kode"] else "certificates"
        action = Action.CERTIFICATE_REVOKE
        record_invalid(session=session, actor=admin, action=action, target=target)
        return _page(request, session, info, values=values, errors=errors, status_code=422)
    try:
        revoked = certificate_service.revoke(
            session=session,
            code=values["kode"],
            reason=body.reason,
            admin=admin,
            holder_message=body.message_to_holder,
        )
    except DomainError as exc:
        return _refused(
            request,
            session,
            info,
            admin=admin,
            action=Action.CERTIFICATE_REVOKE,
            field="kode",
            values=values,
            error=exc,
        )
    already = "" if revoked.changed else "&allerede=1"
    return redirect(request, f"/admin/kursbevis?trukket={revoked.certificate.code}{already}#status")


@router.post(
    "/admin/kursbevis/nytt",
    dependencies=[audit_refusals(Action.CERTIFICATE_REISSUE, target="certificates")],
)
def reissue_certificate(
    request: Request,
    form: FormDep,
    session: SessionDep,
    admin: AdminUser,
    info: CourseInfoDep,
) -> Response:
    """Issue a new certificate to the holder of a revoked one; the old one stays revoked."""
    values = {"ny-kode": form_text(form, "kode", limit=40).strip()}
    if not values["ny-kode"]:
        errors = {"ny-kode": _NO_CODE}
        action = Action.CERTIFICATE_REISSUE
        record_invalid(session=session, actor=admin, action=action, target="certificates")
        return _page(request, session, info, values=values, errors=errors, status_code=422)
    try:
        reissued = certificate_service.reissue(
            session=session, code=values["ny-kode"], admin=admin, info=info
        )
    except DomainError as exc:
        return _refused(
            request,
            session,
            info,
            admin=admin,
            action=Action.CERTIFICATE_REISSUE,
            field="ny-kode",
            values=values,
            error=exc,
        )
    query = f"nytt={reissued.certificate.code}&erstatter={reissued.replaces.code}"
    again = "" if reissued.created else "&fantes=1"
    return redirect(request, f"/admin/kursbevis?{query}{again}#status")


@router.post(
    "/admin/kursbevis/alle",
    dependencies=[audit_refusals(Action.CERTIFICATES_RENDER_ALL, target="certificates")],
)
def start_certificate_bundle(request: Request, session: SessionDep, admin: AdminUser) -> Response:
    """Issue the missing certificates and render all of them into one ZIP, in the background."""
    job = job_tasks.request_certificate_bundle(session=session, admin=admin)
    return redirect(request, job_page(job.id, "startet"))
