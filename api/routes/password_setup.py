"""Setting one's own password with a single-use code: the API, and a page for the link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response

from api.deps import SessionDep
from api.errors import InvalidSetupCode, responses
from api.pages.deps import page_router
from api.pages.render import render
from api.schemas_admin import PasswordSetup
from api.security import MIN_PASSWORD_LENGTH
from api.services import setup_codes

router = APIRouter(tags=["auth"])
pages = page_router()  # CSRF-checked like every other form


@router.post("/auth/password-setup", status_code=204, responses=responses(InvalidSetupCode))
def set_password(body: PasswordSetup, session: SessionDep) -> Response:
    """Set your password with the code from your administrator (public; the code works once)."""
    setup_codes.redeem(session=session, code=body.token, password=body.password)
    return Response(status_code=204)


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


@pages.get("/passord")
def password_page(request: Request, kode: Annotated[str, Query(max_length=64)] = "") -> Response:
    """The page the setup link opens."""
    return _page(request, code=kode)


@pages.post("/passord")
def password_form(
    request: Request,
    session: SessionDep,
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
