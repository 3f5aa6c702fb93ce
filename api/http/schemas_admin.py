"""Request and response bodies of the administration API (users, reports, audit, privacy)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.data.models import Role
from api.services.contracts import Delimiter, InstallationRole, RosterFilters, RosterFormat
from course.progress import ModuleStatus


class UserAdmin(BaseModel):
    """An account as administrators see it (erased accounts included)."""

    id: int
    email: str = Field(description="`erased-<id>@invalid` once the person's data is erased")
    full_name: str
    role: Role
    municipality: str | None = Field(description="The register's name; null until one matched")
    municipality_number: str | None
    county: str | None
    municipality_unmatched: str | None = Field(
        description="What was given where no municipality matched (null once one is set)"
    )
    unit_id: int | None = Field(description="The primary organisation unit")
    department_unmatched: str | None = Field(
        description="A department from before units that could not be placed in a unit"
    )
    is_active: bool
    has_password: bool = Field(description="False until the person has set a password")
    created_at: datetime
    erased_at: datetime | None


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: InstallationRole


class SetupCode(BaseModel):
    """A single-use code (and link) with which the person sets their own password."""

    user_id: int
    email: str
    code: str = Field(examples=["7K3M-Q9XD-4TJ2-8WNB"])
    url: str
    expires_at: datetime


class PasswordSetup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(max_length=64, description="The code or the link's `kode` parameter")
    password: str = Field(min_length=10, max_length=200)


class ImportProblem(BaseModel):
    line: int = Field(description="Line in the file, counting the header as line 1")
    column: str | None = Field(description="Column name as in the file's header, if one")
    message: str


class ImportReport(BaseModel):
    dry_run: bool
    rows: int = Field(description="Data rows read (blank lines skipped)")
    created: int
    updated: int
    unchanged: int
    errors: list[ImportProblem]
    setup_codes: list[SetupCode] = Field(description="One per created account (empty on a dry run)")


class AuditEventPublic(BaseModel):
    id: int
    at: datetime
    actor_id: int | None = Field(description="None for the command line")
    actor_email: str | None
    actor_role: str | None
    action: str = Field(examples=["user.deactivate"])
    target: str = Field(examples=["user:42"])
    outcome: str = Field(examples=["ok", "denied", "failed"])
    details: dict[str, Any]


class MunicipalitySummary(BaseModel):
    """One municipality's learners; `municipality` null: those without a municipality."""

    municipality: str | None
    municipality_number: str | None
    county: str | None
    enrolled: int = Field(description="Learners enrolled (erased and deactivated included)")
    started: int = Field(description="Learners who have read or attempted at least one module")
    completed: int
    completion_rate: float = Field(description="completed / enrolled, 0 to 1")


class UnitSummary(BaseModel):
    """One unit's learners, everything below it included."""

    unit_id: int
    unit: str = Field(description="The unit's path of names", examples=["Helse / Hjemmetjenesten"])
    depth: int = Field(description="0 for a top-level unit")
    closed: bool
    enrolled: int = Field(description="Learners enrolled (erased and deactivated included)")
    completed: int
    in_progress: int
    not_started: int
    completion_rate: float = Field(description="completed / enrolled, 0 to 1")


class RosterEntry(BaseModel):
    """One learner in the completion roster (the JSON format; CSV and XLSX have the same data)."""

    user_id: int
    full_name: str
    email: str
    municipality: str | None = Field(description="null: no municipality (Ukjent kommune)")
    municipality_number: str | None
    county: str | None
    unit: str | None = Field(description="The primary unit's path of names")
    active: bool
    enrolled_on: date | None
    status: ModuleStatus
    modules_completed: int = Field(
        description="Modules completed of those that count for completion (the required ones)"
    )
    modules_total: int = Field(description="Modules that count for completion")
    percent: int = Field(description="modules_completed of modules_total; 100 means completed")
    optional_completed: int
    optional_total: int
    best_scores: dict[str, float | None] = Field(description="Best quiz score (0–1) per module")
    completed_on: date | None
    certificate_code: str | None
    certificate_status: str | None = Field(examples=["valid", "revoked"])


class JobFilePublic(BaseModel):
    filename: str
    media_type: str
    size: int = Field(description="Bytes")
    expires_at: datetime
    url: str = Field(description="Where the file downloads, for the person who asked")


class JobPublic(BaseModel):
    """A background job: its state, its tries, how far it has come, and its file when done."""

    id: int
    kind: str = Field(examples=["roster.export"])
    state: str = Field(description="queued, running, succeeded, dead or cancelled")
    queue: str
    attempt: int = Field(description="Tries so far")
    max_attempts: int
    progress_percent: int | None
    progress_message: str | None
    error: str | None = Field(description="The last try's error, in one line")
    result: dict[str, Any] | None
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    status_url: str
    file: JobFilePublic | None


class RosterExportRequest(BaseModel):
    """A roster built as a file by a background job: the roster's filters, and the format."""

    model_config = ConfigDict(extra="forbid")

    filters: RosterFilters = Field(default_factory=RosterFilters)
    format: RosterFormat = RosterFormat.XLSX
    delimiter: Delimiter = Field(default=Delimiter.SEMICOLON, description="CSV only")


class RoleAssignmentPublic(BaseModel):
    """One role a person holds: both scope fields null means the whole installation."""

    role: Role
    municipality_number: str | None = Field(examples=["3203"])
    unit_id: int | None = None


class RolesPublic(BaseModel):
    user_id: int
    roles: list[RoleAssignmentPublic]


class RoleGrantRequest(BaseModel):
    """A role and its scope: a leader takes a unit or a municipality, a municipal
    administrator a municipality, an instructor or administrator neither."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    municipality_number: str | None = Field(default=None, pattern=r"^\d{4}$", examples=["3203"])
    unit_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
