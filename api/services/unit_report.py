"""Completion per organisation unit: each unit with everything below it, as leaders read it.

One grouped query counts the learners of each unit (enrolled, completed, in progress,
not started), narrowed to the reader's scope; the counts are then added up the tree
along each unit's path, so a unit's row includes all its units below. Erased learners
count, as in the municipality summary: their progress is part of the statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlmodel import Session

from api.data.models import Role, metadata
from api.services import org_units
from api.services.scope import Actor, Capability

_users = metadata.tables["user"]
_enrollments = metadata.tables["enrollment"]
_progress = metadata.tables["module_progress"]


@dataclass(frozen=True, slots=True)
class UnitRow:
    unit_id: int
    label: str  # the path of names
    depth: int
    closed: bool
    enrolled: int
    completed: int
    in_progress: int
    not_started: int

    @property
    def completion_rate(self) -> float:
        return round(self.completed / self.enrolled, 4) if self.enrolled else 0.0


def _direct_counts(
    session: Session, actor: Actor, municipality_number: str
) -> dict[int, tuple[int, int, int]]:
    """Unit id -> (enrolled, completed, started but not completed) of its own learners."""
    scope = actor.require(Capability.READ_PEOPLE)
    u, e, p = _users.c, _enrollments.c, _progress.c
    # Correlated, so only the people in scope are looked up (not every learner's progress).
    started = (
        select(p.user_id)
        .where(
            p.user_id == u.id,
            or_(p.read_at.is_not(None), p.attempt_count > 0, p.completed_at.is_not(None)),
        )
        .exists()
    )
    in_progress = case((e.completed_at.is_(None) & started, 1), else_=None)
    query = (
        select(u.unit_id, func.count(), func.count(e.completed_at), func.count(in_progress))
        .select_from(_users.join(_enrollments, e.user_id == u.id))
        .where(
            u.role == Role.LEARNER.value,
            u.unit_id.is_not(None),
            u.municipality_number == municipality_number,
            scope.people(),
        )
        .group_by(u.unit_id)
    )
    return {row[0]: (row[1], row[2], row[3]) for row in session.connection().execute(query)}


def unit_summary(
    *, session: Session, actor: Actor, municipality_number: str, unit_id: int | None = None
) -> list[UnitRow]:
    """The municipality's units the actor may read (or ``unit_id`` and those below it),
    in tree order, each with the learners of its whole subtree."""
    nodes = org_units.visible_tree(
        session=session, actor=actor, municipality_number=municipality_number, count_people=False
    )
    if unit_id is not None:
        top = org_units.visible_unit(session=session, actor=actor, unit_id=unit_id)
        nodes = [n for n in nodes if n.unit.path.startswith(top.path)]
    direct = _direct_counts(session, actor, municipality_number)
    paths = {n.unit.id: n.unit.path for n in nodes}
    totals: dict[int, list[int]] = {}
    for own_unit, counts in direct.items():
        # Each count goes to the unit and to every unit above it (the ids in its path).
        path = paths.get(own_unit)
        if path is None:
            continue  # a unit outside what the actor may read
        for ancestor in org_units.ids_in_path(path):
            sums = totals.setdefault(ancestor, [0, 0, 0])
            for index, value in enumerate(counts):
                sums[index] += value
    rows = []
    for node in nodes:
        assert node.unit.id is not None
        enrolled, completed, started = totals.get(node.unit.id, [0, 0, 0])
        rows.append(
            UnitRow(
                node.unit.id,
                node.label,
                node.unit.depth,
                node.unit.closed_at is not None,
                enrolled,
                completed,
                started,
                enrolled - completed - started,
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class Area:
    """A part of the tree someone leads: a unit with all below it, or a whole municipality."""

    municipality_number: str
    unit_id: int | None
    rows: list[UnitRow]


def led_areas(*, session: Session, actor: Actor) -> list[Area]:
    """Every unit and municipality the actor may read people in by an assignment, with the
    completion of each unit in it ("Mine enheter"); the installation admin's whole
    installation is not listed here (the administration pages show it)."""
    actor.require(Capability.READ_PEOPLE)
    areas = []
    seen: set[tuple[str, int | None]] = set()
    for grant in actor.grants:
        number = grant.municipality_number or grant.unit_municipality
        if number is None or (number, grant.unit_id) in seen:
            continue
        seen.add((number, grant.unit_id))
        rows = unit_summary(
            session=session, actor=actor, municipality_number=number, unit_id=grant.unit_id
        )
        areas.append(Area(number, grant.unit_id, rows))
    return areas
