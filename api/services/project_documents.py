"""The project plan as documents (PDF and Word) for the people who may read the project.

The plan is read through ``workbook.plan`` (so the access rule is the workbook's own,
``scope.member_projects``: 404 for anyone else's project), turned into the renderer's
plain data (labels instead of ids, option labels, dates in words), and rendered by
``certificates.project_plan`` in the caller's read transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from api.data.models import Municipality, ProjectMember, User
from api.services import project_review, workbook
from api.services.certificates import NORWAY
from api.services.content import LiveModule
from api.services.scope import Actor
from api.services.workbook import Plan, StepEntry
from certificates.project_plan import (
    Items,
    PlanData,
    PlanField,
    PlanStep,
    Risk,
    Risks,
    Table,
    Text,
    Value,
    render_docx,
    render_pdf,
)
from certificates.render import format_date
from course.models import CourseInfo
from course.workbook_models import WorkbookField

UNTITLED = "Prosjektplan"
CHALLENGE_START = "hvordan kan vi"  # the challenge as a question, "Hvordan kan vi …?"
CHALLENGE_FIELD = "utfordring"  # the field id that holds it otherwise


class PlanFormat(StrEnum):
    PDF = "pdf"
    DOCX = "docx"


MEDIA_TYPES = {
    PlanFormat.PDF: "application/pdf",
    PlanFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True, slots=True)
class PlanDocument:
    content: bytes
    filename: str
    media_type: str


def _scale(value: Any) -> int | None:
    return value if isinstance(value, int) else None


def _value(item: WorkbookField, value: Any) -> Value | None:
    """A stored value as the documents show it; None when nothing is filled in."""
    if value in (None, "", []):
        return None
    if item.kind == "list":
        return Items(tuple(str(v) for v in value))
    if item.kind == "risks":
        return Risks(tuple(
            Risk(str(r.get("hendelse", "")), _scale(r.get("sannsynlighet")),
                 _scale(r.get("konsekvens")), str(r.get("tiltak", "")))
            for r in value
        ))  # fmt: skip
    if item.table_like:
        columns = item.columns
        rows = tuple(tuple(str(r.get(c.id, "")) for c in columns) for r in value)
        return Table(tuple(c.label for c in columns), rows)
    if item.kind == "choice":
        labels = {o.id: o.label for o in item.options}
        return Text(labels.get(str(value), str(value)))
    if item.kind == "date":
        try:
            return Text(format_date(date.fromisoformat(str(value))))
        except ValueError:
            return Text(str(value))
    return Text(str(value), long=item.kind == "long")


def _step(entry: StepEntry) -> PlanStep:
    fields = tuple(PlanField(f.label, _value(f, entry.values.get(f.id))) for f in entry.step.fields)
    return PlanStep(entry.module.content.title, entry.step.title, fields)


def _texts(found: Plan) -> list[tuple[WorkbookField, str]]:
    return [
        (f, value.strip())
        for e in found.entries
        for f in e.step.fields
        if f.kind in ("short", "long") and isinstance(value := e.values.get(f.id), str)
    ]


def _title(found: Plan) -> str:
    """The project's title, else its first short answer (the course's first step names it)."""
    if found.project is not None and found.project.title.strip():
        return found.project.title.strip()
    return next((text for f, text in _texts(found) if f.kind == "short" and text), UNTITLED)


def _challenge(found: Plan, info: CourseInfo) -> str | None:
    """The field ``course.toml`` names (``[workbook] challenge``), else the first answer
    that asks "Hvordan kan vi …", else a field called ``utfordring``."""
    if info.challenge is not None:
        step_id, field_id = info.challenge
        named = next((e for e in found.entries if e.step.id == step_id), None)
        value = named.values.get(field_id) if named is not None else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    texts = _texts(found)
    question = next((t for _, t in texts if t.lower().startswith(CHALLENGE_START)), None)
    return question or next((t for f, t in texts if f.id == CHALLENGE_FIELD and t), None)


def _people(
    session: Session, found: Plan, user_id: int | None
) -> tuple[tuple[str, ...], str | None]:
    """The authors (the members, in the order they joined) and the project's municipality."""
    if found.project is None or found.project.id is None:
        user = session.get(User, user_id) if user_id is not None else None
        if user is None:
            return (), None
        return (user.full_name,), user.municipality.name if user.municipality else None
    names = session.exec(
        select(User.full_name)
        .join(ProjectMember, col(ProjectMember.user_id) == col(User.id))
        .where(ProjectMember.project_id == found.project.id)
        .order_by(col(ProjectMember.joined_at), col(User.id))
    ).all()
    number = found.project.municipality_number
    municipality = session.get(Municipality, number) if number else None
    return tuple(names), municipality.name if municipality else None


def plan_data(
    *,
    session: Session,
    user_id: int,
    modules: Sequence[LiveModule],
    info: CourseInfo,
    project_id: int | None = None,
    today: date | None = None,
) -> PlanData:
    """The plan of a project the caller is a member of (default: their own), for the renderers.

    Raises:
        ProjectNotFound: the project is not one of the caller's (404).
    """
    found = workbook.plan(session=session, user_id=user_id, modules=modules, project_id=project_id)
    return _data(session, found, user_id, info, today=today)


def _data(
    session: Session,
    found: Plan,
    user_id: int | None,
    info: CourseInfo,
    *,
    today: date | None = None,
    named: bool = True,
) -> PlanData:
    authors, municipality = _people(session, found, user_id) if named else ((), None)
    return PlanData(
        title=_title(found),
        challenge=_challenge(found, info),
        authors=authors,
        municipality=municipality,
        made_on=today or datetime.now(NORWAY).date(),
        course_title=info.title,
        steps=tuple(_step(e) for e in found.entries),
        language=info.language if info.language in ("nb", "nn") else "nb",
    )


def _render(format: PlanFormat, data: PlanData) -> bytes:
    # Rendered on every download: a cache would keep people's plans in the process's
    # memory after they are changed or erased.
    return render_pdf(data) if format is PlanFormat.PDF else render_docx(data)


def plan_document(
    *,
    session: Session,
    user_id: int,
    modules: Sequence[LiveModule],
    info: CourseInfo,
    format: PlanFormat,
    project_id: int | None = None,
) -> PlanDocument:
    """The plan as a PDF or Word file (404 for a project that is not the caller's)."""
    data = plan_data(
        session=session, user_id=user_id, modules=modules, info=info, project_id=project_id
    )
    content = _render(format, data)
    name = f"prosjektplan-{project_id}" if project_id is not None else "prosjektplan"
    return PlanDocument(content, f"{name}-{data.made_on.isoformat()}.{format.value}",
                        MEDIA_TYPES[format])  # fmt: skip


def review_plan_document(
    *,
    session: Session,
    actor: Actor,
    review_id: int,
    modules: Sequence[LiveModule],
    info: CourseInfo,
    format: PlanFormat,
) -> PlanDocument:
    """The plan of a submission as a reviewer may read it (404 outside their reviews);
    without the authors' names for an instructor."""
    project, named = project_review.reviewed_project(
        session=session, actor=actor, review_id=review_id
    )
    found = workbook.project_plan(session=session, project=project, modules=modules)
    data = _data(session, found, None, info, named=named)
    return PlanDocument(
        _render(format, data),
        f"prosjektplan-vurdering-{review_id}-{data.made_on.isoformat()}.{format.value}",
        MEDIA_TYPES[format],
    )
