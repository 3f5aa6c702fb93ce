from __future__ import annotations

from api.core.errors import NotAuthenticated, responses
from api.http import presenters as present
from api.http.deps import CurrentUser
from api.http.routing import api_router
from api.http.schemas import UserPublic

router = api_router(tags=["me"])


@router.get("/me", responses=responses(NotAuthenticated))
def me(user: CurrentUser) -> UserPublic:
    """The logged-in user's account."""
    return present.user_public(user)
