"""Bodies of the e-mail routes: invitations, "Glemt passord", preferences, deadlines."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.core.errors import DeadlineInvalid


class ResetRequest(BaseModel):
    email: str = Field(min_length=1, max_length=254, examples=["kari.nordmann@asker.kommune.no"])


class EmailPreferencesPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    reminders: bool = Field(description="Påminnelser om frister for å fullføre kurset.")
    unit_completion_notices: bool = Field(
        description="For ledere: e-post når noen i enhetene deres fullfører kurset."
    )
    is_leader: bool


class EmailPreferencesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reminders: bool | None = None
    unit_completion_notices: bool | None = None


class DeadlineSet(BaseModel):
    """A deadline for a municipality (``municipality_number``) or a unit (``unit_id``)."""

    model_config = ConfigDict(extra="forbid")

    municipality_number: str | None = Field(default=None, pattern=r"^\d{4}$", examples=["3203"])
    unit_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    due_on: date = Field(examples=["2027-03-31"])

    @model_validator(mode="after")
    def _one_scope(self) -> DeadlineSet:
        if (self.municipality_number is None) == (self.unit_id is None):
            raise ValueError(DeadlineInvalid.message)
        return self


class DeadlinePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    municipality_number: str | None
    unit_id: int | None
    due_on: date
    set_at: datetime
