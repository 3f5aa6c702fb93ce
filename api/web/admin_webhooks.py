"""The webhook page: the endpoints, a form to add one (its secret shown once), a test
message, switching off and on, deleting, and the newest deliveries. The same services
as the API's ``/webhooks`` routes (``api.services.webhooks``), which audit each change.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from pydantic import ValidationError
from sqlmodel import Session

from api.core.errors import DomainError, MunicipalityInvalid, UnprocessableError
from api.data.models import User
from api.http.auditing import audit_refusals, record_invalid, record_refusal
from api.http.deps import AdminUser, SessionDep, SettingsDep
from api.services import webhook_events, webhooks
from api.services.audit import Action
from api.web.admin_common import ADMIN_PAGE_SIZE, render_admin
from api.web.deps import FormDep, form_text, page_router
from api.web.render import redirect

router = page_router()
PAGE = "/admin/webhooks"
EVENT_LABELS = {
    webhook_events.COURSE_COMPLETED: "Kurset er fullført",
    webhook_events.CERTIFICATE_ISSUED: "Kursbevis utstedt",
    webhook_events.CERTIFICATE_REVOKED: "Kursbevis trukket tilbake",
    webhook_events.CERTIFICATE_REISSUED: "Nytt kursbevis utstedt",
    webhook_events.TEST: "Testmelding",
}
_NOTICES = {
    "test": "Testmeldingen er lagt i kø. Den sendes i bakgrunnen; se leveringene nedenfor.",
    "av": "Mottakeren er slått av. Nye hendelser sendes ikke dit.",
    "pa": "Mottakeren er slått på igjen.",
    "slettet": "Mottakeren er slettet, med leveringsloggen sin.",
}


def _page(request: Request, session: Session, *, status_code: int = 200, **extra: Any) -> Response:
    endpoints = webhooks.list_endpoints(session=session)
    context = {
        "endpoints": endpoints,
        "names": {e.id: e.description or e.url for e in endpoints},
        "deliveries": webhooks.deliveries(session=session, limit=ADMIN_PAGE_SIZE),
        "event_choices": [(event, EVENT_LABELS[event]) for event in webhook_events.EVENTS],
        "event_labels": EVENT_LABELS,
        "values": {"hendelser": list(webhook_events.EVENTS)},
        "errors": {},
        "notice": _NOTICES.get(request.query_params.get("melding", "")),
        **extra,
    }
    return render_admin(request, "pages/admin_webhooks.html", context, status_code=status_code)


@router.get(PAGE)
def webhooks_page(request: Request, session: SessionDep, admin: AdminUser) -> Response:
    """The endpoints, the form to add one, and the newest deliveries."""
    return _page(request, session)


def _field_errors(exc: ValidationError) -> dict[str, str]:
    fields = {"url": "adresse", "events": "hendelser", "description": "beskrivelse"}
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = fields.get(str(error["loc"][0]) if error["loc"] else "", "adresse")
        if field == "hendelser":
            errors[field] = "Velg minst én hendelse."
        elif field == "beskrivelse":
            errors[field] = "Skriv en beskrivelse på høyst 200 tegn."
        else:
            errors[field] = "Skriv en fullstendig adresse på høyst 2000 tegn (https://…)."
    return errors


def _refused(
    request: Request,
    session: Session,
    admin: User,
    values: dict[str, Any],
    errors: dict[str, str],
    error: DomainError | None = None,
) -> Response:
    if error is not None:
        record_refusal(
            session=session,
            actor=admin,
            action=Action.WEBHOOK_CREATE,
            target="webhooks",
            error=error,
        )
    else:
        record_invalid(
            session=session, actor=admin, action=Action.WEBHOOK_CREATE, target="webhooks"
        )
    return _page(request, session, status_code=422, values=values, errors=errors)


@router.post(f"{PAGE}/ny", dependencies=[audit_refusals(Action.WEBHOOK_CREATE)])
def create_webhook(
    request: Request, form: FormDep, session: SessionDep, admin: AdminUser, settings: SettingsDep
) -> Response:
    """Add an endpoint; the page shows its secret this once."""
    values: dict[str, Any] = {
        name: form_text(form, name, limit=2100).strip()
        for name in ("adresse", "kommune", "beskrivelse")
    }
    values["hendelser"] = [v for v in form.getlist("hendelser") if isinstance(v, str)][:10]
    try:
        data = webhooks.WebhookCreate(
            url=values["adresse"] or " ",
            events=values["hendelser"],
            municipality=values["kommune"] or None,
            description=values["beskrivelse"],
        )
    except ValidationError as exc:
        return _refused(request, session, admin, values, _field_errors(exc))
    try:
        created = webhooks.create_endpoint(
            session=session, admin=admin, data=data, settings=settings
        )
    except UnprocessableError as exc:
        return _refused(request, session, admin, values, {"adresse": exc.detail}, exc)
    except MunicipalityInvalid as exc:
        return _refused(request, session, admin, values, {"kommune": exc.detail}, exc)
    return _page(request, session, created=created)


@router.post(
    f"{PAGE}/{{endpoint_id:id}}/hemmelighet",
    dependencies=[audit_refusals(Action.WEBHOOK_ROTATE_SECRET)],
)
def rotate_secret(
    request: Request, session: SessionDep, admin: AdminUser, settings: SettingsDep, endpoint_id: int
) -> Response:
    """A new secret for the endpoint, shown this once (the old one signs for 24 hours more)."""
    rotated = webhooks.rotate_secret(
        session=session, admin=admin, endpoint_id=endpoint_id, settings=settings
    )
    return _page(request, session, rotated=rotated)


@router.post(f"{PAGE}/{{endpoint_id:id}}/test", dependencies=[audit_refusals(Action.WEBHOOK_TEST)])
def send_test(
    request: Request, session: SessionDep, admin: AdminUser, endpoint_id: int
) -> Response:
    """Queue a signed test message to the endpoint."""
    webhooks.send_test(session=session, admin=admin, endpoint_id=endpoint_id)
    return redirect(request, f"{PAGE}?melding=test")


def _switch(
    request: Request, session: Session, admin: User, settings: Any, endpoint_id: int, on: bool
) -> Response:
    data = webhooks.WebhookUpdate(is_active=on)
    webhooks.update_endpoint(
        session=session, admin=admin, endpoint_id=endpoint_id, data=data, settings=settings
    )
    return redirect(request, f"{PAGE}?melding={'pa' if on else 'av'}")


@router.post(f"{PAGE}/{{endpoint_id:id}}/av", dependencies=[audit_refusals(Action.WEBHOOK_UPDATE)])
def switch_off(
    request: Request, session: SessionDep, admin: AdminUser, settings: SettingsDep, endpoint_id: int
) -> Response:
    """Stop sending new events to the endpoint."""
    return _switch(request, session, admin, settings, endpoint_id, on=False)


@router.post(f"{PAGE}/{{endpoint_id:id}}/pa", dependencies=[audit_refusals(Action.WEBHOOK_UPDATE)])
def switch_on(
    request: Request, session: SessionDep, admin: AdminUser, settings: SettingsDep, endpoint_id: int
) -> Response:
    """Send new events to the endpoint again."""
    return _switch(request, session, admin, settings, endpoint_id, on=True)


@router.post(
    f"{PAGE}/{{endpoint_id:id}}/slett", dependencies=[audit_refusals(Action.WEBHOOK_DELETE)]
)
def delete_webhook(
    request: Request, session: SessionDep, admin: AdminUser, endpoint_id: int
) -> Response:
    """Delete the endpoint and its delivery log."""
    webhooks.delete_endpoint(session=session, admin=admin, endpoint_id=endpoint_id)
    return redirect(request, f"{PAGE}?melding=slettet")
