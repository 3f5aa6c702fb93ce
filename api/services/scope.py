"""Who may see and change whose data: roles, their scopes, and the one people filter.

A person holds an installation-wide role (``user.role``: learner, instructor or
admin) and any number of scoped assignments (``role_assignment``): leader of a unit
(everything below it included) or of a municipality, municipal administrator of a
municipality. ``Actor`` gathers them once per request; ``Actor.scope`` turns them into
the ``Scope`` for one capability, and every service that returns or changes people's
data narrows its query with ``Scope.people()`` or fetches one person with
``person``. A person outside the caller's scope is *not found* (404), never
"forbidden": the answer must not tell that the person exists.

The command line acts as the operator of the installation (``Actor.operator()``),
who sees everything: whoever runs it can read the database anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import false, or_, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from api.core.errors import Forbidden, UserNotFound
from api.data.models import (
    OrgUnit,
    Project,
    ProjectMember,
    ProjectReview,
    ReviewerKind,
    Role,
    RoleAssignment,
    User,
)


class Capability(StrEnum):
    READ_PEOPLE = "read_people"  # rosters, summaries, accounts, progress
    MANAGE_PEOPLE = "manage_people"  # create, change, deactivate, import, erase accounts
    MANAGE_UNITS = "manage_units"  # the organisation tree
    GRANT_ROLES = "grant_roles"  # leader and municipal_admin assignments
    READ_AUDIT = "read_audit"  # the audit log
    INSTALLATION = "installation"  # the register, instructors, jobs, certificates
    REVIEW_PROJECTS = "review_projects"  # the workbook plans submitted to a leader


# What each scoped role may do within its scope; an installation admin may do everything.
_SCOPED_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.LEADER: frozenset({Capability.READ_PEOPLE, Capability.REVIEW_PROJECTS}),
    Role.MUNICIPAL_ADMIN: frozenset(
        {
            Capability.READ_PEOPLE,
            Capability.MANAGE_PEOPLE,
            Capability.MANAGE_UNITS,
            Capability.GRANT_ROLES,
            Capability.READ_AUDIT,
        }
    ),
}


@dataclass(frozen=True, slots=True)
class Scope:
    """A part of the installation: all of it, some municipalities, some unit subtrees."""

    everything: bool = False
    municipalities: frozenset[str] = frozenset()
    unit_paths: frozenset[str] = frozenset()  # "/12/45/": the unit and all below it

    @classmethod
    def whole(cls) -> Scope:
        return cls(everything=True)

    @property
    def empty(self) -> bool:
        return not (self.everything or self.municipalities or self.unit_paths)

    def people(self) -> ColumnElement[bool]:
        """The condition on ``user`` rows for the people inside the scope."""
        if self.everything:
            return true()
        clauses: list[ColumnElement[bool]] = []
        if self.municipalities:
            clauses.append(col(User.municipality_number).in_(sorted(self.municipalities)))
        if self.unit_paths:
            below = or_(*(col(OrgUnit.path).like(p + "%") for p in sorted(self.unit_paths)))
            clauses.append(col(User.unit_id).in_(select(OrgUnit.id).where(below)))
        return or_(*clauses) if clauses else false()

    def units(self) -> ColumnElement[bool]:
        """The condition on ``org_unit`` rows for the units inside the scope."""
        if self.everything:
            return true()
        clauses: list[ColumnElement[bool]] = []
        if self.municipalities:
            clauses.append(col(OrgUnit.municipality_number).in_(sorted(self.municipalities)))
        clauses.extend(col(OrgUnit.path).like(p + "%") for p in sorted(self.unit_paths))
        return or_(*clauses) if clauses else false()

    def covers_municipality(self, number: str | None) -> bool:
        """The whole municipality is inside the scope (not only some of its units)."""
        return self.everything or (number is not None and number in self.municipalities)

    def covers_unit(self, unit: OrgUnit) -> bool:
        return self.covers_municipality(unit.municipality_number) or any(
            unit.path.startswith(p) for p in self.unit_paths
        )

    def audited(self) -> dict[str, object]:
        """The scope as the audit log keeps it: numbers and unit paths, no names."""
        if self.everything:
            return {"everything": True}
        return {"municipalities": sorted(self.municipalities), "units": sorted(self.unit_paths)}


@dataclass(frozen=True, slots=True)
class Grant:
    role: Role
    municipality_number: str | None = None  # set for a municipality scope
    unit_id: int | None = None  # set for a unit scope
    unit_path: str | None = None
    unit_municipality: str | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: an account with its role and assignments, or the operator (CLI)."""

    user: User | None
    grants: tuple[Grant, ...] = ()
    operator: bool = False
    _scopes: dict[Capability, Scope] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def for_operator(cls) -> Actor:
        return cls(user=None, operator=True)

    @property
    def account(self) -> User:
        """The acting account (a request always has one; the operator has none)."""
        if self.user is None:
            raise RuntimeError("the operator acts without an account")
        return self.user

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None

    @property
    def is_admin(self) -> bool:
        return self.operator or (self.user is not None and self.user.role == Role.ADMIN)

    def scope(self, capability: Capability) -> Scope:
        """Where the actor may use ``capability`` (an empty scope: nowhere)."""
        found = self._scopes.get(capability)
        if found is None:
            found = self._scopes[capability] = self._scope(capability)
        return found

    def _scope(self, capability: Capability) -> Scope:
        if self.is_admin:
            return Scope.whole()
        return _granted(self.grants, capability)

    def can(self, capability: Capability) -> bool:
        return not self.scope(capability).empty

    def require(self, capability: Capability) -> Scope:
        """The scope for ``capability``; Forbidden when the actor has none at all."""
        found = self.scope(capability)
        if found.empty:
            raise Forbidden()
        return found

    @property
    def roles(self) -> frozenset[Role]:
        """Every role the actor holds somewhere (for menus)."""
        held = {Role(g.role) for g in self.grants}
        if self.user is not None:
            held.add(Role(self.user.role))
        return frozenset(held)


def _granted(grants: Iterable[Grant], capability: Capability) -> Scope:
    """The scope the scoped role assignments give for ``capability``."""
    municipalities: set[str] = set()
    paths: set[str] = set()
    for grant in grants:
        if capability not in _SCOPED_CAPABILITIES.get(grant.role, frozenset()):
            continue
        if grant.municipality_number is not None:
            municipalities.add(grant.municipality_number)
        elif grant.unit_path is not None:
            paths.add(grant.unit_path)
    # A unit inside a municipality already covered adds nothing.
    return Scope(False, frozenset(municipalities), frozenset(paths))


def scope_key(*, municipality_number: str | None, unit_id: int | None) -> str:
    if unit_id is not None:
        return f"unit:{unit_id}"
    return f"municipality:{municipality_number}"


def grants_of(*, session: Session, user_ids: Iterable[int]) -> dict[int, list[Grant]]:
    """The scoped assignments of these accounts, with each unit's path."""
    ids = sorted(set(user_ids))
    found: dict[int, list[Grant]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = session.exec(
        select(RoleAssignment, OrgUnit)
        .outerjoin(OrgUnit, col(OrgUnit.id) == col(RoleAssignment.unit_id))
        .where(col(RoleAssignment.user_id).in_(ids))
        .order_by(col(RoleAssignment.id))
    ).all()
    for assignment, unit in rows:
        found[assignment.user_id].append(
            Grant(
                Role(assignment.role),
                assignment.municipality_number,
                assignment.unit_id,
                unit.path if unit is not None else None,
                unit.municipality_number if unit is not None else None,
            )
        )
    return found


def actor_for(*, session: Session, user: User) -> Actor:
    """The account as an actor, with its assignments as they stand now."""
    assert user.id is not None
    return Actor(user=user, grants=tuple(grants_of(session=session, user_ids=[user.id])[user.id]))


def person(*, session: Session, scope: Scope, user_id: int, for_update: bool = False) -> User:
    """The account with this id if it is inside ``scope``; else UserNotFound (404)."""
    query = select(User).where(col(User.id) == user_id, scope.people())
    if for_update:
        query = query.with_for_update(of=User)
    user = session.exec(query).first()
    if user is None:
        raise UserNotFound()
    return user


def find_by_email(*, session: Session, scope: Scope, email: str) -> User | None:
    """The account with this (normalised) address if it is inside ``scope``."""
    return session.exec(select(User).where(col(User.email) == email, scope.people())).first()


def person_by_email(*, session: Session, scope: Scope, email: str) -> User:
    user = find_by_email(session=session, scope=scope, email=email)
    if user is None:
        raise UserNotFound()
    return user


def member_projects(user_id: int) -> ColumnElement[bool]:
    """The condition on ``project`` rows for the projects the account is a member of.

    A workbook is its authors' own: no role sees into it through this condition, not
    even an administrator (reviewers and leaders get their own, narrower ways in).
    """
    members = select(ProjectMember.project_id).where(ProjectMember.user_id == user_id)
    return col(Project.id).in_(members)


def granted_scope(actor: Actor, capability: Capability) -> Scope:
    """Where the actor's *scoped* roles give ``capability``: an installation administrator's
    role alone gives none, since projects are their authors' own."""
    return _granted(actor.grants, capability) if actor.user is not None else Scope()


def _authors_in(scope: Scope, project_id: Any) -> ColumnElement[bool]:
    authors = (
        select(ProjectMember.project_id)
        .join(User, col(User.id) == col(ProjectMember.user_id))
        .where(scope.people())
    )
    return col(project_id).in_(authors)


def portfolio_projects(actor: Actor) -> ColumnElement[bool]:
    """The condition on ``project`` rows for the portfolio: projects with an author inside
    the units or municipalities the actor leads or administers (``READ_PEOPLE`` granted)."""
    scope = granted_scope(actor, Capability.READ_PEOPLE)
    return _authors_in(scope, Project.id) if not scope.empty else false()


def reviewable(actor: Actor) -> ColumnElement[bool]:
    """The condition on ``project_review`` rows (joined with ``project``) the actor may read
    and answer, and so read the project they are about: to a leader, those addressed to
    leaders whose authors are in units they lead; to an instructor, those addressed to
    instructors. Never a project the actor is a member of."""
    clauses: list[ColumnElement[bool]] = []
    scope = granted_scope(actor, Capability.REVIEW_PROJECTS)
    if not scope.empty:
        clauses.append(
            (col(ProjectReview.reviewer_kind) == ReviewerKind.LEADER)
            & _authors_in(scope, ProjectReview.project_id)
        )
    if actor.user is not None and actor.user.role == Role.INSTRUCTOR:
        clauses.append(col(ProjectReview.reviewer_kind) == ReviewerKind.INSTRUCTOR)
    if not clauses:
        return false()
    if actor.user is None or actor.user.id is None:
        return or_(*clauses)
    # Never one's own project: a leader or instructor who is also its author does not review it.
    own = select(ProjectMember.project_id).where(ProjectMember.user_id == actor.user.id)
    return or_(*clauses) & col(ProjectReview.project_id).not_in(own)
