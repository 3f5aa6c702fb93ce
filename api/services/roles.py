"""Granting and revoking roles: the installation role and scoped assignments.

An installation admin grants any role. A municipal administrator grants leader and
municipal_admin within their own municipality, to its people. Installation roles
(instructor, admin) take no scope and are granted by installation admins only.
Nobody changes their own roles. Every grant and revocation is audited with its scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from api.core.errors import (
    Forbidden,
    MunicipalityNotFound,
    OutsideScope,
    OwnAccount,
    RoleNotHeld,
    RoleOtherMunicipality,
    RoleScopeInvalid,
    UnitClosed,
    UnitNotFound,
    UserErased,
)
from api.data.models import (
    INSTALLATION_ROLES,
    SCOPED_ROLES,
    OrgUnit,
    Role,
    RoleAssignment,
    User,
    utcnow,
)
from api.services import audit, municipalities
from api.services.scope import Actor, Capability, Grant, grants_of, person, scope_key

_RANK = {Role.LEARNER: 0, Role.INSTRUCTOR: 1, Role.ADMIN: 2}


@dataclass(frozen=True, slots=True)
class Assignment:
    """One role a person holds, with its scope (``None`` for both: the whole installation)."""

    role: Role
    municipality_number: str | None = None
    unit_id: int | None = None


@dataclass(frozen=True, slots=True)
class RoleSet:
    user: User
    assignments: tuple[Assignment, ...]


def _assignments(user: User, grants: list[Grant]) -> tuple[Assignment, ...]:
    held = [Assignment(Role(user.role))] if user.role != Role.LEARNER else []
    held.extend(Assignment(g.role, g.municipality_number, g.unit_id) for g in grants)
    return tuple(held)


def _target(session: Session, actor: Actor, user_id: int) -> User:
    user = person(session=session, scope=actor.require(Capability.GRANT_ROLES), user_id=user_id)
    if user.erased_at is not None:
        raise UserErased()
    return user


def _role_set(session: Session, user: User) -> RoleSet:
    assert user.id is not None
    held = grants_of(session=session, user_ids=[user.id])[user.id]
    return RoleSet(user, _assignments(user, held))


def roles_of(*, session: Session, actor: Actor, user_id: int) -> RoleSet:
    """The person's roles, for whoever may grant roles to them."""
    return _role_set(session, _target(session, actor, user_id))


@dataclass(frozen=True, slots=True)
class _Placed:
    municipality_number: str | None
    unit_id: int | None
    unit_municipality: str | None  # the municipality the scope lies in


def _place(
    session: Session, actor: Actor, role: Role, municipality: str | None, unit_id: int | None
) -> _Placed:
    """Check the role's scope against the rules and the actor's rights."""
    if role == Role.LEARNER:
        raise RoleScopeInvalid("Alle er deltakere; det er ingen rolle å tildele eller fjerne.")
    if role in INSTALLATION_ROLES:
        if municipality is not None or unit_id is not None:
            raise RoleScopeInvalid(
                "Instruktør og administrator gjelder hele installasjonen og tar verken "
                "kommune eller enhet."
            )
        if not actor.is_admin:
            raise Forbidden("Bare en administrator for hele installasjonen kan gi denne rollen.")
        return _Placed(None, None, None)
    if (municipality is None) == (unit_id is None):
        raise RoleScopeInvalid("Oppgi enten en kommune eller en enhet som rollen gjelder.")
    if role == Role.MUNICIPAL_ADMIN and unit_id is not None:
        raise RoleScopeInvalid("En kommuneadministrator gjelder en hel kommune, ikke en enhet.")
    scope = actor.require(Capability.GRANT_ROLES)
    if unit_id is not None:
        unit = session.exec(
            select(OrgUnit).where(col(OrgUnit.id) == unit_id, scope.units())
        ).first()
        if unit is None:
            raise UnitNotFound()
        return _Placed(None, unit_id, unit.municipality_number)
    assert municipality is not None
    if municipalities.get(session=session, number=municipality) is None:
        raise MunicipalityNotFound()
    if not scope.covers_municipality(municipality):
        raise OutsideScope()
    return _Placed(municipality, None, municipality)


def _audit(
    session: Session, actor: Actor, action: str, user: User, role: Role, placed: _Placed
) -> None:
    audit.record(
        session=session,
        actor=actor.user,
        action=action,
        target=audit.user_target(user.id),
        details={
            "role": role.value,
            "municipality": placed.municipality_number,
            "unit": placed.unit_id,
        },
        municipality=placed.unit_municipality or user.municipality_number,
    )


def _held(session: Session, user_id: int, role: Role, key: str) -> RoleAssignment | None:
    return session.exec(
        select(RoleAssignment).where(
            col(RoleAssignment.user_id) == user_id,
            col(RoleAssignment.role) == role.value,
            col(RoleAssignment.scope_key) == key,
        )
    ).first()


def grant(
    *,
    session: Session,
    actor: Actor,
    user_id: int,
    role: Role,
    municipality: str | None = None,
    unit_id: int | None = None,
) -> tuple[RoleSet, bool]:
    """Give the person the role in the scope; returns their roles and whether it was new."""
    user = _target(session, actor, user_id)
    if actor.user_id is not None and actor.user_id == user.id:
        raise OwnAccount("Du kan ikke endre dine egne roller.")
    placed = _place(session, actor, role, municipality, unit_id)
    assert user.id is not None
    created = False
    if role in INSTALLATION_ROLES:
        if _RANK[Role(user.role)] < _RANK[role]:
            user.role = role.value
            created = True
    else:
        if placed.unit_municipality != user.municipality_number:
            raise RoleOtherMunicipality()
        if placed.unit_id is not None:
            unit = session.get(OrgUnit, placed.unit_id)
            if unit is not None and unit.closed_at is not None:
                raise UnitClosed()
        key = scope_key(municipality_number=placed.municipality_number, unit_id=placed.unit_id)
        existing = _held(session, user.id, role, key)
        if existing is None:
            session.add(
                RoleAssignment(
                    user_id=user.id,
                    role=role.value,
                    municipality_number=placed.municipality_number,
                    unit_id=placed.unit_id,
                    scope_key=key,
                    granted_at=utcnow(),
                    granted_by=actor.user_id,
                )
            )
            created = True
    if created:
        _audit(session, actor, audit.Action.ROLE_GRANT, user, role, placed)
    session.flush()
    return _role_set(session, user), created


def revoke(
    *,
    session: Session,
    actor: Actor,
    user_id: int,
    role: Role,
    municipality: str | None = None,
    unit_id: int | None = None,
) -> RoleSet:
    """Take the role in the scope away; RoleNotHeld if the person does not have it."""
    user = _target(session, actor, user_id)
    if actor.user_id is not None and actor.user_id == user.id:
        raise OwnAccount("Du kan ikke endre dine egne roller.")
    placed = _place(session, actor, role, municipality, unit_id)
    assert user.id is not None
    if role in INSTALLATION_ROLES:
        if user.role != role:
            raise RoleNotHeld()
        user.role = Role.LEARNER.value
    else:
        key = scope_key(municipality_number=placed.municipality_number, unit_id=placed.unit_id)
        existing = _held(session, user.id, role, key)
        if existing is None:
            raise RoleNotHeld()
        session.delete(existing)
    _audit(session, actor, audit.Action.ROLE_REVOKE, user, role, placed)
    session.flush()
    return _role_set(session, user)


__all__ = ["SCOPED_ROLES", "Assignment", "RoleSet", "grant", "revoke", "roles_of"]
