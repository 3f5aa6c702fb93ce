"""Response bodies of the xAPI administration API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class XapiDelivery(BaseModel):
    """The latest job that sent statements to the learning record store."""

    job_id: int
    state: str = Field(description="queued, running, succeeded, dead or cancelled")
    attempt: int
    error: str | None = Field(description="The last try's error, in one line")
    created_at: datetime
    finished_at: datetime | None


class XapiLrsStatus(BaseModel):
    """The learning record store as configured (never its secret), and how delivery stands."""

    configured: bool = Field(description="Set by INNOSTUDY_XAPI_ENDPOINT, _KEY and _SECRET")
    endpoint: str | None
    key: str | None = Field(description="The Basic auth key; the secret is never shown")
    waiting_events: int = Field(description="Learning events whose statements wait")
    waiting_statements: int
    sent_statements: int
    last_delivery: XapiDelivery | None
