"""Bodies of the learner's own account: password change and sessions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=200, description="The password used today")
    new_password: str = Field(min_length=10, max_length=200)


class PasswordChanged(BaseModel):
    ended_sessions: int = Field(description="How many other sessions the change ended")


class LoginSessionPublic(BaseModel):
    """An active login; neither its token nor the address it came from is shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    expires_at: datetime
    current: bool = Field(description="Whether this request came with this session")


class SessionsEnded(BaseModel):
    ended_sessions: int
