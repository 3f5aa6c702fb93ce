"""Signed webhooks (administrators): endpoints, their delivery log, and a test message."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Response

from api.core.errors import (
    Forbidden,
    MunicipalityInvalid,
    NotAuthenticated,
    UnprocessableError,
    WebhookNotFound,
    responses,
)
from api.http.auditing import audit_refusals
from api.http.deps import AdminUser, SessionDep, SettingsDep
from api.http.routing import api_router
from api.http.schemas_webhooks import (
    WebhookCreated,
    WebhookDeliveryPublic,
    WebhookPublic,
    WebhookTestQueuedPublic,
    delivery_public,
    queued_public,
    webhook_created,
    webhook_public,
)
from api.services import webhooks
from api.services.audit import Action
from api.services.webhooks import WebhookCreate, WebhookUpdate

router = api_router(prefix="/webhooks", tags=["webhooks"])
GUARDED = (NotAuthenticated, Forbidden)
WebhookId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", responses=responses(*GUARDED))
def list_webhooks(session: SessionDep, admin: AdminUser) -> list[WebhookPublic]:
    """Every endpoint, oldest first."""
    return [webhook_public(e) for e in webhooks.list_endpoints(session=session)]


@router.post(
    "",
    status_code=201,
    responses=responses(*GUARDED, UnprocessableError, MunicipalityInvalid),
    dependencies=[audit_refusals(Action.WEBHOOK_CREATE, target="webhooks")],
)
def create_webhook(
    data: WebhookCreate, session: SessionDep, settings: SettingsDep, admin: AdminUser
) -> WebhookCreated:
    """Add an endpoint; the answer holds its signing secret, shown this once."""
    created = webhooks.create_endpoint(session=session, admin=admin, data=data, settings=settings)
    return webhook_created(created)


@router.get("/{webhook_id}", responses=responses(*GUARDED, WebhookNotFound))
def get_webhook(webhook_id: WebhookId, session: SessionDep, admin: AdminUser) -> WebhookPublic:
    """One endpoint (without its secret)."""
    return webhook_public(webhooks.get_endpoint(session=session, endpoint_id=webhook_id))


@router.patch(
    "/{webhook_id}",
    responses=responses(*GUARDED, WebhookNotFound, UnprocessableError, MunicipalityInvalid),
    dependencies=[audit_refusals(Action.WEBHOOK_UPDATE)],
)
def update_webhook(
    webhook_id: WebhookId,
    data: WebhookUpdate,
    session: SessionDep,
    settings: SettingsDep,
    admin: AdminUser,
) -> WebhookPublic:
    """Change an endpoint's address, events, municipality, description or active flag."""
    endpoint = webhooks.update_endpoint(
        session=session, admin=admin, endpoint_id=webhook_id, data=data, settings=settings
    )
    return webhook_public(endpoint)


@router.delete(
    "/{webhook_id}",
    status_code=204,
    response_class=Response,
    responses=responses(*GUARDED, WebhookNotFound),
    dependencies=[audit_refusals(Action.WEBHOOK_DELETE)],
)
def delete_webhook(webhook_id: WebhookId, session: SessionDep, admin: AdminUser) -> Response:
    """Remove an endpoint and its delivery log; messages still queued for it are not sent."""
    webhooks.delete_endpoint(session=session, admin=admin, endpoint_id=webhook_id)
    return Response(status_code=204)


@router.post(
    "/{webhook_id}/secret",
    responses=responses(*GUARDED, WebhookNotFound),
    dependencies=[audit_refusals(Action.WEBHOOK_ROTATE_SECRET)],
)
def rotate_secret(
    webhook_id: WebhookId, session: SessionDep, settings: SettingsDep, admin: AdminUser
) -> WebhookCreated:
    """A new signing secret, shown this once; for 24 hours messages carry a signature with
    the old secret too, so the receiver can switch over without losing any."""
    rotated = webhooks.rotate_secret(
        session=session, admin=admin, endpoint_id=webhook_id, settings=settings
    )
    return webhook_created(rotated)


@router.get(
    "/{webhook_id}/deliveries", responses=responses(*GUARDED, WebhookNotFound, UnprocessableError)
)
def list_deliveries(
    webhook_id: WebhookId,
    session: SessionDep,
    admin: AdminUser,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[WebhookDeliveryPublic]:
    """The endpoint's delivery log, newest try first; ``before_id`` pages to older ones."""
    rows = webhooks.deliveries(
        session=session, endpoint_id=webhook_id, before_id=before_id, limit=limit
    )
    return [delivery_public(row) for row in rows]


@router.post(
    "/{webhook_id}/test",
    status_code=202,
    responses=responses(*GUARDED, WebhookNotFound),
    dependencies=[audit_refusals(Action.WEBHOOK_TEST)],
)
def send_test(
    webhook_id: WebhookId, session: SessionDep, admin: AdminUser
) -> WebhookTestQueuedPublic:
    """Queue a signed test message (``webhook.test``) to the endpoint, even while it is off."""
    return queued_public(webhooks.send_test(session=session, admin=admin, endpoint_id=webhook_id))
