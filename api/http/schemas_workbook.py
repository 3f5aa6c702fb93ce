"""Bodies of the project workbook: steps, their fields, saved entries and the whole plan."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from course.workbook_models import FieldKind

MAX_REVISION = 2**31 - 1  # an INTEGER column on PostgreSQL


class ColumnPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    label: str
    scale: bool = Field(description="A whole number 1–5 instead of text")


class OptionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    label: str


class WorkbookFieldPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: FieldKind
    label: str
    columns: list[ColumnPublic] = Field(description="For table, benefits and risks fields")
    options: list[OptionPublic] = Field(description="For choice fields")


class WorkbookStepPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    intro_html: str
    fields: list[WorkbookFieldPublic]


class WorkbookEntryPublic(BaseModel):
    """A step as the project has filled it in; ``revision`` 0 means nothing is saved yet."""

    module: str = Field(description="The module's slug")
    step: WorkbookStepPublic
    project_id: int | None = Field(description="None until the learner first saves")
    revision: int
    values: dict[str, Any] = Field(
        description="Per field id: text, a list of texts, an option id, a date (YYYY-MM-DD), "
        "or for table-like fields a list of rows (column id to text, or 1–5)"
    )
    missing: list[str] = Field(description="Ids of the fields with nothing in them yet")
    updated_at: datetime | None
    updated_by: int | None = Field(description="The account that saved this revision")
    updated_by_name: str | None = Field(
        default=None, description='Who saved last ("Tidligere deltaker" once erased)'
    )
    authors: list[str] = Field(
        default_factory=list, description="The names of everyone who wrote in the step"
    )


class WorkbookSave(BaseModel):
    model_config = ConfigDict(extra="forbid")

    values: dict[str, Any] = Field(description="Per field id, as in WorkbookEntryPublic")
    base_revision: int = Field(
        ge=0,
        le=MAX_REVISION,
        description="The revision the values were based on (0 for a step never saved); "
        "another revision gives 409 with the version saved now",
    )


class ProjectPlanPublic(BaseModel):
    project_id: int | None = Field(description="None until the learner first saves a step")
    title: str
    filled_fields: int
    total_fields: int
    steps: list[WorkbookEntryPublic] = Field(description="Every step, in course order")
