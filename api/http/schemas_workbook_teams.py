"""Bodies of team projects: members, invitations, the project's title."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class MemberPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: int
    name: str
    role: str = Field(description="owner or member")
    joined_at: datetime


class InvitedPublic(BaseModel):
    invitation_id: int
    name: str


class TeamPublic(BaseModel):
    project_id: int
    title: str
    members: list[MemberPublic]
    invited: list[InvitedPublic] = Field(description="Open invitations to the project")


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, examples=["ola.nordmann@asker.kommune.no"])


class InvitationSent(BaseModel):
    detail: str = Field(description="The same answer whoever the address belongs to")


class InvitationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    project_id: int
    project_title: str
    invited_by: str | None
    members: list[str]
    created_at: datetime


class TitleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=200, examples=["Trygg hjemme"])


class JoinedPublic(BaseModel):
    project_id: int
