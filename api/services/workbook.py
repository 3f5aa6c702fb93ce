"""The project workbook: a learner's answers to the course's ``::: oppgave`` steps.

Answers belong to a project (today every learner's personal project, made on the
first save) and are kept per step, as JSON checked against the step's fields
(``course.workbook_values``). Every save raises the step's revision; a save based
on an older revision is refused with the version saved meanwhile
(``WorkbookConflict``), so two tabs never overwrite each other silently. Only the
project's members read or write it (``scope.member_projects``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.core.errors import (
    ProjectNotFound,
    UnprocessableError,
    WorkbookConflict,
    WorkbookStepNotFound,
)
from api.data.models import Project, ProjectMember, User, WorkbookEntry, utcnow
from api.services.content import LiveModule
from api.services.contracts import PersonalProject, PersonalWorkbookEntry
from api.services.scope import member_projects
from course.workbook_models import WorkbookField, WorkbookStep
from course.workbook_values import Values, check_values, missing_fields


@dataclass(frozen=True, slots=True)
class StepEntry:
    """One step as a project has filled it in (revision 0: nothing saved yet)."""

    module: LiveModule
    step: WorkbookStep
    project_id: int | None
    values: Values
    revision: int = 0
    updated_at: datetime | None = None
    updated_by: int | None = None

    @property
    def missing(self) -> tuple[WorkbookField, ...]:
        return missing_fields(self.step, self.values)

    def current(self) -> dict[str, Any]:
        """The saved version as a conflict reports it."""
        return {
            "revision": self.revision,
            "values": self.values,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


@dataclass(frozen=True, slots=True)
class Plan:
    """The whole workbook of a project, step by step in course order."""

    project: Project | None
    entries: list[StepEntry]

    @property
    def filled_fields(self) -> int:
        return sum(len(e.step.fields) - len(e.missing) for e in self.entries)

    @property
    def total_fields(self) -> int:
        return sum(len(e.step.fields) for e in self.entries)


def find_step(
    modules: Sequence[LiveModule], step_id: str, *, slug: str | None = None
) -> tuple[LiveModule, WorkbookStep]:
    """The live step ``step_id`` (in module ``slug`` if given), or 404."""
    for module in modules:
        if slug is not None and module.slug != slug:
            continue
        for step in module.content.workbook:
            if step.id == step_id:
                return module, step
    raise WorkbookStepNotFound()


def _project(*, session: Session, user_id: int, project_id: int | None) -> Project | None:
    """The project named (a member's, else 404), or the learner's personal one if any."""
    query = select(Project).where(member_projects(user_id))
    if project_id is None:
        return session.exec(query.where(Project.personal_owner_id == user_id)).first()
    found = session.exec(query.where(Project.id == project_id)).first()
    if found is None:
        raise ProjectNotFound()
    return found


def _personal_project(*, session: Session, user_id: int) -> Project:
    """The learner's personal project, made now if this is the first save."""
    found = _project(session=session, user_id=user_id, project_id=None)
    if found is not None:
        return found
    user = session.get(User, user_id)
    now = utcnow()
    project = Project(
        municipality_number=user.municipality_number if user else None,
        personal_owner_id=user_id,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():  # another request may make it at the same moment
            session.add(project)
            session.flush()
            assert project.id is not None
            session.add(ProjectMember(project_id=project.id, user_id=user_id, joined_at=now))
            session.flush()
    except IntegrityError:
        found = _project(session=session, user_id=user_id, project_id=None)
        assert found is not None, "the personal project that was in the way has gone"
        return found
    return project


def _entry_row(*, session: Session, project_id: int, step_id: str) -> WorkbookEntry | None:
    return session.exec(
        select(WorkbookEntry)
        .where(WorkbookEntry.project_id == project_id, WorkbookEntry.step_id == step_id)
        .execution_options(populate_existing=True)
    ).first()


def _entry(
    module: LiveModule, step: WorkbookStep, row: WorkbookEntry | None, project_id: int | None
) -> StepEntry:
    if row is None:
        return StepEntry(module, step, project_id, {})
    values = json.loads(row.field_values)
    # Fields removed from the step since are not shown (their text stays in the row).
    shown = {f.id: values[f.id] for f in step.fields if f.id in values}
    return StepEntry(module, step, project_id, shown, row.revision, row.updated_at, row.updated_by)


def step_entry(
    *,
    session: Session,
    user_id: int,
    modules: Sequence[LiveModule],
    step_id: str,
    slug: str | None = None,
    project_id: int | None = None,
) -> StepEntry:
    """One step as the project (default: the learner's own) has filled it in."""
    module, step = find_step(modules, step_id, slug=slug)
    project = _project(session=session, user_id=user_id, project_id=project_id)
    if project is None or project.id is None:
        return _entry(module, step, None, None)
    row = _entry_row(session=session, project_id=project.id, step_id=step.id)
    return _entry(module, step, row, project.id)


def save_step(
    *,
    session: Session,
    user_id: int,
    modules: Sequence[LiveModule],
    step_id: str,
    values: object,
    base_revision: int,
    slug: str | None = None,
    project_id: int | None = None,
) -> StepEntry:
    """Save the step's values if ``base_revision`` is the revision saved now.

    Raises:
        UnprocessableError: a value does not fit its field (nothing is saved).
        WorkbookConflict: someone saved the step since ``base_revision``; carries that version.
    """
    module, step = find_step(modules, step_id, slug=slug)
    clean, problems = check_values(step, values)
    if problems:
        raise UnprocessableError(
            [{"loc": ["body", "values", *p.loc], "msg": p.msg} for p in problems]
        )
    if project_id is None:
        project = _personal_project(session=session, user_id=user_id)
    else:
        found = _project(session=session, user_id=user_id, project_id=project_id)
        assert found is not None
        project = found
    assert project.id is not None
    now = utcnow()
    encoded = json.dumps(clean, ensure_ascii=False, sort_keys=True)
    row = _entry_row(session=session, project_id=project.id, step_id=step.id)
    if row is None:
        row = WorkbookEntry(
            project_id=project.id,
            step_id=step.id,
            field_values=encoded,
            revision=1,
            updated_by=user_id,
            created_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # a first save from elsewhere came just before
            raise _conflict(session, module, step, project.id) from None
    elif row.field_values == encoded:
        return _entry(module, step, row, project.id)  # the same text again: nothing to refuse
    elif row.revision != base_revision:
        raise WorkbookConflict(_entry(module, step, row, project.id).current())
    else:
        # Conditional on the revision read, so that of two concurrent saves one loses.
        changed = session.exec(
            update(WorkbookEntry)
            .where(col(WorkbookEntry.id) == row.id, col(WorkbookEntry.revision) == base_revision)
            .values(
                field_values=encoded, revision=base_revision + 1, updated_by=user_id, updated_at=now
            )
        )
        if changed.rowcount != 1:
            raise _conflict(session, module, step, project.id)
        row = _entry_row(session=session, project_id=project.id, step_id=step.id)
    project.updated_at = now
    session.add(project)
    session.flush()
    return _entry(module, step, row, project.id)


def _conflict(
    session: Session, module: LiveModule, step: WorkbookStep, project_id: int
) -> WorkbookConflict:
    row = _entry_row(session=session, project_id=project_id, step_id=step.id)
    return WorkbookConflict(_entry(module, step, row, project_id).current())


def plan(
    *,
    session: Session,
    user_id: int,
    modules: Sequence[LiveModule],
    project_id: int | None = None,
) -> Plan:
    """Every step of the course in order, as the project (default: the learner's) has it."""
    project = _project(session=session, user_id=user_id, project_id=project_id)
    return project_plan(session=session, project=project, modules=modules)


def project_plan(
    *, session: Session, project: Project | None, modules: Sequence[LiveModule]
) -> Plan:
    """The plan of a project the caller may already read (a member's, or a reviewer's)."""
    rows: dict[str, WorkbookEntry] = {}
    if project is not None:
        found = session.exec(select(WorkbookEntry).where(WorkbookEntry.project_id == project.id))
        rows = {row.step_id: row for row in found}
    pid = project.id if project else None
    entries = [
        _entry(module, step, rows.get(step.id), pid)
        for module in modules
        for step in module.content.workbook
    ]
    return Plan(project, entries)


# Personal data (``api.services.privacy``)


def export_projects(*, session: Session, user_id: int) -> list[PersonalProject]:
    """The person's projects with every entry in them, as stored (for the data export)."""
    projects = session.exec(
        select(Project).where(member_projects(user_id)).order_by(col(Project.id))
    ).all()
    entries = session.exec(
        select(WorkbookEntry)
        .where(col(WorkbookEntry.project_id).in_([p.id for p in projects]))
        .order_by(col(WorkbookEntry.step_id))
    ).all()
    return [
        PersonalProject(
            id=project.id or 0,
            title=project.title,
            created_at=project.created_at,
            entries=[
                PersonalWorkbookEntry(
                    step_id=e.step_id,
                    values=json.loads(e.field_values),
                    revision=e.revision,
                    written_by_you=e.updated_by == user_id,
                    updated_at=e.updated_at,
                )
                for e in entries
                if e.project_id == project.id
            ],
        )
        for project in projects
    ]


def erase(*, session: Session, user_id: int) -> None:
    """Delete the person's personal project (its entries go with it) and memberships.

    A team project (later) keeps its other members' text; entries this person wrote
    there lose their author.
    """
    personal = select(Project.id).where(Project.personal_owner_id == user_id)
    session.exec(delete(WorkbookEntry).where(col(WorkbookEntry.project_id).in_(personal)))
    session.exec(delete(ProjectMember).where(col(ProjectMember.project_id).in_(personal)))
    session.exec(delete(Project).where(col(Project.personal_owner_id) == user_id))
    session.exec(
        update(WorkbookEntry)
        .where(col(WorkbookEntry.updated_by) == user_id)
        .values(updated_by=None)
    )
    session.exec(delete(ProjectMember).where(col(ProjectMember.user_id) == user_id))
    session.flush()
