"""Request and response bodies of the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.services.contracts import UserBase
from certificates.codes import EXAMPLE_CODE
from course.progress import ModuleStatus


class UserPublic(UserBase):
    """An account; ``api.http.presenters.user_public`` makes one from a ``User``."""

    id: int
    municipality: str | None = Field(
        description="The municipality's name in the register; null until one matched",
        examples=["Asker"],
    )
    municipality_number: str | None = Field(examples=["3203"])
    county: str | None = Field(description="The municipality's county", examples=["Akershus"])
    municipality_unmatched: str | None = Field(
        description="What was given where no municipality matched (null once one is set)"
    )
    department_unmatched: str | None = Field(
        default=None, description="A department from before units that could not be placed"
    )
    is_active: bool
    created_at: datetime


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]


class QueueReadiness(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    due: int = Field(description="Queued jobs that are due to run")
    oldest_due_seconds: float | None = Field(
        description="How long the oldest due job has waited (null: none is due)"
    )
    workers: int = Field(description="Live workers that take jobs from this queue")


class Readiness(BaseModel):
    """Ready for traffic; queues without a live worker are named but do not make it unready."""

    model_config = ConfigDict(from_attributes=True)

    status: Literal["ok"] = "ok"
    database: Literal["ok"] = "ok"
    queues: dict[str, QueueReadiness]
    unserved: list[str] = Field(description="Queues that no live worker takes jobs from")


class ProgressSummary(BaseModel):
    """Progress over the modules that count for completion; optional modules apart."""

    completed_modules: int = Field(description="Required modules completed")
    total_modules: int = Field(description="Required modules (all, if none is required)")
    percent: int = Field(description="completed_modules of total_modules; 100 means completed")
    optional_completed: int
    optional_total: int
    completed_at: datetime | None


class ModuleOutline(BaseModel):
    slug: str
    title: str
    estimated_minutes: int
    required: bool
    has_quiz: bool
    status: ModuleStatus


class CourseOutline(BaseModel):
    title: str
    slug: str
    version: str
    description: str
    estimated_hours: float | None
    modules: list[ModuleOutline]
    progress: ProgressSummary


class OptionPublic(BaseModel):
    id: str
    text: str
    html: str


class QuestionPublic(BaseModel):
    id: str
    text: str
    html: str
    details_html: str
    kind: Literal["single", "multiple"]
    options: list[OptionPublic]


class QuizPublic(BaseModel):
    pass_mark: float
    questions: list[QuestionPublic]


class HeadingPublic(BaseModel):
    level: int
    id: str
    text: str


class ModulePublic(BaseModel):
    slug: str
    title: str
    revision: int
    estimated_minutes: int
    required: bool
    objectives: list[str]
    toc: list[HeadingPublic]
    html: str
    quiz: QuizPublic | None


class AttemptCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[
        Annotated[str, StringConstraints(max_length=80)],
        Annotated[list[Annotated[str, StringConstraints(max_length=8)]], Field(max_length=26)],
    ] = Field(max_length=200, examples=[{"forste-fase": ["b"], "aktorer": ["a", "c"]}])
    revision: int | None = Field(
        default=None, description="The revision the learner answered; 409 if it has changed."
    )


class OptionFeedback(BaseModel):
    option_id: str
    html: str


class QuestionResultPublic(BaseModel):
    id: str
    correct: bool
    selected: list[str]
    explanation: str = Field(description="HTML")
    feedback: list[OptionFeedback]


class AttemptResult(BaseModel):
    id: int
    score: float
    passed: bool
    revision: int
    created_at: datetime
    module_completed: bool
    course_completed: bool
    questions: list[QuestionResultPublic]


class AttemptSummary(BaseModel):
    id: int
    revision: int
    score: float
    passed: bool
    created_at: datetime


class ReadResult(BaseModel):
    status: ModuleStatus
    read_at: datetime


class ModuleProgressPublic(BaseModel):
    slug: str
    title: str
    status: ModuleStatus
    read_at: datetime | None
    completed_at: datetime | None
    best_score: float | None
    attempts: list[AttemptSummary]


class ProgressPublic(BaseModel):
    progress: ProgressSummary
    modules: list[ModuleProgressPublic]


class CertificateIssued(BaseModel):
    code: str = Field(examples=[EXAMPLE_CODE])
    verify_url: str
    pdf_url: str
    issued_at: datetime


class CertificateReissued(BaseModel):
    code: str = Field(examples=[EXAMPLE_CODE], description="The new certificate's code")
    replaces: str = Field(description="The revoked certificate's code; it stays revoked")
    holder_name: str
    verify_url: str
    issued_at: datetime


class Verification(BaseModel):
    valid: bool = Field(description="Issued, not revoked, and the holder's data not erased")
    code: str
    holder_name: str
    course_title: str
    completed_at: datetime
    issued_at: datetime
    revoked: bool
    revoked_at: datetime | None
    erased: bool = Field(description="The holder's personal data was erased; the name is gone")


class RevokeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)
    ] = Field(description="Why, for administrators only; the holder and the public never see it")
    message_to_holder: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None
    ) = Field(
        default=None,
        description=(
            "Shown to the holder on their certificate page and in the API's refusal, after a "
            "fixed explanation (revoked, no longer valid, ask the course coordinator)"
        ),
    )


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
Markdown = Annotated[str, StringConstraints(max_length=500_000)]


class ProblemPublic(BaseModel):
    line: int
    message: str
    severity: Literal["error", "warning"]


class ModuleSource(BaseModel):
    slug: str
    markdown: str
    revision: int


class SourceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    markdown: Markdown
    base_revision: int = Field(description="The revision the edit started from; 409 if stale")
    summary: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class ModuleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug = Field(examples=["digitale-tjenester"])
    markdown: Markdown
    position: int | None = Field(default=None, ge=1, le=9999)


class RevisionSaved(BaseModel):
    slug: str
    revision: int
    warnings: list[ProblemPublic]


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    markdown: Markdown
    slug: Slug | None = Field(default=None, description="The module being edited, if any")


class OptionWithAnswer(OptionPublic):
    correct: bool
    feedback_html: str | None


class QuestionWithAnswer(BaseModel):
    id: str
    text: str
    html: str
    details_html: str
    kind: Literal["single", "multiple"]
    explanation_html: str
    options: list[OptionWithAnswer]


class QuizWithAnswers(BaseModel):
    pass_mark: float
    questions: list[QuestionWithAnswer]


class PreviewResult(BaseModel):
    html: str | None
    title: str | None
    quiz: QuizWithAnswers | None
    errors: list[ProblemPublic]


class RevisionSummary(BaseModel):
    number: int
    title: str
    summary: str
    author: str | None
    created_at: datetime


class RevisionDetail(RevisionSummary):
    markdown: str


class AuthoringModule(BaseModel):
    slug: str
    title: str
    position: int
    revision: int
    updated_at: datetime
    archived_at: datetime | None


class ModuleOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slugs: list[Annotated[str, StringConstraints(max_length=80)]] = Field(max_length=500)


class GiftImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gift: Annotated[str, StringConstraints(max_length=1_000_000)] = Field(
        description="The GIFT text: single- and multiple-choice questions"
    )
    dry_run: bool = Field(default=False, description="Check and preview; save nothing")


class GiftImported(BaseModel):
    slug: str
    questions: int
    dry_run: bool
    revision: int | None = Field(description="The new revision; null in a dry run or if unchanged")
    markdown: str = Field(description="The module's Markdown with the imported quiz")
