"""Administration results as API schemas."""

from __future__ import annotations

from collections.abc import Sequence

from api.data.models import AuditEvent, Role, User
from api.http.schemas_admin import (
    AuditEventPublic,
    ImportProblem,
    ImportReport,
    MunicipalitySummary,
    SetupCode,
    UserAdmin,
)
from api.services import audit, setup_codes
from api.services.roster import MunicipalityRow
from api.services.user_import import ImportResult


def user_admin(user: User) -> UserAdmin:
    assert user.id is not None
    return UserAdmin(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=Role(user.role),
        municipality=user.municipality,
        municipality_number=user.municipality_number,
        department=user.department,
        is_active=user.is_active,
        has_password=user.password_hash is not None,
        created_at=user.created_at,
        erased_at=user.erased_at,
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
            enrolled=row.enrolled,
            started=row.started,
            completed=row.completed,
            completion_rate=row.completion_rate,
        )
        for row in rows
    ]
