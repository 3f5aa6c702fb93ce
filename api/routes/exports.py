"""Exports of the course for other systems: SCORM packages and GIFT quizzes for Moodle."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response

from api.core.errors import (
    EditionNotAvailable,
    Forbidden,
    ModuleNotFound,
    NotAuthenticated,
    responses,
)
from api.http import downloads
from api.http.deps import CourseInfoDep, RenderCacheDep, SessionDep, StaffUser
from api.http.routing import api_router
from api.services import gift_exchange, scorm_export
from api.services.contracts import GiftExport, ScormExport

router = api_router(prefix="/export", tags=["export"])
_PACKAGE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The SCORM package (zip)", "content": {scorm_export.MEDIA_TYPE: {}}}
}


@router.get(
    "/scorm",
    response_class=Response,
    responses={
        **_PACKAGE,
        **responses(NotAuthenticated, Forbidden, ModuleNotFound, EditionNotAvailable),
    },
)
def scorm(
    session: SessionDep,
    staff: StaffUser,
    info: CourseInfoDep,
    cache: RenderCacheDep,
    request: Annotated[ScormExport, Query()],
) -> Response:
    """SCORM package of the course or one module; with quizzes it holds their answer key."""
    package = scorm_export.scorm_package(session=session, info=info, cache=cache, request=request)
    return downloads.scorm_download(package)


@router.get(
    "/gift",
    response_class=Response,
    responses={
        200: {"description": "The quizzes as GIFT", "content": {"text/plain": {}}},
        **responses(NotAuthenticated, Forbidden, ModuleNotFound),
    },
)
def gift(
    session: SessionDep,
    staff: StaffUser,
    info: CourseInfoDep,
    cache: RenderCacheDep,
    request: Annotated[GiftExport, Query()],
) -> Response:
    """The quizzes of the course or one module in GIFT, Moodle's question format, with answers."""
    exported = gift_exchange.gift_file(
        session=session, info=info, cache=cache, module=request.module
    )
    return downloads.gift_download(exported)
