"""Request and response bodies of the administration API (users, reports, audit, privacy)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from api.models import Role
from api.schemas import NO_CONTROL_CHARACTERS, MunicipalityNumber
from course.progress import ModuleStatus

Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS
    ),
]
MunicipalityName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=NO_CONTROL_CHARACTERS
    ),
]
Department = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200, pattern=NO_CONTROL_CHARACTERS)
]


class UserAdmin(BaseModel):
    """An account as administrators see it (erased accounts included)."""

    id: int
    email: str = Field(description="`erased-<id>@invalid` once the person's data is erased")
    full_name: str
    role: Role
    municipality: str
    municipality_number: str | None
    department: str | None
    is_active: bool
    has_password: bool = Field(description="False until the person has set a password")
    created_at: datetime
    erased_at: datetime | None


class UserUpdate(BaseModel):
    """Changed fields only; send `null` to clear the municipality number or department."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = Field(default=None, max_length=254)
    full_name: Name | None = None
    municipality: MunicipalityName | None = None
    municipality_number: MunicipalityNumber | None = None
    department: Department | None = None

    @field_validator("email", "full_name", "municipality", mode="before")
    @classmethod
    def _required_fields_cannot_be_cleared(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null")
        return value


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role


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
    municipality: str
    municipality_number: str | None
    enrolled: int = Field(description="Learners enrolled (erased and deactivated included)")
    started: int = Field(description="Learners who have read or attempted at least one module")
    completed: int
    completion_rate: float = Field(description="completed / enrolled, 0 to 1")


class RosterEntry(BaseModel):
    """One learner in the completion roster (the JSON format; CSV and XLSX have the same data)."""

    user_id: int
    full_name: str
    email: str
    municipality: str
    municipality_number: str | None
    department: str | None
    active: bool
    enrolled_on: date | None
    status: ModuleStatus
    modules_completed: int
    modules_total: int
    percent: int
    best_scores: dict[str, float | None] = Field(description="Best quiz score (0–1) per module")
    completed_on: date | None
    certificate_code: str | None
    certificate_status: str | None = Field(examples=["valid", "revoked"])


class PersonalAccount(BaseModel):
    id: int
    email: str
    full_name: str
    role: str
    municipality: str
    municipality_number: str | None
    department: str | None
    is_active: bool
    has_password: bool
    created_at: datetime


class PersonalModule(BaseModel):
    slug: str
    read_at: datetime | None
    passed_at: datetime | None
    completed_at: datetime | None
    best_score: float | None
    attempt_count: int


class PersonalAttempt(BaseModel):
    module: str
    revision: int
    answers: dict[str, Any]
    score: float
    passed: bool
    created_at: datetime


class PersonalCertificate(BaseModel):
    code: str
    course_title: str
    course_version: str
    holder_name: str
    municipality: str
    completed_at: datetime
    issued_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None


class PersonalSession(BaseModel):
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class PersonalSetupCode(BaseModel):
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


class PersonalLoginFailure(BaseModel):
    at: datetime
    client: str


class PersonalAuditEvent(BaseModel):
    at: datetime
    action: str
    target: str
    outcome: str
    role: str = Field(description="'actor' if you did it, 'target' if it was done to you")


class PersonalDataExport(BaseModel):
    """Everything innostudy holds about the person (secrets such as hashes left out)."""

    exported_at: datetime
    account: PersonalAccount
    enrolled_at: datetime | None
    course_completed_at: datetime | None
    modules: list[PersonalModule]
    attempts: list[PersonalAttempt]
    certificates: list[PersonalCertificate]
    sessions: list[PersonalSession]
    password_setup_codes: list[PersonalSetupCode]
    failed_logins: list[PersonalLoginFailure]
    audit_events: list[PersonalAuditEvent]
    authored_revisions: list[str] = Field(description="Module revisions written, as slug@number")
