"""Public pages: a form for checking a certificate by its code, the accessibility statement."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request, Response

from api.core.errors import CertificateCodeMistyped, CertificateNotFound
from api.http import presenters
from api.http.deps import OptionalUser, SessionDep, SettingsDep
from api.services import certificates as certificate_service
from api.web.deps import page_router
from api.web.render import redirect, render
from certificates.codes import EXAMPLE_CODE

router = page_router()


@router.get("/verify")
def verify_form(request: Request, user: OptionalUser, kode: str | None = None) -> Response:
    """A form for typing in a certificate's code; on to its verification page."""
    code = (kode or "").strip()[:40]
    if code:
        return redirect(request, f"/verify/{quote(code, safe='')}")
    context = {"empty": kode is not None, "example_code": EXAMPLE_CODE}
    return render(request, "pages/verify_form.html", context)


@router.get("/verify/{code}")
def verify_page(code: str, request: Request, session: SessionDep, user: OptionalUser) -> Response:
    """Public verification page for people who scan the QR code (the form again if not found)."""
    context: dict[str, object] = {"code": code[:40], "example_code": EXAMPLE_CODE}
    try:
        certificate = certificate_service.by_code(session=session, code=code)
    except (CertificateCodeMistyped, CertificateNotFound) as exc:
        context |= {
            "result": None,
            "mistyped": isinstance(exc, CertificateCodeMistyped),
            "message": exc.detail,
        }
        return render(request, "verify.html", context, status_code=exc.status_code)
    context["result"] = presenters.verification(certificate)
    return render(request, "verify.html", context)


@router.get("/tilgjengelighet")
def accessibility_statement(
    request: Request, user: OptionalUser, settings: SettingsDep
) -> Response:
    """The accessibility statement: the standard aimed at, how it is tested, known gaps."""
    contact = (settings.accessibility_contact or "").strip()
    context = {"contact": contact, "contact_is_email": "@" in contact and " " not in contact}
    return render(request, "pages/accessibility.html", context)
