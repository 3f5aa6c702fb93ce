"""Administration results as API schemas."""

from __future__ import annotations

import json
from collections.abc import Sequence

from api.data.models import AuditEvent, Role, User
from api.http.schemas_admin import (
    AuditEventPublic,
    ImportProblem,
    ImportReport,
    JobFilePublic,
    JobPublic,
    MunicipalitySummary,
    RoleAssignmentPublic,
    RolesPublic,
    SetupCode,
    UnitSummary,
    UserAdmin,
)
from api.services import audit, jobs, setup_codes, user_municipality
from api.services import roles as role_service
from api.services.roster import MunicipalityRow
from api.services.unit_report import UnitRow
from api.services.user_import import ImportResult


def user_admin(user: User) -> UserAdmin:
    assert user.id is not None
    return UserAdmin(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=Role(user.role),
        unit_id=user.unit_id,
        department_unmatched=user.department_unmatched,
        is_active=user.is_active,
        has_password=user.password_hash is not None,
        created_at=user.created_at,
        erased_at=user.erased_at,
        **user_municipality.account_fields(user),
    )


def setup_code(issued: setup_codes.IssuedCode, base_url: str) -> SetupCode:
    assert issued.user.id is not None
    return SetupCode(
        user_id=issued.user.id,
        email=issued.user.email,
        code=issued.code,
        url=setup_codes.setup_url(base_url, issued.code),
        expires_at=issued.expires_at,
    )


def import_report(result: ImportResult, base_url: str) -> ImportReport:
    return ImportReport(
        dry_run=result.dry_run,
        rows=result.records,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        errors=[
            ImportProblem(line=p.line, column=p.column, message=p.message) for p in result.problems
        ],
        setup_codes=[setup_code(issued, base_url) for issued in result.codes],
    )


def audit_events(rows: Sequence[tuple[AuditEvent, str | None]]) -> list[AuditEventPublic]:
    return [
        AuditEventPublic(
            id=event.id or 0,
            at=event.at,
            actor_id=event.actor_id,
            actor_email=email,
            actor_role=event.actor_role,
            action=event.action,
            target=event.target,
            outcome=event.outcome,
            details=audit.details_of(event),
        )
        for event, email in rows
    ]


def municipalities(rows: Sequence[MunicipalityRow]) -> list[MunicipalitySummary]:
    return [
        MunicipalitySummary(
            municipality=row.municipality,
            municipality_number=row.municipality_number,
            county=row.county,
            enrolled=row.enrolled,
            started=row.started,
            completed=row.completed,
            completion_rate=row.completion_rate,
        )
        for row in rows
    ]


def units(rows: Sequence[UnitRow]) -> list[UnitSummary]:
    return [
        UnitSummary(
            unit_id=row.unit_id,
            unit=row.label,
            depth=row.depth,
            closed=row.closed,
            enrolled=row.enrolled,
            completed=row.completed,
            in_progress=row.in_progress,
            not_started=row.not_started,
            completion_rate=row.completion_rate,
        )
        for row in rows
    ]


def job(view: jobs.JobView) -> JobPublic:
    row = view.job
    assert row.id is not None
    status_url = f"/api/v1/jobs/{row.id}"
    error = row.last_error.strip().splitlines()[-1] if row.last_error else None
    file = None
    if view.file is not None:
        file = JobFilePublic(
            filename=view.file.filename,
            media_type=view.file.media_type,
            size=view.file.size,
            expires_at=view.file.expires_at,
            url=f"{status_url}/file",
        )
    return JobPublic(
        id=row.id,
        kind=row.kind,
        state=row.state,
        queue=row.queue,
        attempt=row.attempt,
        max_attempts=row.max_attempts,
        progress_percent=row.progress_percent,
        progress_message=row.progress_message,
        error=error,
        result=json.loads(row.result) if row.result else None,
        cancel_requested=row.cancel_requested,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status_url=status_url,
        file=file,
    )


def roles(found: role_service.RoleSet) -> RolesPublic:
    assert found.user.id is not None
    return RolesPublic(
        user_id=found.user.id,
        roles=[
            RoleAssignmentPublic(
                role=a.role, municipality_number=a.municipality_number, unit_id=a.unit_id
            )
            for a in found.assignments
        ],
    )
