"""Response bodies of the webhook API, and how service results become them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.data.models import WebhookDelivery, WebhookEndpoint
from api.services.webhooks import CreatedEndpoint, TestQueued


class WebhookPublic(BaseModel):
    """An endpoint as it is configured; its secret is never shown again after creation."""

    id: int
    url: str
    description: str
    events: list[str]
    municipality_number: str | None = Field(description="None: events about every municipality")
    is_active: bool
    created_at: datetime


class WebhookCreated(WebhookPublic):
    """The new endpoint with its signing secret: store it now, it is not shown again."""

    secret: str = Field(examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])


class WebhookDeliveryPublic(BaseModel):
    """One try at sending one message (the same ``webhook_id`` on every try of it)."""

    id: int
    endpoint_id: int
    event_type: str
    webhook_id: str
    job_id: int | None
    attempt: int
    status_code: int | None = Field(description="None when no answer came")
    error: str | None
    attempted_at: datetime
    duration_ms: int


class WebhookTestQueuedPublic(BaseModel):
    """The test message is queued; follow it with its job, or in the delivery log."""

    job_id: int
    webhook_id: str


def webhook_public(endpoint: WebhookEndpoint) -> WebhookPublic:
    return WebhookPublic(
        id=endpoint.id or 0,
        url=endpoint.url,
        description=endpoint.description,
        events=endpoint.events.split(),
        municipality_number=endpoint.municipality_number,
        is_active=endpoint.is_active,
        created_at=endpoint.created_at,
    )


def webhook_created(created: CreatedEndpoint) -> WebhookCreated:
    public = webhook_public(created.endpoint)
    return WebhookCreated(**public.model_dump(), secret=created.secret)


def delivery_public(delivery: WebhookDelivery) -> WebhookDeliveryPublic:
    return WebhookDeliveryPublic.model_validate(delivery, from_attributes=True)


def queued_public(queued: TestQueued) -> WebhookTestQueuedPublic:
    return WebhookTestQueuedPublic(job_id=queued.job.id or 0, webhook_id=queued.webhook_id)
