"""Administering accounts: find, create, update, deactivate, reactivate, role, password code.

``actor`` is who acts (``api.services.scope``): each function narrows to the people in
the actor's scope, so a person outside it is not found. Every change is recorded in
the audit log in the same transaction, with the person's municipality.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from api.core.errors import (
    EmailTaken,
    Forbidden,
    OutsideScope,
    OwnAccount,
    RoleScopeInvalid,
    UserErased,
    UserInactive,
)
from api.data.models import Role, User
from api.services import audit, org_units, setup_codes, user_municipality, users
from api.services.contracts import UserCreate, UserUpdate
from api.services.org_units import check_placement
from api.services.scope import Actor, Capability, person, person_by_email
from api.services.users import get_user_by_email, normalise_email


def get_user(*, session: Session, actor: Actor, user_id: int) -> User:
    """A person the actor may see (UserNotFound otherwise)."""
    return person(session=session, scope=actor.require(Capability.READ_PEOPLE), user_id=user_id)


def get_user_by_email_or_404(*, session: Session, actor: Actor, email: str) -> User:
    scope = actor.require(Capability.READ_PEOPLE)
    return person_by_email(session=session, scope=scope, email=normalise_email(email))


def managed_person(*, session: Session, actor: Actor, user_id: int) -> User:
    """A person the actor may change. An instructor's or an administrator's account is
    changed only by an installation admin: a municipal administrator who could reset its
    password could take over its rights."""
    user = person(session=session, scope=actor.require(Capability.MANAGE_PEOPLE), user_id=user_id)
    if user.role != Role.LEARNER and not actor.is_admin:
        raise Forbidden(
            "Kontoen har en rolle for hele installasjonen; bare en administrator for hele "
            "installasjonen kan endre den."
        )
    return user


def _contains(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_users(
    *,
    session: Session,
    actor: Actor,
    role: Role | None = None,
    text: str | None = None,
    municipality: str | None = None,
    unit: int | None = None,
    unmatched: bool = False,
    active: bool | None = None,
    department_unmatched: bool | None = None,
    include_erased: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> Sequence[User]:
    """Accounts by name, in pages; ``text`` matches part of the name or e-mail address.

    ``municipality`` is a name, number or old number (``user_municipality.numbers_meant``);
    ``unit`` keeps the people of that unit and every unit below it; ``unmatched`` keeps
    only accounts whose municipality matched nothing in the register.
    """
    query = select(User).where(actor.require(Capability.READ_PEOPLE).people())
    if role is not None:
        query = query.where(User.role == role)
    if text:
        # Case-insensitive for every letter on PostgreSQL; SQLite's lower() knows only A-Z,
        # so the text as typed is tried too (finding "Ødegård" but not "ødegård" there).
        query = query.where(
            or_(
                func.lower(User.full_name).like(_contains(text.lower()), escape="\\"),
                col(User.full_name).like(_contains(text), escape="\\"),
                col(User.email).like(_contains(text.lower()), escape="\\"),
            )
        )
    if municipality is not None:
        index = user_municipality.MunicipalityIndex.load(session=session)
        numbers = index.numbers_meant(municipality)
        query = query.where(col(User.municipality_number).in_(sorted(numbers)))
    if unit is not None:
        found = org_units.visible_unit(session=session, actor=actor, unit_id=unit)
        query = query.where(org_units.in_subtree(found.path))
    if unmatched:
        query = query.where(col(User.municipality_number).is_(None))
    if active is not None:
        query = query.where(User.is_active == active)
    if department_unmatched is not None:
        text_kept = col(User.department_unmatched)
        query = query.where(text_kept.is_not(None) if department_unmatched else text_kept.is_(None))
    if not include_erased:
        query = query.where(col(User.erased_at).is_(None))
    query = query.order_by(func.lower(User.full_name), col(User.id)).offset(offset)
    return session.exec(query.limit(limit) if limit is not None else query).all()


def check_can_place(actor: Actor, municipality_number: str | None, role: Role) -> None:
    """A new or moved account must land inside the actor's scope; only an installation
    admin gives installation roles."""
    if not actor.require(Capability.MANAGE_PEOPLE).covers_municipality(municipality_number):
        raise OutsideScope("Du kan bare legge brukere i kommuner du administrerer.")
    if role != Role.LEARNER and not actor.is_admin:
        raise Forbidden("Bare en administrator for hele installasjonen kan gi denne rollen.")


def create_user(*, session: Session, actor: Actor, data: UserCreate) -> User:
    """Create an account and its course enrollment, audited."""
    actor.require(Capability.MANAGE_PEOPLE)
    municipality = user_municipality.from_input(
        session=session, name=data.municipality, number=data.municipality_number
    )
    check_can_place(actor, municipality.number, data.role)
    user = users.create_user(session=session, data=data, municipality=municipality)
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.USER_CREATE,
        target=audit.user_target(user.id),
        municipality=user.municipality_number,
    )
    return user


def check_changeable(user: User, actor: Actor, *, own_account_allowed: bool = False) -> None:
    if user.erased_at is not None:
        raise UserErased()
    if not own_account_allowed and actor.user_id is not None and actor.user_id == user.id:
        raise OwnAccount()


def update_user(*, session: Session, actor: Actor, user_id: int, data: UserUpdate) -> User:
    """Change the fields sent; the audit row names the fields, not their values."""
    user = managed_person(session=session, actor=actor, user_id=user_id)
    check_changeable(user, actor, own_account_allowed=True)
    changes = data.model_dump(exclude_unset=True)
    municipality = None
    if data.municipality_given:
        municipality = user_municipality.from_input(
            session=session, name=data.municipality, number=data.municipality_number
        )
        changes.pop("municipality", None)
        changes["municipality_number"] = municipality.number
        if municipality.number != user.municipality_number:
            check_can_place(actor, municipality.number, Role.LEARNER)
    if "email" in changes:
        changes["email"] = normalise_email(changes["email"])
        other = get_user_by_email(session=session, email=changes["email"])
        if other is not None and other.id != user.id:
            raise EmailTaken()
    changed = sorted(name for name, value in changes.items() if getattr(user, name) != value)
    if {"unit_id", "municipality_number"} & set(changed):
        check_placement(
            session=session,
            unit_id=changes.get("unit_id", user.unit_id),
            municipality_number=changes.get("municipality_number", user.municipality_number),
        )
    for name in changed:
        setattr(user, name, changes[name])
    if municipality is not None:
        if user.municipality_unmatched is not None:
            changed = sorted([*changed, "municipality_unmatched"])  # settled: no longer unmatched
        user_municipality.assign(user, municipality)
    if "unit_id" in changed and user.unit_id is not None:
        user.department_unmatched = None  # placed now
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.USER_UPDATE,
        target=audit.user_target(user.id),
        details={"fields": changed},
        municipality=user.municipality_number,
    )
    session.flush()
    return user


def deactivate(*, session: Session, actor: Actor, user_id: int) -> User:
    """The person can no longer log in and their sessions end; their history stays."""
    user = managed_person(session=session, actor=actor, user_id=user_id)
    check_changeable(user, actor)
    was_active = user.is_active
    user.is_active = False
    assert user.id is not None
    setup_codes.revoke_login_tokens(session=session, user_id=user.id)
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.USER_DEACTIVATE,
        target=audit.user_target(user.id),
        details={"was_active": was_active},
        municipality=user.municipality_number,
    )
    session.flush()
    return user


def reactivate(*, session: Session, actor: Actor, user_id: int) -> User:
    user = managed_person(session=session, actor=actor, user_id=user_id)
    check_changeable(user, actor)
    was_active = user.is_active
    user.is_active = True
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.USER_REACTIVATE,
        target=audit.user_target(user.id),
        details={"was_active": was_active},
        municipality=user.municipality_number,
    )
    session.flush()
    return user


def change_role(*, session: Session, actor: Actor, user_id: int, role: Role) -> User:
    """Set the installation role (learner, instructor, admin); installation admins only.

    Nobody changes their own role, so at least one administrator always remains."""
    if not actor.is_admin:
        raise Forbidden()
    if role not in (Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN):
        raise RoleScopeInvalid("Leder og kommuneadministrator gis med et omfang (/roles).")
    user = managed_person(session=session, actor=actor, user_id=user_id)
    check_changeable(user, actor)
    previous = user.role
    user.role = role
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.USER_ROLE_CHANGE,
        target=audit.user_target(user.id),
        details={"from": previous, "to": role.value},
        municipality=user.municipality_number,
    )
    session.flush()
    return user


def reset_password(*, session: Session, actor: Actor, user_id: int) -> setup_codes.IssuedCode:
    """A new single-use setup code; the current password works until the code is used."""
    user = managed_person(session=session, actor=actor, user_id=user_id)
    check_changeable(user, actor, own_account_allowed=True)
    if not user.is_active:
        raise UserInactive()
    issued = setup_codes.issue(session=session, user=user, created_by=actor.user)
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.USER_PASSWORD_RESET,
        target=audit.user_target(user.id),
        details={"expires_at": issued.expires_at.isoformat()},
        municipality=user.municipality_number,
    )
    return issued
