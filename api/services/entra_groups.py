"""Entra ID groups as units and roles: what a municipality's tenant says about a person at
each sign-in (``SignInProvider.group_map``, ``sign_in_providers.GroupMapping``).

The first mapped group with a unit (by group id) becomes the person's primary unit. Each
mapped role is granted through ``api.services.roles`` (audited, as the operator: the
installation administrator who set up the mapping), and remembered on the identity, so a
role the groups no longer give is taken away at the next sign-in. A role someone granted
by hand is never taken away here. A mapping that no longer fits (a closed unit, a unit in
another municipality) is skipped: it never stops the person from signing in.
"""

from __future__ import annotations

import json
from contextlib import suppress
from typing import Any

from sqlmodel import Session, select

from api.core.errors import DomainError
from api.data.models import Role, SignInIdentity, SignInProvider, User
from api.services import org_units, roles, sign_in_providers
from api.services.scope import Actor

_OPERATOR = Actor.for_operator()


def apply(
    *, session: Session, provider: SignInProvider, user: User, claims: dict[str, Any]
) -> None:
    mapping = sign_in_providers.group_map(provider)
    if not mapping:
        return
    groups = claims.get("groups")
    member = sorted(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else []
    wanted = [mapping[g] for g in member if g in mapping]
    assert user.id is not None
    for entry in wanted:
        if entry.unit is not None:
            try:
                org_units.check_placement(
                    session=session,
                    unit_id=entry.unit,
                    municipality_number=user.municipality_number,
                )
            except DomainError:
                continue
            user.unit_id = entry.unit
            break
    desired: set[tuple[str, int | None]] = set()
    for entry in wanted:
        if entry.role == "municipal_admin":
            desired.add((entry.role, None))
        elif entry.role == "leader":
            desired.add((entry.role, entry.unit))
    identity = session.exec(
        select(SignInIdentity).where(
            SignInIdentity.provider_id == provider.id, SignInIdentity.user_id == user.id
        )
    ).first()
    if identity is None:
        return
    given = {(str(r), u) for r, u in json.loads(identity.group_roles or "[]")}
    for role, unit_id in sorted(given - desired, key=str):
        with suppress(DomainError):  # taken away by hand already, or its unit is gone
            roles.revoke(session=session, actor=_OPERATOR, user_id=user.id, role=Role(role),
                         **_scope(user, unit_id))  # fmt: skip
    kept = given & desired
    for role, unit_id in sorted(desired - given, key=str):
        try:
            _, created = roles.grant(session=session, actor=_OPERATOR, user_id=user.id,
                                     role=Role(role), **_scope(user, unit_id))  # fmt: skip
        except DomainError:
            continue
        if created:
            kept.add((role, unit_id))
    identity.group_roles = json.dumps(sorted(kept, key=str))
    session.flush()


def _scope(user: User, unit_id: int | None) -> dict[str, Any]:
    if unit_id is not None:
        return {"unit_id": unit_id}
    return {"municipality": user.municipality_number}
