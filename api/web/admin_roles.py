"""The roles part of an account's page: scoped roles listed, granted and revoked.

What the page offers: leader of one of the person's municipality's units (and all
below it) or of the whole municipality, and municipal administrator of the
municipality; the service (``api.services.roles``) decides who may do what.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from sqlmodel import Session

from api.data.models import SCOPED_ROLES, Role, User
from api.http.auditing import audit_refusals, record_invalid
from api.http.deps import RoleGranter, SessionDep
from api.services import audit, org_units
from api.services import roles as role_service
from api.services.audit import Action
from api.services.scope import Actor, Capability
from api.web.deps import FormDep, form_text, page_router
from api.web.render import ROLE_NAMES, redirect

router = page_router()
ROLE_CHOICES = [(role.value, ROLE_NAMES[role]) for role in SCOPED_ROLES]
_WHOLE = "kommune"


def _scope_value(assignment: role_service.Assignment) -> str:
    return f"enhet:{assignment.unit_id}" if assignment.unit_id is not None else _WHOLE


def context(*, session: Session, actor: Actor, account: User) -> dict[str, Any]:
    """The person's scoped roles and the grant form's choices, if the actor may grant."""
    if not actor.can(Capability.GRANT_ROLES) or account.erased_at is not None:
        return {"scoped_roles": None}
    found = role_service.roles_of(session=session, actor=actor, user_id=account.id or 0)
    labels = org_units.labels_of(session=session, unit_ids=(a.unit_id for a in found.assignments))
    held = []
    for assignment in found.assignments:
        if assignment.role not in SCOPED_ROLES:
            continue
        if assignment.unit_id is not None:
            where = f"enheten {labels.get(assignment.unit_id, assignment.unit_id)} med alt under"
        else:
            where = f"hele kommune {assignment.municipality_number}"
        held.append(
            {
                "role": assignment.role.value,
                "name": ROLE_NAMES[assignment.role],
                "where": where,
                "scope": _scope_value(assignment),
            }
        )
    scopes = [(_WHOLE, "Hele kommunen")]
    units = org_units.choices(session=session, municipality_number=account.municipality_number)
    scopes += [(f"enhet:{unit_id}", f"Enheten {text}") for unit_id, text in units]
    return {"scoped_roles": held, "role_choices": ROLE_CHOICES, "scope_choices": scopes}


def _parsed(form: Any, account_municipality: str | None) -> tuple[Role, str | None, int | None]:
    """The role and scope a form names; ValueError if it names none that the page offers."""
    role = Role(form_text(form, "rolle", limit=30))
    if role not in SCOPED_ROLES:
        raise ValueError(role)
    chosen = form_text(form, "omfang", limit=30)
    if chosen == _WHOLE:
        return role, account_municipality, None
    kind, _, number = chosen.partition(":")
    if kind != "enhet" or not number.isdigit() or not 0 < int(number) < 2_147_483_648:
        raise ValueError(chosen)
    return role, None, int(number)


def _change(
    request: Request,
    form: FormDep,
    session: Session,
    actor: Actor,
    user_id: int,
    *,
    grant: bool,
) -> Response:
    action = Action.ROLE_GRANT if grant else Action.ROLE_REVOKE
    target = audit.user_target(user_id)
    account = role_service.roles_of(session=session, actor=actor, user_id=user_id).user
    try:
        role, municipality, unit_id = _parsed(form, account.municipality_number)
    except ValueError:
        record_invalid(session=session, actor=actor.user, action=action, target=target)
        return redirect(request, f"/admin/brukere/{user_id}?melding=ugyldig-rolle#roller")
    change = role_service.grant if grant else role_service.revoke
    # A refusal (another municipality, a closed unit, ...) ends the request as an error
    # page with its Norwegian message, audited by ``audit_refusals``.
    change(
        session=session,
        actor=actor,
        user_id=user_id,
        role=role,
        municipality=municipality,
        unit_id=unit_id,
    )
    notice = "tildelt" if grant else "fjernet"
    return redirect(request, f"/admin/brukere/{user_id}?melding={notice}#roller")


@router.post("/admin/brukere/{user_id:id}/roller", dependencies=[audit_refusals(Action.ROLE_GRANT)])
def grant_role(
    user_id: int, request: Request, form: FormDep, session: SessionDep, actor: RoleGranter
) -> Response:
    """Give the person a scoped role (leader or municipal administrator)."""
    return _change(request, form, session, actor, user_id, grant=True)


@router.post(
    "/admin/brukere/{user_id:id}/roller/fjern", dependencies=[audit_refusals(Action.ROLE_REVOKE)]
)
def revoke_role(
    user_id: int, request: Request, form: FormDep, session: SessionDep, actor: RoleGranter
) -> Response:
    """Take a scoped role away."""
    return _change(request, form, session, actor, user_id, grant=False)
