"""Setting one's own password with a single-use code (the page for the link is in ``api.web``)."""

from __future__ import annotations

from fastapi import Response

from api.core.errors import InvalidSetupCode, responses
from api.http.deps import SessionDep
from api.http.routing import api_router
from api.http.schemas_admin import PasswordSetup
from api.services import setup_codes

router = api_router(tags=["auth"])


@router.post("/auth/password-setup", status_code=204, responses=responses(InvalidSetupCode))
def set_password(body: PasswordSetup, session: SessionDep) -> Response:
    """Set your password with the code from your administrator (public; the code works once)."""
    setup_codes.redeem(session=session, code=body.token, password=body.password)
    return Response(status_code=204)
