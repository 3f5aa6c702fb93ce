"""The administration page for completion deadlines: the same service as ``/deadlines``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import Request, Response
from sqlmodel import Session

from api.core.config import Settings
from api.core.errors import DomainError
from api.data.models import CompletionDeadline, Municipality
from api.http.auditing import audit_refusals, record_refusal
from api.http.deps import SessionDep, SettingsDep, UnitManager
from api.services import deadlines, org_units
from api.services.audit import Action
from api.services.scope import Actor
from api.web.admin_common import render_admin
from api.web.deps import FormDep, form_text, page_router
from api.web.render import redirect

router = page_router()
_NOTICES = {"lagret": "Fristen er lagret.", "fjernet": "Fristen er fjernet."}


@dataclass(frozen=True, slots=True)
class _Row:
    deadline: CompletionDeadline
    label: str


def _rows(session: Session, actor: Actor) -> list[_Row]:
    found = deadlines.list_deadlines(session=session, actor=actor)
    units = org_units.labels_of(session=session, unit_ids=(d.unit_id for d in found))
    rows = []
    for deadline in found:
        if deadline.unit_id is not None:
            label = units.get(deadline.unit_id, f"Enhet {deadline.unit_id}")
        else:
            municipality = session.get(Municipality, deadline.municipality_number)
            label = municipality.name if municipality else str(deadline.municipality_number)
        rows.append(_Row(deadline, label))
    return rows


def _page(
    request: Request,
    session: Session,
    actor: Actor,
    settings: Settings,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "rows": _rows(session, actor),
        "values": values or {},
        "errors": errors or {},
        "notice": _NOTICES.get(request.query_params.get("melding", "")),
        "days_before": settings.reminder_days_before,
        "email_enabled": settings.email_enabled,
    }
    return render_admin(request, "pages/admin_deadlines.html", context, status_code=status_code)


@router.get("/admin/frister")
def deadlines_page(
    request: Request, session: SessionDep, actor: UnitManager, settings: SettingsDep
) -> Response:
    """The deadlines in the municipalities the administrator administers, and the form."""
    return _page(request, session, actor, settings)


@router.post("/admin/frister")
def set_deadline(
    request: Request,
    form: FormDep,
    session: SessionDep,
    actor: UnitManager,
    settings: SettingsDep,
) -> Response:
    """Set or move a deadline, or show what is wrong at its field."""
    values = {
        name: form_text(form, name, limit=2000).strip() for name in ("kommune", "enhet", "dato")
    }
    try:
        due_on = date.fromisoformat(values["dato"])
    except ValueError:
        errors = {"dato": "Velg en dato for fristen."}
        return _page(
            request, session, actor, settings, values=values, errors=errors, status_code=422
        )
    field = "kommune"
    try:
        number = org_units.find_municipality(session=session, text=values["kommune"]).number
        unit_id = None
        if values["enhet"]:
            field = "enhet"
            unit = org_units.unit_for_path(
                session=session, municipality_number=number, path=values["enhet"]
            )
            unit_id = unit.id
        deadlines.set_deadline(
            session=session,
            actor=actor,
            due_on=due_on,
            municipality_number=None if unit_id else number,
            unit_id=unit_id,
        )
    except DomainError as exc:
        record_refusal(
            session=session,
            actor=actor.user,
            action=Action.DEADLINE_SET,
            target="deadlines",
            error=exc,
        )
        errors = {field: exc.detail}
        return _page(
            request,
            session,
            actor,
            settings,
            values=values,
            errors=errors,
            status_code=exc.status_code,
        )
    return redirect(request, "/admin/frister?melding=lagret#status")


@router.post(
    "/admin/frister/{deadline_id:id}/fjern",
    dependencies=[audit_refusals(Action.DEADLINE_REMOVE, target="deadlines")],
)
def remove_deadline(
    deadline_id: int, request: Request, session: SessionDep, actor: UnitManager
) -> Response:
    """Remove a deadline."""
    deadlines.remove_deadline(session=session, actor=actor, deadline_id=deadline_id)
    return redirect(request, "/admin/frister?melding=fjernet#status")
