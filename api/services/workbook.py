"""The project workbook: a learner's answers to the course's ``::: oppgave`` steps.

Answers belong to a project (the team the learner joined, else their personal
project, made on the first save: ``active_project``) and are kept per step, as JSON
checked against the step's fields (``course.workbook_values``). Every save raises the
step's revision; a save based on an older revision is refused with the version saved meanwhile
(``WorkbookConflict``), so two tabs or two team members never overwrite each other
silently. Each turn of writing is kept with its author (``workbook_revision``), so a step
shows who wrote in it and who saved last. Only the project's members read or write it
(``scope.member_projects``); teams themselves are ``api.services.workbook_teams``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.core.errors import (
    ProjectNotFound,
    UnprocessableError,
    WorkbookConflict,
    WorkbookStepNotFound,
)
from api.data.models import (
    Project,
    ProjectInvitation,
    ProjectMember,
    User,
    WorkbookEntry,
    WorkbookRevision,
    utcnow,
)
from api.services.content import LiveModule
from api.services.contracts import PersonalProject, PersonalWorkbookEntry, PersonalWorkbookRevision
from api.services.scope import member_projects
from course.workbook_models import WorkbookField, WorkbookStep
from course.workbook_values import Values, check_values, missing_fields

OWNER, MEMBER = "owner", "member"  # ``project_member.role``
FORMER_MEMBER = "Tidligere deltaker"  # an author whose data was erased
TURN = timedelta(minutes=15)  # saves by one author this close together are one revision


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
    authors: tuple[str, ...] = ()  # who wrote in the step, in the order they first did
    updated_by_name: str | None = None  # who saved last

    @property
    def missing(self) -> tuple[WorkbookField, ...]:
        return missing_fields(self.step, self.values)

    def current(self) -> dict[str, Any]:
        """The saved version as a conflict reports it."""
        return {
            "revision": self.revision,
            "values": self.values,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "updated_by_name": self.updated_by_name,
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
    """The project named (a member's, else 404), or the learner's active one if any."""
    query = select(Project).where(member_projects(user_id))
    if project_id is None:
        # A team the learner joined comes first; their personal project stays theirs.
        team = session.exec(query.where(not_personal(user_id))).first()
        if team is not None:
            return team
        return session.exec(query.where(Project.personal_owner_id == user_id)).first()
    found = session.exec(query.where(Project.id == project_id)).first()
    if found is None:
        raise ProjectNotFound()
    return found


def not_personal(user_id: int) -> ColumnElement[bool]:
    """The condition on ``project`` rows that are not the account's personal project."""
    return or_(col(Project.personal_owner_id).is_(None), col(Project.personal_owner_id) != user_id)


def member_project(*, session: Session, user_id: int, project_id: int) -> Project:
    """The project if the account is a member of it; else ProjectNotFound (404)."""
    found = _project(session=session, user_id=user_id, project_id=project_id)
    assert found is not None
    return found


def delete_projects(session: Session, ids: SelectOfScalar[Any]) -> None:
    """Delete these projects with everything in them."""
    entries = select(WorkbookEntry.id).where(col(WorkbookEntry.project_id).in_(ids))
    session.exec(delete(WorkbookRevision).where(col(WorkbookRevision.entry_id).in_(entries)))
    session.exec(delete(WorkbookEntry).where(col(WorkbookEntry.project_id).in_(ids)))
    session.exec(delete(ProjectInvitation).where(col(ProjectInvitation.project_id).in_(ids)))
    session.exec(delete(ProjectMember).where(col(ProjectMember.project_id).in_(ids)))
    session.exec(delete(Project).where(col(Project.id).in_(ids)))


def personal_project_id(*, session: Session, user_id: int) -> int | None:
    """The learner's personal project, if they have made one."""
    return session.exec(select(Project.id).where(Project.personal_owner_id == user_id)).first()


def active_project(*, session: Session, user_id: int) -> Project:
    """The project the learner's module pages write to, made now if this is the first save."""
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


Authorship = tuple[tuple[str, ...], str | None]  # who wrote in a step, who saved last


def _authorship(session: Session, rows: Sequence[WorkbookEntry]) -> dict[int, Authorship]:
    """Per entry id: the names of its authors (first turn first) and of its last saver."""
    ids = [row.id for row in rows if row.id is not None]
    if not ids:
        return {}
    written: dict[int, list[str]] = {i: [] for i in ids}
    turns = session.exec(
        select(WorkbookRevision.entry_id, User.full_name)
        .outerjoin(User, col(User.id) == col(WorkbookRevision.author_id))
        .where(col(WorkbookRevision.entry_id).in_(ids))
        .order_by(col(WorkbookRevision.id))
    )
    for entry_id, name in turns:
        shown = name or FORMER_MEMBER
        if shown not in written[entry_id]:
            written[entry_id].append(shown)
    savers = {r.updated_by for r in rows if r.updated_by is not None}
    names = dict(
        session.exec(select(User.id, User.full_name).where(col(User.id).in_(savers))).all()
    )
    return {
        row.id: (
            tuple(written[row.id]),
            names.get(row.updated_by, FORMER_MEMBER) if row.updated_by else FORMER_MEMBER,
        )
        for row in rows
        if row.id is not None
    }


def _entry(
    module: LiveModule,
    step: WorkbookStep,
    row: WorkbookEntry | None,
    project_id: int | None,
    authorship: Authorship = ((), None),
) -> StepEntry:
    if row is None:
        return StepEntry(module, step, project_id, {})
    values = json.loads(row.field_values)
    # Fields removed from the step since are not shown (their text stays in the row).
    shown = {f.id: values[f.id] for f in step.fields if f.id in values}
    authors, last = authorship
    return StepEntry(
        module, step, project_id, shown, row.revision, row.updated_at, row.updated_by, authors, last
    )


def _full_entry(
    session: Session,
    module: LiveModule,
    step: WorkbookStep,
    row: WorkbookEntry | None,
    project_id: int | None,
) -> StepEntry:
    if row is None or row.id is None:
        return _entry(module, step, row, project_id)
    return _entry(module, step, row, project_id, _authorship(session, [row])[row.id])


def _record_turn(session: Session, row: WorkbookEntry, user_id: int, now: datetime) -> None:
    """Keep the saved version with its author: a new turn, or the author's current one."""
    assert row.id is not None
    last = session.exec(
        select(WorkbookRevision)
        .where(WorkbookRevision.entry_id == row.id)
        .order_by(col(WorkbookRevision.id).desc())
        .limit(1)
    ).first()
    if last is None or last.author_id != user_id or now - last.saved_at >= TURN:
        last = WorkbookRevision(entry_id=row.id, author_id=user_id, started_at=now, revision=0,
                                field_values="", saved_at=now)  # fmt: skip
    last.revision, last.field_values, last.saved_at = row.revision, row.field_values, now
    session.add(last)


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
    return _full_entry(session, module, step, row, project.id)


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
        project = active_project(session=session, user_id=user_id)
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
    elif row.field_values == encoded:  # the same text again: nothing to refuse
        return _full_entry(session, module, step, row, project.id)
    elif row.revision != base_revision:
        raise WorkbookConflict(_full_entry(session, module, step, row, project.id).current())
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
    assert row is not None
    _record_turn(session, row, user_id, now)
    project.updated_at = now
    session.add(project)
    session.flush()
    return _full_entry(session, module, step, row, project.id)


def _conflict(
    session: Session, module: LiveModule, step: WorkbookStep, project_id: int
) -> WorkbookConflict:
    row = _entry_row(session=session, project_id=project_id, step_id=step.id)
    return WorkbookConflict(_full_entry(session, module, step, row, project_id).current())


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
    authorship = _authorship(session, list(rows.values()))
    entries = []
    for module in modules:
        for step in module.content.workbook:
            row = rows.get(step.id)
            written = authorship.get(row.id or 0, ((), None)) if row else ((), None)
            entries.append(_entry(module, step, row, pid, written))
    return Plan(project, entries)


# Personal data (``api.services.privacy``)


def export_projects(*, session: Session, user_id: int) -> list[PersonalProject]:
    """The person's projects with every entry in them, as stored (for the data export)."""
    projects = session.exec(
        select(Project).where(member_projects(user_id)).order_by(col(Project.id))
    ).all()
    roles = dict(
        session.exec(
            select(ProjectMember.project_id, ProjectMember.role).where(
                ProjectMember.user_id == user_id
            )
        ).all()
    )
    entries = session.exec(
        select(WorkbookEntry)
        .where(col(WorkbookEntry.project_id).in_([p.id for p in projects]))
        .order_by(col(WorkbookEntry.step_id))
    ).all()
    return [
        PersonalProject(
            id=project.id or 0,
            title=project.title,
            role=roles.get(project.id or 0, MEMBER),
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


def export_revisions(*, session: Session, user_id: int) -> list[PersonalWorkbookRevision]:
    """Every version the person saved in any project, also in teams they have left."""
    found = session.exec(
        select(WorkbookRevision, WorkbookEntry)
        .join(WorkbookEntry, col(WorkbookEntry.id) == col(WorkbookRevision.entry_id))
        .where(WorkbookRevision.author_id == user_id)
        .order_by(col(WorkbookRevision.id))
    ).all()
    return [
        PersonalWorkbookRevision(
            project_id=entry.project_id,
            step_id=entry.step_id,
            revision=turn.revision,
            values=json.loads(turn.field_values),
            started_at=turn.started_at,
            saved_at=turn.saved_at,
        )
        for turn, entry in found
    ]


def erase(*, session: Session, user_id: int) -> None:
    """Remove the person's text and authorship from the workbook, keep the others'.

    A personal project nobody else is in is deleted with its answers. A team project
    stays for its other members (the owner's role passes to the longest-standing
    member): the person's saved versions are deleted, and a step they saved last goes
    back to the latest version someone else saved (or is deleted if there is none).
    Text another member saved on top of the person's stays, as that member's version.
    """
    others = select(ProjectMember.project_id).where(ProjectMember.user_id != user_id)
    alone = select(Project.id).where(
        Project.personal_owner_id == user_id, col(Project.id).not_in(others)
    )
    delete_projects(session, alone)
    for team in session.exec(select(Project).where(member_projects(user_id))).all():
        hand_over(session, team, user_id)
    touched = session.exec(
        select(WorkbookEntry).where(
            col(WorkbookEntry.id).in_(
                select(WorkbookRevision.entry_id).where(WorkbookRevision.author_id == user_id)
            )
            | (col(WorkbookEntry.updated_by) == user_id)
        )
    ).all()
    session.exec(delete(WorkbookRevision).where(col(WorkbookRevision.author_id) == user_id))
    now = utcnow()
    for row in touched:
        if row.updated_by == user_id:
            _go_back(session, row, now)
    session.exec(delete(ProjectInvitation).where(col(ProjectInvitation.invitee_id) == user_id))
    session.exec(
        update(ProjectInvitation)
        .where(col(ProjectInvitation.invited_by) == user_id)
        .values(invited_by=None)
    )
    session.exec(delete(ProjectMember).where(col(ProjectMember.user_id) == user_id))
    session.flush()


def hand_over(session: Session, project: Project, user_id: int) -> None:
    """Before the owner goes, the team's project becomes the team's: the oldest member owns it."""
    mine = session.get(ProjectMember, (project.id, user_id))
    if project.personal_owner_id != user_id and (mine is None or mine.role != OWNER):
        return
    heir = session.exec(
        select(ProjectMember)
        .where(ProjectMember.project_id == project.id, ProjectMember.user_id != user_id)
        .order_by(col(ProjectMember.joined_at), col(ProjectMember.user_id))
    ).first()
    project.personal_owner_id = None
    session.add(project)
    if heir is not None:
        heir.role = OWNER
        session.add(heir)
    session.flush()


def _go_back(session: Session, row: WorkbookEntry, now: datetime) -> None:
    """A step the erased person saved last: back to the latest version by someone else."""
    earlier = session.exec(
        select(WorkbookRevision)
        .where(WorkbookRevision.entry_id == row.id)
        .order_by(col(WorkbookRevision.id).desc())
    ).first()
    if earlier is None:
        session.delete(row)
        return
    # A new revision, so that a page still showing the erased text cannot save over it.
    row.field_values, row.updated_by = earlier.field_values, earlier.author_id
    row.revision, row.updated_at = row.revision + 1, now
    session.add(row)
