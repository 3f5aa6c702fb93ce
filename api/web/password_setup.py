"""The page a password setup link opens: set one's own password with a single-use code."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request, Response

from api.core.errors import InvalidSetupCode
from api.core.security import MIN_PASSWORD_LENGTH
from api.http.deps import OptionalUser, SessionDep
from api.services import setup_codes
from api.web.deps import page_router
from api.web.render import render

router = page_router()


def _page(
    request: Request,
    *,
    code: str,
    errors: dict[str, str] | None = None,
    done: bool = False,
    status_code: int = 200,
) -> Response:
    """The form, with ``errors`` (form field -> message) shown at their fields."""
    context = {
        "code": code,
        "errors": errors or {},
        "done": done,
        "min_length": MIN_PASSWORD_LENGTH,
    }
    return render(request, "pages/password_setup.html", context, status_code=status_code)


@router.get("/passord")
def password_page(
    request: Request, user: OptionalUser, kode: Annotated[str, Query(max_length=64)] = ""
) -> Response:
    """The page the setup link opens."""
    return _page(request, code=kode)


@router.post("/passord")
def password_form(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    kode: Annotated[str, Form(max_length=64)],
    passord: Annotated[str, Form(max_length=200)],
    passord_igjen: Annotated[str, Form(max_length=200)],
) -> Response:
    """The page's form: sets the password, or shows what is wrong."""
    if len(passord) < MIN_PASSWORD_LENGTH:
        error = f"Passordet må ha minst {MIN_PASSWORD_LENGTH} tegn."
        return _page(request, code=kode, errors={"passord": error}, status_code=422)
    if passord != passord_igjen:
        errors = {"passord_igjen": "Passordene er ikke like."}
        return _page(request, code=kode, errors=errors, status_code=422)
    try:
        setup_codes.redeem(session=session, code=kode, password=passord)
    except InvalidSetupCode as exc:
        return _page(request, code=kode, errors={"kode": exc.detail}, status_code=400)
    return _page(request, code="", done=True)
