"""Completion deadlines: the day by which a municipality's or a unit's people should have
completed the course, and who is due a reminder of one (``email_delivery``).

A deadline belongs to a municipality or to a unit (and everything below it), one per
each; setting it again moves it. Municipal administrators set those of their
municipalities (``Capability.MANAGE_UNITS``), installation administrators all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from api.core.errors import DeadlineNotFound
from api.data.models import (
    CompletionDeadline,
    EmailPreference,
    Enrollment,
    OrgUnit,
    Role,
    User,
    utcnow,
)
from api.services import audit, org_units
from api.services.scope import Actor, Capability, scope_key


def _target(deadline: CompletionDeadline) -> str:
    return f"deadline:{deadline.scope_key}"


def _municipality_of(session: Session, deadline: CompletionDeadline) -> str | None:
    if deadline.municipality_number is not None:
        return deadline.municipality_number
    unit = session.get(OrgUnit, deadline.unit_id)
    return unit.municipality_number if unit is not None else None


def set_deadline(
    *,
    session: Session,
    actor: Actor,
    due_on: date,
    municipality_number: str | None = None,
    unit_id: int | None = None,
) -> CompletionDeadline:
    """Set (or move) the deadline of a municipality or of a unit the actor administers."""
    if (municipality_number is None) == (unit_id is None):
        raise ValueError("a deadline is for a municipality or for a unit")  # the doors check
    if unit_id is not None:
        unit = org_units.managed_unit(session=session, actor=actor, unit_id=unit_id)
        number = unit.municipality_number
    else:
        assert municipality_number is not None
        number = org_units.get_municipality(session=session, number=municipality_number).number
        org_units.check_manages(actor, number)
    key = scope_key(municipality_number=None if unit_id else number, unit_id=unit_id)
    deadline = session.exec(
        select(CompletionDeadline).where(col(CompletionDeadline.scope_key) == key)
    ).first()
    previous = None
    if deadline is None:
        deadline = CompletionDeadline(
            municipality_number=None if unit_id else number,
            unit_id=unit_id,
            scope_key=key,
            due_on=due_on,
            set_by=actor.user_id,
            set_at=utcnow(),
        )
        session.add(deadline)
    else:
        previous = deadline.due_on.isoformat()
        deadline.due_on, deadline.set_by, deadline.set_at = due_on, actor.user_id, utcnow()
    session.flush()
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.DEADLINE_SET,
        target=_target(deadline),
        details={"due_on": due_on.isoformat(), **({"from": previous} if previous else {})},
        municipality=number,
    )
    return deadline


def _managed(session: Session, actor: Actor, deadline_id: int) -> CompletionDeadline:
    deadline = session.get(CompletionDeadline, deadline_id)
    scope = actor.require(Capability.MANAGE_UNITS)
    if deadline is None or not scope.covers_municipality(_municipality_of(session, deadline)):
        raise DeadlineNotFound()
    return deadline


def remove_deadline(*, session: Session, actor: Actor, deadline_id: int) -> None:
    deadline = _managed(session, actor, deadline_id)
    number = _municipality_of(session, deadline)
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.DEADLINE_REMOVE,
        target=_target(deadline),
        municipality=number,
    )
    session.delete(deadline)
    session.flush()


def list_deadlines(*, session: Session, actor: Actor) -> Sequence[CompletionDeadline]:
    """The deadlines in the municipalities the actor administers, soonest first."""
    scope = actor.require(Capability.MANAGE_UNITS)
    in_units = col(CompletionDeadline.unit_id).in_(select(OrgUnit.id).where(scope.units()))
    query = select(CompletionDeadline)
    if not scope.everything:
        query = query.where(
            or_(col(CompletionDeadline.municipality_number).in_(scope.municipalities), in_units)
        )
    return session.exec(
        query.order_by(col(CompletionDeadline.due_on), col(CompletionDeadline.id))
    ).all()


def _unit_deadline_paths(session: Session) -> dict[int, str]:
    """The path of each unit that has a deadline of its own, by deadline id."""
    rows = session.exec(
        select(CompletionDeadline.id, OrgUnit.path).join(
            OrgUnit, col(OrgUnit.id) == CompletionDeadline.unit_id
        )
    ).all()
    return {deadline_id: path for deadline_id, path in rows if deadline_id is not None}


def reminders_due(
    *, session: Session, today: date, days_before: int
) -> Iterator[tuple[CompletionDeadline, list[int]]]:
    """Each deadline whose reminder period holds ``today``, with the learners it applies to
    who have not completed and have not turned reminders off.

    The nearest deadline applies: a unit's own deadline, else that of the nearest unit
    above it that has one, else the municipality's.
    """
    soon = session.exec(
        select(CompletionDeadline)
        .where(
            col(CompletionDeadline.due_on) >= today,
            col(CompletionDeadline.due_on) <= today + timedelta(days=days_before),
        )
        .order_by(col(CompletionDeadline.id))
    ).all()
    unit_paths = _unit_deadline_paths(session) if soon else {}
    for deadline in soon:
        if deadline.unit_id is not None:
            unit = session.get(OrgUnit, deadline.unit_id)
            if unit is None or unit.closed_at is not None:
                continue
            own = unit.path
            in_scope = org_units.in_subtree(own)
            nested = [p for p in unit_paths.values() if p != own and p.startswith(own)]
        else:
            in_scope = col(User.municipality_number) == deadline.municipality_number
            nested = list(unit_paths.values())  # a unit of another municipality matches no one
        unsubscribed = select(EmailPreference.user_id).where(
            col(EmailPreference.reminders_off_at).is_not(None)
        )
        completed = select(Enrollment.user_id).where(col(Enrollment.completed_at).is_not(None))
        query = select(User.id).where(
            in_scope,
            col(User.role) == Role.LEARNER,
            col(User.is_active),
            col(User.erased_at).is_(None),
            col(User.id).not_in(completed),
            col(User.id).not_in(unsubscribed),
        )
        if nested:
            below = or_(*(org_units.in_subtree(path) for path in sorted(nested)))
            query = query.where(or_(col(User.unit_id).is_(None), ~below))  # NULL IN (…) is NULL
        ids = session.exec(query.order_by(col(User.id))).all()
        yield deadline, [user_id for user_id in ids if user_id is not None]
