from __future__ import annotations

from typing import Any

from fastapi import Response

from api.core.errors import (
    CertificateCodeMistyped,
    CertificateNotFound,
    CertificateNotRevoked,
    CertificateRevoked,
    CourseNotCompleted,
    Forbidden,
    NotAuthenticated,
    UnprocessableError,
    UserErased,
    responses,
)
from api.http import presenters
from api.http import presenters_admin as present_admin
from api.http.auditing import audit_refusals
from api.http.deps import (
    AdminUser,
    CourseInfoDep,
    CurrentUser,
    LiveModules,
    SessionDep,
    SettingsDep,
)
from api.http.routing import api_router
from api.http.schemas import CertificateIssued, CertificateReissued, RevokeRequest, Verification
from api.http.schemas_admin import JobPublic
from api.services import audit, certificate_pdfs, job_tasks, jobs
from api.services import certificates as service

router = api_router(tags=["certificates"])
_PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The certificate as PDF"}
}


@router.post(
    "/certificate",
    status_code=201,
    responses={
        200: {"model": CertificateIssued, "description": "Already issued"},
        **responses(NotAuthenticated, CourseNotCompleted, CertificateRevoked),
    },
)
def issue_certificate(
    response: Response,
    session: SessionDep,
    user: CurrentUser,
    info: CourseInfoDep,
    settings: SettingsDep,
) -> CertificateIssued:
    """Issue the learner's certificate once the course is completed (201; 200 if it exists)."""
    issued = service.issue(session=session, user=user, info=info)
    if not issued.created:
        response.status_code = 200
    return presenters.certificate_issued(issued.certificate, settings)


@router.get(
    "/certificate.pdf",
    response_class=Response,
    responses={**_PDF, **responses(NotAuthenticated, CertificateNotFound, CertificateRevoked)},
)
def certificate_pdf(
    session: SessionDep,
    user: CurrentUser,
    info: CourseInfoDep,
    settings: SettingsDep,
    modules: LiveModules,
) -> Response:
    """The learner's certificate as a PDF (issue it with POST /certificate; 409 if revoked)."""
    pdf = certificate_pdfs.certificate_pdf(
        session=session, user=user, info=info, settings=settings, modules=modules
    )
    return Response(
        pdf.content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{pdf.filename}"'},
    )


@router.get(
    "/certificates/{code}", responses=responses(CertificateNotFound, CertificateCodeMistyped)
)
def verify_certificate(code: str, session: SessionDep) -> Verification:
    """Verify a certificate by its code (public; 422 `code_mistyped` for a typing error)."""
    return presenters.verification(service.by_code(session=session, code=code))


@router.post(
    "/certificates/{code}/revoke",
    responses=responses(
        NotAuthenticated,
        Forbidden,
        CertificateNotFound,
        CertificateCodeMistyped,
        UnprocessableError,
    ),
    dependencies=[audit_refusals(audit.Action.CERTIFICATE_REVOKE)],
)
def revoke_certificate(
    code: str, body: RevokeRequest, session: SessionDep, admin: AdminUser
) -> Verification:
    """Revoke a certificate with a reason (administrators only); it then verifies as revoked."""
    revoked = service.revoke(
        session=session,
        code=code,
        reason=body.reason,
        admin=admin,
        holder_message=body.message_to_holder,
    )
    return presenters.verification(revoked.certificate)


@router.post(
    "/certificates/{code}/reissue",
    status_code=201,
    responses={
        200: {"model": CertificateReissued, "description": "A new one was issued already"},
        **responses(
            NotAuthenticated,
            Forbidden,
            CertificateNotFound,
            CertificateCodeMistyped,
            CertificateNotRevoked,
            CourseNotCompleted,
            UserErased,
        ),
    },
    dependencies=[audit_refusals(audit.Action.CERTIFICATE_REISSUE)],
)
def reissue_certificate(
    code: str,
    response: Response,
    session: SessionDep,
    admin: AdminUser,
    info: CourseInfoDep,
    settings: SettingsDep,
) -> CertificateReissued:
    """Issue a new certificate (new code) to a revoked one's holder; the old stays revoked."""
    reissued = service.reissue(session=session, code=code, admin=admin, info=info)
    if not reissued.created:
        response.status_code = 200
    return presenters.certificate_reissued(reissued.certificate, reissued.replaces, settings)


@router.post(
    "/certificate-bundles",
    status_code=202,
    responses=responses(NotAuthenticated, Forbidden),
    dependencies=[audit_refusals(audit.Action.CERTIFICATES_RENDER_ALL)],
)
def request_certificate_bundle(
    response: Response, session: SessionDep, admin: AdminUser
) -> JobPublic:
    """Issue every missing certificate and render all of them, in the background, into one
    ZIP of PDFs. Answers at once with the job; the ZIP downloads from `file.url`."""
    job = job_tasks.request_certificate_bundle(session=session, admin=admin)
    view = present_admin.job(jobs.JobView(job, None))
    response.headers["Location"] = view.status_url
    return view
