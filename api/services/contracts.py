"""Typed inputs and outputs of the services that every front door shares.

The JSON API documents these models as they are (``api.http.schemas`` re-exports
them), the pages and the command line validate with the same ones, and the
services never depend on how a request arrived.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from api.data.models import INSTALLATION_ROLES, Role
from course.frontmatter import SLUG_RE
from course.progress import ModuleStatus
from course.scorm import ScormVersion

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
MunicipalityNumber = Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
# For input: PostgreSQL cannot store NUL, and no control character belongs in a name.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"


def _installation_role(value: Role) -> Role:
    if value not in INSTALLATION_ROLES:
        raise ValueError("leader and municipal_admin are granted with a scope (/users/{id}/roles)")
    return value


# learner, instructor or admin: leaders and municipal administrators are scoped assignments
InstallationRole = Annotated[Role, AfterValidator(_installation_role)]


class UserBase(BaseModel):
    email: EmailStr = Field(max_length=254, examples=["kari.nordmann@asker.kommune.no"])
    full_name: Text = Field(examples=["Áigin Ŋuolla Čuđe"])
    role: InstallationRole = Role.LEARNER
    unit_id: Annotated[int, Field(ge=1, le=2_147_483_647)] | None = Field(
        default=None, description="The primary organisation unit, in the person's municipality"
    )


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
MUNICIPALITY_INPUT = (
    "The municipality as a name in any official form (case and accents do not matter: "
    '"baerum", "Guovdageaidnu"), a four-digit number ("3201", an old number is followed '
    'to its successor) or both ("3201 Bærum"); it must match exactly one municipality '
    "in the register, else 422 `municipality_invalid`."
)
MUNICIPALITY_NUMBER_INPUT = (
    "The municipality's number; when given it decides, and `municipality` (if also "
    "given) must name the same municipality. Kept for clients of the free-text era."
)


class MunicipalityInput(BaseModel):
    """A municipality as a person gives it; ``api.services.user_municipality`` finds it."""

    municipality: MunicipalityName | None = Field(
        default=None, description=MUNICIPALITY_INPUT, examples=["Asker", "3203"]
    )
    municipality_number: MunicipalityNumber | None = Field(
        default=None, description=MUNICIPALITY_NUMBER_INPUT, examples=["3203"]
    )

    @property
    def municipality_given(self) -> bool:
        return self.municipality is not None or self.municipality_number is not None


class UserCreate(UserBase, MunicipalityInput):
    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(default=None, min_length=10, max_length=200)

    @field_validator("full_name")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(NO_CONTROL_CHARACTERS, value):
            raise ValueError("must not contain control characters")
        return value

    @model_validator(mode="after")
    def _municipality_required(self) -> UserCreate:
        if not self.municipality_given:
            raise ValueError("municipality or municipality_number is required")
        return self


class UserUpdate(MunicipalityInput):
    """Changed fields only; send `null` to clear the unit. A municipality, once set, can
    be changed but not cleared."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = Field(default=None, max_length=254)
    full_name: Name | None = None
    unit_id: Annotated[int, Field(ge=1, le=2_147_483_647)] | None = None

    @field_validator("email", "full_name", "municipality", "municipality_number", mode="before")
    @classmethod
    def _required_fields_cannot_be_cleared(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null")
        return value


UnitName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f/]*$"
    ),
]
# Checked by ``api.core.org_numbers`` in the service, for a message that says what is wrong.
OrgNumberText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)]
UnitId = Annotated[int, Field(ge=1, le=2_147_483_647)]


class UnitCreate(BaseModel):
    """A new organisation unit: at the top level, or under ``parent_id``."""

    model_config = ConfigDict(extra="forbid")

    name: UnitName = Field(
        examples=["Hjemmetjenesten"], description="No slash (/): it separates the levels of a path"
    )
    parent_id: UnitId | None = None
    org_number: OrgNumberText | None = Field(default=None, examples=["974760673"])


class UnitUpdate(BaseModel):
    """Changed fields only: a new name, an organisation number (`null` clears it), or a new
    parent (`null` moves the unit to the top level)."""

    model_config = ConfigDict(extra="forbid")

    name: UnitName | None = None
    org_number: OrgNumberText | None = None
    parent_id: UnitId | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _name_cannot_be_cleared(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null")
        return value


class PersonalAccount(BaseModel):
    id: int
    email: str
    full_name: str
    role: str
    municipality: str | None
    municipality_number: str | None
    county: str | None
    municipality_unmatched: str | None
    unit: str | None = Field(description="The primary unit's path of names")
    department_unmatched: str | None = Field(
        description="A department from before units that could not be placed in one"
    )
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
    holder_message: str | None


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


class PersonalXapiStatement(BaseModel):
    """An xAPI statement made about the person, and when the learning record store got it."""

    statement: dict[str, Any]
    created_at: datetime
    sent_at: datetime | None


class PersonalWorkbookEntry(BaseModel):
    step_id: str
    values: dict[str, Any]
    revision: int
    written_by_you: bool = Field(description="Whether you saved this revision")
    updated_at: datetime


class PersonalWorkbookRevision(BaseModel):
    """A version of a workbook step the person saved (one per turn of writing)."""

    project_id: int
    step_id: str
    revision: int
    values: dict[str, Any]
    started_at: datetime
    saved_at: datetime


class PersonalProject(BaseModel):
    """A project of the workbook that the person is a member of, with every step's answers."""

    id: int
    title: str
    role: str = Field(description="owner (your own project) or member (a team you joined)")
    created_at: datetime
    entries: list[PersonalWorkbookEntry]


class PersonalProjectReview(BaseModel):
    """Feedback on a plan: one of your projects that was submitted, or one you reviewed."""

    role: str = Field(description="author (your project) or reviewer (you answered it)")
    project_id: int
    step_id: str | None = Field(description="None: the whole plan")
    reviewer_kind: str
    status: str
    submitted_at: datetime
    reviewed_at: datetime | None
    comments: dict[str, str]


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
    xapi_statements: list[PersonalXapiStatement] = Field(
        default_factory=list, description="xAPI statements made for the learning record store"
    )
    projects: list[PersonalProject] = Field(
        default_factory=list, description="The workbook: your projects and your answers in them"
    )
    workbook_revisions: list[PersonalWorkbookRevision] = Field(
        default_factory=list,
        description="Every version of a workbook step you saved, in any project",
    )
    project_reviews: list[PersonalProjectReview] = Field(
        default_factory=list,
        description="Feedback on your projects' plans, and the feedback you gave as a reviewer",
    )


def _day(value: object) -> object:
    """A day as ISO (2026-12-31, what a date field sends) or as typed by hand (31.12.2026)."""
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", value.strip()):
        day, month, year = (int(part) for part in value.strip().split("."))
        try:
            return date(year, month, day)
        except ValueError:
            return value  # pydantic then says it is not a date
    return value


Day = Annotated[date, BeforeValidator(_day)]
FilterText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200, pattern=NO_CONTROL_CHARACTERS),
]
DATE_ORDER = "Til-datoen kan ikke være før fra-datoen."


class RosterFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


class Delimiter(StrEnum):
    SEMICOLON = "semicolon"
    COMMA = "comma"
    TAB = "tab"


class RosterFilters(BaseModel):
    """Which learners a roster holds: every filter given must match.

    The API reads it as query parameters; the roster page and the command line
    validate their own parameter names with it too, so all three accept the same.
    """

    model_config = ConfigDict(frozen=True)

    municipality: Annotated[FilterText, Field(max_length=100)] | None = Field(
        default=None,
        description="Municipality name (any official form, case and accents ignored), "
        "four-digit number, or an old number (finds its successor)",
        examples=["3203"],
    )
    county: Annotated[FilterText, Field(max_length=100)] | None = Field(
        default=None,
        description="County name (case and accents ignored) or two-digit county number",
        examples=["Akershus", "32"],
    )
    unit: Annotated[int, Field(ge=1, le=2_147_483_647)] | None = Field(
        default=None, description="Unit id: learners in this unit or any unit below it"
    )
    status: ModuleStatus | None = Field(default=None, description="Course status")
    completed_from: Day | None = Field(
        default=None, description="Completed on or after this day (Norway)"
    )
    completed_to: Day | None = Field(
        default=None,
        description="Completed on or before this day (Norway); not before completed_from",
    )

    @field_validator("completed_to")
    @classmethod
    def _not_before_from(cls, value: date | None, info: ValidationInfo) -> date | None:
        first = info.data.get("completed_from")
        if value is not None and first is not None and value < first:
            raise ValueError(DATE_ORDER)
        return value

    def audited(self) -> dict[str, str]:
        """The filters given, for the audit log (municipalities, units, dates)."""
        return {name: str(value) for name, value in self if value is not None}


class CourseForm(StrEnum):
    """The written form of Norwegian an edition of the course is in."""

    BOKMAL = "nb"
    NYNORSK = "nn"


class ScormExport(BaseModel):
    """Which SCORM package to build: the API's query, the instructor page's form, the CLI's
    options."""

    model_config = ConfigDict(frozen=True)

    version: ScormVersion = Field(description="SCORM 1.2 (for Moodle) or SCORM 2004 4th edition")
    module: Annotated[str, StringConstraints(pattern=SLUG_RE.pattern, max_length=80)] | None = (
        Field(default=None, description="One module's slug; the whole course when left out")
    )
    form: CourseForm = Field(default=CourseForm.BOKMAL, description="Bokmål or nynorsk")
    quiz: bool = Field(
        default=True,
        description="Include the quizzes; their answer key is then in the package",
    )


class GiftExport(BaseModel):
    """Which quizzes to write as GIFT: the API's query, the instructor page's link, the CLI."""

    model_config = ConfigDict(frozen=True)

    module: Annotated[str, StringConstraints(pattern=SLUG_RE.pattern, max_length=80)] | None = (
        Field(default=None, description="One module's slug; the whole course when left out")
    )
