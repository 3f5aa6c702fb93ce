"""Public pages: a form for checking a certificate by its code."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request, Response

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
