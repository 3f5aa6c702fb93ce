"""Public pages: a form for checking a certificate by its code, the accessibility statement."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request, Response

from api.deps import SettingsDep
from api.pages.deps import OptionalPageUser, page_router
from api.pages.render import redirect, render

router = page_router()


@router.get("/verify")
def verify_form(request: Request, user: OptionalPageUser, kode: str | None = None) -> Response:
    """A form for typing in a certificate's code; on to its verification page."""
    code = (kode or "").strip()[:40]
    if code:
        return redirect(request, f"/verify/{quote(code, safe='')}")
    return render(request, "pages/verify_form.html", {"empty": kode is not None})


@router.get("/tilgjengelighet")
def accessibility_statement(
    request: Request, user: OptionalPageUser, settings: SettingsDep
) -> Response:
    """The accessibility statement: the standard aimed at, how it is tested, known gaps."""
    contact = (settings.accessibility_contact or "").strip()
    context = {"contact": contact, "contact_is_email": "@" in contact and " " not in contact}
    return render(request, "pages/accessibility.html", context)
