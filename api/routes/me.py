from __future__ import annotations

from fastapi import APIRouter

from api.core.errors import NotAuthenticated, responses
from api.http.deps import CurrentUser
from api.http.routing import ApiRoute
from api.http.schemas import UserPublic

router = APIRouter(tags=["me"], route_class=ApiRoute)


@router.get("/me", responses=responses(NotAuthenticated))
def me(user: CurrentUser) -> UserPublic:
    """The logged-in user's account."""
    return UserPublic.model_validate(user)
