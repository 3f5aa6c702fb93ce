from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.core.errors import (
    CertificateNotFound,
    CourseNotCompleted,
    Forbidden,
    NotAuthenticated,
    UnprocessableError,
    responses,
)
from api.http import presenters
from api.http.auditing import audit_refusals
from api.http.deps import (
    AdminUser,
    CourseInfoDep,
    CurrentUser,
    LiveModules,
    SessionDep,
    SettingsDep,
)
from api.http.schemas import CertificateIssued, RevokeRequest, Verification
from api.services import audit
from api.services import certificates as service
from certificates.render import render_certificate

router = APIRouter(tags=["certificates"])
_PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The certificate as PDF"}
}


@router.post(
    "/certificate",
    status_code=201,
    responses={
        200: {"model": CertificateIssued, "description": "Already issued"},
        **responses(NotAuthenticated, CourseNotCompleted),
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
    responses={**_PDF, **responses(NotAuthenticated, CertificateNotFound)},
)
def certificate_pdf(
    session: SessionDep,
    user: CurrentUser,
    info: CourseInfoDep,
    settings: SettingsDep,
    modules: LiveModules,
) -> Response:
    """The learner's certificate as a PDF (issue it first with POST /certificate)."""
    certificate = service.find_for_user(session=session, user_id=user.id or 0, info=info)
    if certificate is None:
        raise CertificateNotFound("Du har ikke fått kursbevis ennå.")
    data = service.render_data(
        certificate=certificate,
        settings=settings,
        info=info,
        modules=service.completed_modules(session=session, user_id=user.id or 0, modules=modules),
    )
    disposition = f'attachment; filename="kursbevis-{certificate.code}.pdf"'
    return Response(
        render_certificate(data),
        media_type="application/pdf",
        headers={"Content-Disposition": disposition},
    )


@router.get("/certificates/{code}", responses=responses(CertificateNotFound))
def verify_certificate(code: str, session: SessionDep) -> Verification:
    """Verify a certificate by its code (public; typing errors in the code are caught)."""
    return presenters.verification(service.by_code(session=session, code=code))


@router.post(
    "/certificates/{code}/revoke",
    responses=responses(NotAuthenticated, Forbidden, CertificateNotFound, UnprocessableError),
    dependencies=[audit_refusals(audit.Action.CERTIFICATE_REVOKE)],
)
def revoke_certificate(
    code: str, body: RevokeRequest, session: SessionDep, admin: AdminUser
) -> Verification:
    """Revoke a certificate with a reason (administrators only); it then verifies as revoked."""
    certificate = service.revoke(session=session, code=code, reason=body.reason, admin=admin)
    audit.record(
        session=session,
        actor=admin,
        action=audit.Action.CERTIFICATE_REVOKE,
        target=f"certificate:{certificate.code}",
    )
    return presenters.verification(certificate)
