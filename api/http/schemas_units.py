"""Request and response bodies of the organisation unit API, and how results become them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.data.models import WrittenForm
from api.http.schemas_admin import ImportProblem
from api.services.org_import import UnitImportResult
from api.services.org_units import TreeNode


class UnitPublic(BaseModel):
    """An organisation unit, with its path of names."""

    id: int
    municipality_number: str
    parent_id: int | None = Field(description="None at the top level")
    name: str
    org_number: str | None
    label: str = Field(examples=["Helse og omsorg / Hjemmetjenesten"])
    path: str = Field(description="The ids from the top down, e.g. /12/45/")
    depth: int = Field(description="0 at the top level")
    people: int = Field(description="Accounts with this as their primary unit")
    open_children: int
    created_at: datetime
    closed_at: datetime | None


class WrittenFormUpdate(BaseModel):
    written_form: WrittenForm = Field(description="The municipality's språkvedtak")


class MunicipalityWrittenForm(BaseModel):
    """A municipality of the register and its official written form."""

    model_config = ConfigDict(from_attributes=True)

    number: str = Field(examples=["4631"])
    name: str
    written_form: WrittenForm


class UnitChangePublic(BaseModel):
    path: str = Field(examples=["Helse og omsorg / Hjemmetjenesten / Sone nord"])
    org_number: str | None


class UnitImportReport(BaseModel):
    """What a structure import did, or would do (``dry_run``); errors with their lines."""

    dry_run: bool
    municipality_number: str
    rows: int
    created: list[UnitChangePublic] = Field(description="Parents before their children")
    updated: list[UnitChangePublic] = Field(description="Given a new organisation number")
    unchanged: int
    errors: list[ImportProblem]


def unit_public(node: TreeNode) -> UnitPublic:
    unit = node.unit
    assert unit.id is not None
    return UnitPublic(
        id=unit.id,
        municipality_number=unit.municipality_number,
        parent_id=unit.parent_id,
        name=unit.name,
        org_number=unit.org_number,
        label=node.label,
        path=unit.path,
        depth=unit.depth,
        people=node.people,
        open_children=node.open_children,
        created_at=unit.created_at,
        closed_at=unit.closed_at,
    )


def import_report(result: UnitImportResult) -> UnitImportReport:
    return UnitImportReport(
        dry_run=result.dry_run,
        municipality_number=result.municipality_number,
        rows=result.records,
        created=[UnitChangePublic(path=c.path, org_number=c.org_number) for c in result.created],
        updated=[UnitChangePublic(path=c.path, org_number=c.org_number) for c in result.updated],
        unchanged=result.unchanged,
        errors=[
            ImportProblem(line=p.line, column=p.column, message=p.message) for p in result.problems
        ],
    )
