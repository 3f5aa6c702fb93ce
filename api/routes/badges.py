"""Open Badges 3.0: the public documents that verify credentials, and the learner's badge.

The documents live at stable URLs under ``INNOSTUDY_BASE_URL`` (not under ``/api/v1``:
credentials name them, so they must never move): ``/badges/issuer``,
``/badges/keys/{key_id}`` and ``/badges/status/{number}``. They are public, and any
web page may read them (CORS), as a verifier in a browser does.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from api.core.errors import (
    BadgeKeyNotFound,
    CertificateNotFound,
    CertificateRevoked,
    NotAuthenticated,
    StatusListNotFound,
    responses,
)
from api.http.deps import CourseInfoDep, CurrentUser, SessionDep, SettingsDep
from api.http.routing import ApiRoute, api_router
from api.services import open_badges

router = APIRouter(prefix="/badges", tags=["open badges"], route_class=ApiRoute)
learner_router = api_router(tags=["certificates"])
JSON_LD = "application/ld+json"
_PUBLIC = {"Access-Control-Allow-Origin": "*"}
_DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {"content": {JSON_LD: {}}, "description": "A JSON-LD document"}
}


def _json_ld(document: dict[str, Any] | str, *, max_age: int) -> Response:
    body = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    headers = {**_PUBLIC, "Cache-Control": f"public, max-age={max_age}"}
    return Response(body, media_type=JSON_LD, headers=headers)


@router.get("/issuer", response_class=Response, responses=_DOCUMENT)
def issuer(session: SessionDep, settings: SettingsDep, info: CourseInfoDep) -> Response:
    """The issuer's Open Badges profile and controller document: every signing key (public)."""
    document = open_badges.issuer_document(session=session, settings=settings, info=info)
    # Short: after a key rotation verifiers must soon see the new key listed here.
    return _json_ld(document, max_age=300)


@router.get(
    "/keys/{key_id}",
    response_class=Response,
    responses={**_DOCUMENT, **responses(BadgeKeyNotFound)},
)
def key(
    key_id: Annotated[str, Path(max_length=64)], session: SessionDep, settings: SettingsDep
) -> Response:
    """One public key that signs Open Badges, as a Multikey document (public)."""
    document = open_badges.key_document(session=session, settings=settings, key_id=key_id)
    return _json_ld(document, max_age=86400)  # a key's document never changes


@router.get(
    "/status/{number}",
    response_class=Response,
    responses={**_DOCUMENT, **responses(StatusListNotFound)},
)
def status_list(
    number: Annotated[int, Path(ge=1, le=1_000_000)],
    session: SessionDep,
    settings: SettingsDep,
    info: CourseInfoDep,
) -> Response:
    """Revocation list `number`: a signed Bitstring Status List credential (public)."""
    document = open_badges.status_list_credential(
        session=session, settings=settings, info=info, number=number
    )
    return _json_ld(document, max_age=60)


_BADGE_ERRORS = responses(NotAuthenticated, CertificateNotFound, CertificateRevoked)


@learner_router.get(
    "/certificate/open-badge",
    response_class=Response,
    responses={
        200: {"content": {JSON_LD: {}}, "description": "The signed OpenBadgeCredential"},
        **_BADGE_ERRORS,
    },
)
def open_badge_json(
    session: SessionDep, user: CurrentUser, info: CourseInfoDep, settings: SettingsDep
) -> Response:
    """The learner's certificate as a signed Open Badges 3.0 credential (409 if revoked)."""
    badge = open_badges.holder_badge(session=session, user=user, info=info, settings=settings)
    return Response(
        badge.json,
        media_type=JSON_LD,
        headers={"Content-Disposition": f'attachment; filename="open-badge-{badge.code}.json"'},
    )


@learner_router.get(
    "/certificate/open-badge.png",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "The badge, credential baked in"},
        **_BADGE_ERRORS,
    },
)
def open_badge_png(
    session: SessionDep, user: CurrentUser, info: CourseInfoDep, settings: SettingsDep
) -> Response:
    """The learner's badge image (PNG) with the signed credential baked in (409 if revoked)."""
    badge = open_badges.holder_badge(session=session, user=user, info=info, settings=settings)
    return Response(
        open_badges.badge_png(badge),
        media_type="image/png",
        headers={"Content-Disposition": f'attachment; filename="open-badge-{badge.code}.png"'},
    )
