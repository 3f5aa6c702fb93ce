"""The municipality's portfolio: the projects of the units a leader leads or a municipal
administrator administers, with their challenge, the phase reached and the feedback.

Which projects: ``scope.portfolio_projects`` (an author inside the caller's granted
scope). The challenge is the field ``course.toml`` names (``[workbook] challenge``); the
phase is the last module in course order whose workbook steps are all filled in.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from sqlmodel import Session, col, select

from api.data.models import OrgUnit, Project, ProjectMember, ProjectReview, User
from api.services import audit, workbook
from api.services.content import LiveModule
from api.services.project_review import review_state
from api.services.roster_export import neutralise
from api.services.scope import Actor, Capability, granted_scope, portfolio_projects
from course.models import CourseInfo

HEADER = ["Prosjekt", "Utfordring", "Fase nådd", "Tilbakemelding", "Enheter"]


@dataclass(frozen=True, slots=True)
class PortfolioRow:
    project_id: int
    title: str
    challenge: str
    phase: str  # the title of the module reached, or ""
    feedback: str
    units: list[str]

    def cells(self) -> list[str]:
        return [self.title, self.challenge, self.phase, self.feedback, ", ".join(self.units)]


def _phase(plan: workbook.Plan, modules: Sequence[LiveModule]) -> str:
    reached = ""
    for module in modules:
        entries = [e for e in plan.entries if e.module.id == module.id]
        if entries and all(e.revision and not e.missing for e in entries):
            reached = module.content.title
    return reached


def _challenge(plan: workbook.Plan, info: CourseInfo) -> str:
    if info.challenge is None:
        return ""
    step_id, field_id = info.challenge
    for entry in plan.entries:
        if entry.step.id == step_id:
            value = entry.values.get(field_id, "")
            return value if isinstance(value, str) else ""
    return ""


def portfolio(
    *, session: Session, actor: Actor, modules: Sequence[LiveModule], info: CourseInfo
) -> list[PortfolioRow]:
    """The projects with an author in the caller's units, oldest first."""
    projects = session.exec(
        select(Project).where(portfolio_projects(actor)).order_by(col(Project.id)).limit(5000)
    ).all()
    ids = [p.id for p in projects]
    units: dict[int, set[str]] = {}
    for project_id, name in session.exec(
        select(ProjectMember.project_id, OrgUnit.name)
        .join(User, col(User.id) == col(ProjectMember.user_id))
        .join(OrgUnit, col(OrgUnit.id) == col(User.unit_id))
        .where(col(ProjectMember.project_id).in_(ids))
    ):
        units.setdefault(project_id, set()).add(name)
    latest: dict[int, ProjectReview] = {}
    for found in session.exec(
        select(ProjectReview)
        .where(col(ProjectReview.project_id).in_(ids), col(ProjectReview.step_id).is_(None))
        .order_by(col(ProjectReview.id))
    ):
        latest[found.project_id] = found
    rows = []
    for project in projects:
        assert project.id is not None
        plan = workbook.project_plan(session=session, project=project, modules=modules)
        review = latest.get(project.id)
        rows.append(
            PortfolioRow(
                project.id,
                project.title or f"Prosjekt {project.id}",
                _challenge(plan, info),
                _phase(plan, modules),
                review_state(review, plan).label if review else "Ikke sendt inn",
                sorted(units.get(project.id, set())),
            )
        )
    return rows


def _cell(value: str) -> str:
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))


def xlsx(rows: Sequence[PortfolioRow]) -> bytes:
    """The portfolio as an Excel workbook, every text neutralised against formulas."""
    book = Workbook(write_only=True)
    sheet: Any = book.create_sheet("Prosjekter")
    heading = []
    for name in HEADER:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        sheet.append([_cell(value) for value in row.cells()])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export(
    *, session: Session, actor: Actor, modules: Sequence[LiveModule], info: CourseInfo
) -> bytes:
    """The portfolio as Excel, audited with the scope it covered."""
    rows = portfolio(session=session, actor=actor, modules=modules, info=info)
    audit.record(
        session=session,
        actor=actor.account,
        action=audit.Action.WORKBOOK_PORTFOLIO_EXPORT,
        target=audit.user_target(actor.account.id),
        details={
            "rows": len(rows),
            "scope": granted_scope(actor, Capability.READ_PEOPLE).audited(),
        },
    )
    return xlsx(rows)
