"""Workbook service results as API bodies."""

from __future__ import annotations

from api.http.schemas_workbook import ProjectPlanPublic, WorkbookEntryPublic, WorkbookStepPublic
from api.services.workbook import Plan, StepEntry


def entry_public(entry: StepEntry) -> WorkbookEntryPublic:
    return WorkbookEntryPublic(
        module=entry.module.slug,
        step=WorkbookStepPublic.model_validate(entry.step, from_attributes=True),
        project_id=entry.project_id,
        revision=entry.revision,
        values=entry.values,
        missing=[f.id for f in entry.missing],
        updated_at=entry.updated_at,
        updated_by=entry.updated_by,
        updated_by_name=entry.updated_by_name,
        authors=list(entry.authors),
    )


def plan_public(plan: Plan) -> ProjectPlanPublic:
    return ProjectPlanPublic(
        project_id=plan.project.id if plan.project else None,
        title=plan.project.title if plan.project else "",
        filled_fields=plan.filled_fields,
        total_fields=plan.total_fields,
        steps=[entry_public(e) for e in plan.entries],
    )
