"""Administration pages for reports and records: the roster with its CSV and XLSX downloads,
municipalities, revoking a certificate, and the audit log. Same services as the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from pydantic import ValidationError
from starlette.datastructures import QueryParams

from api.core.errors import CertificateNotFound, UnprocessableError
from api.http import downloads
from api.http import presenters_admin as present
from api.http.auditing import audit_refusals, record_invalid, record_refusal
from api.http.deps import AdminUser, CourseInfoDep, EngineDep, LiveModules, SessionDep
from api.http.schemas import RevokeRequest
from api.services import audit
from api.services import certificates as certificate_service
from api.services import roster as roster_service
from api.services.audit import Action
from api.services.roster import EARLIEST, LATEST
from api.services.users import get_user_by_email
from api.web import audit_labels
from api.web.admin_common import (
    ADMIN_PAGE_SIZE,
    page_number,
    render_admin,
    text_param,
)
from api.web.deps import FormDep, form_text, page_router
from api.web.render import redirect
from api.web.templating import templates
from certificates.codes import normalize_code
from course.progress import ModuleStatus

router = page_router()
STATUS_CHOICES = [
    ("", "Alle"),
    (ModuleStatus.NOT_STARTED.value, "Ikke startet"),
    (ModuleStatus.IN_PROGRESS.value, "Påbegynt"),
    (ModuleStatus.COMPLETED.value, "Fullført"),
]
templates.env.filters["details"] = audit_labels.details
templates.env.filters["audit_target"] = audit_labels.target_label
ACTION_LABELS, OUTCOME_LABELS = audit_labels.ACTION_LABELS, audit_labels.OUTCOME_LABELS
_DATE_ERROR = "Skriv en dato som 31.12.2026 (eller velg i kalenderen)."


def _date(params: QueryParams, name: str, errors: dict[str, str]) -> date | None:
    text = text_param(params.get(name), 20)
    if not text:
        return None
    try:  # a date field sends 2026-12-31; typed by hand (no date picker), 31.12.2026
        if "-" in text:
            day = date.fromisoformat(text)
        else:
            day = datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        errors[name] = _DATE_ERROR
        return None
    if not EARLIEST <= day <= LATEST:
        errors[name] = f"Velg en dato mellom {EARLIEST.year} og {LATEST.year}."
        return None
    return day


@dataclass(frozen=True, slots=True)
class RosterQuery:
    """The roster page's filters as typed (for the form) and as checked (for the service)."""

    values: dict[str, str]
    filters: roster_service.RosterFilters
    errors: dict[str, str] = field(default_factory=dict)

    def link(self, path: str, **extra: str) -> str:
        given = {name: value for name, value in self.values.items() if value}
        return f"{path}?{urlencode({**given, **extra})}" if given or extra else path


def roster_query(params: QueryParams) -> RosterQuery:
    values = {
        "kommune": text_param(params.get("kommune"), 100),
        "avdeling": text_param(params.get("avdeling"), 200),
        "status": text_param(params.get("status"), 20),
        "fra": text_param(params.get("fra"), 20),
        "til": text_param(params.get("til"), 20),
    }
    errors: dict[str, str] = {}
    if values["status"] not in {status.value for status in ModuleStatus}:
        values["status"] = ""
    completed_from, completed_to = _date(params, "fra", errors), _date(params, "til", errors)
    if completed_from and completed_to and completed_from > completed_to:
        errors["til"] = "Til-datoen kan ikke være før fra-datoen."
    filters = roster_service.RosterFilters(
        municipality=values["kommune"] or None,
        department=values["avdeling"] or None,
        status=ModuleStatus(values["status"]) if values["status"] else None,
        completed_from=None if errors else completed_from,
        completed_to=None if errors else completed_to,
    )
    return RosterQuery(values, filters, errors)


@router.get("/admin/kursliste")
def roster_page(
    request: Request,
    session: SessionDep,
    admin: AdminUser,
    info: CourseInfoDep,
    modules: LiveModules,
) -> Response:
    """The completion roster as a table, a page at a time, with its downloads."""
    query = roster_query(request.query_params)
    number = page_number(request.query_params.get("side"))
    context: dict[str, Any] = {
        "query": query,
        "statuses": STATUS_CHOICES,
        "page": number,
        "total": 0,
        "records": [],
    }
    if query.errors:
        return render_admin(request, "pages/admin_roster.html", context, status_code=400)
    roster = roster_service.Roster(
        roster_service.roster_modules(modules), info.version, query.filters
    )
    total = roster_service.count_roster(session=session, roster=roster)
    context["total"] = total
    context["records"] = roster_service.roster_page(
        session=session, roster=roster, limit=ADMIN_PAGE_SIZE, offset=(number - 1) * ADMIN_PAGE_SIZE
    )
    context["has_next"] = number * ADMIN_PAGE_SIZE < total
    return render_admin(request, "pages/admin_roster.html", context)


def _download(
    request: Request,
    admin: AdminUser,
    engine: EngineDep,
    info: CourseInfoDep,
    modules: LiveModules,
    format: downloads.RosterFormat,
) -> Response:
    query = roster_query(request.query_params)
    if query.errors:
        raise UnprocessableError(
            [{"loc": ["query", name], "msg": message} for name, message in query.errors.items()]
        )
    # The API's own export: the same file, audit row and name, and the XLSX is built
    # in a worker thread, as for the API.
    return downloads.export_roster(
        engine=engine,
        admin=admin,
        info=info,
        modules=modules,
        filters=query.filters,
        format=format,
    )


@router.get(
    "/admin/kursliste.csv", dependencies=[audit_refusals(Action.ROSTER_EXPORT, target="roster")]
)
def roster_csv(
    request: Request,
    admin: AdminUser,
    engine: EngineDep,
    info: CourseInfoDep,
    modules: LiveModules,
) -> Response:
    """The filtered roster as CSV (UTF-8 with BOM, semicolons), as the API exports it."""
    return _download(request, admin, engine, info, modules, downloads.RosterFormat.CSV)


@router.get(
    "/admin/kursliste.xlsx", dependencies=[audit_refusals(Action.ROSTER_EXPORT, target="roster")]
)
def roster_xlsx(
    request: Request,
    admin: AdminUser,
    engine: EngineDep,
    info: CourseInfoDep,
    modules: LiveModules,
) -> Response:
    """The filtered roster as an Excel workbook, as the API exports it."""
    return _download(request, admin, engine, info, modules, downloads.RosterFormat.XLSX)


@router.get("/admin/kommuner")
def municipalities_page(request: Request, session: SessionDep, admin: AdminUser) -> Response:
    """Learners enrolled, started and completed per municipality, and the completion rate."""
    rows = present.municipalities(roster_service.municipality_summary(session=session))
    enrolled = sum(row.enrolled for row in rows)
    completed = sum(row.completed for row in rows)
    totals = {
        "enrolled": enrolled,
        "started": sum(row.started for row in rows),
        "completed": completed,
        "rate": round(completed / enrolled, 4) if enrolled else 0.0,
    }
    context = {"rows": rows, "totals": totals}
    return render_admin(request, "pages/admin_municipalities.html", context)


def _revoke_form(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    revoked = None
    code = request.query_params.get("trukket")
    if code and not errors:
        try:
            revoked = certificate_service.by_code(session=session, code=code[:40])
        except CertificateNotFound:
            revoked = None
    context = {
        "values": values or {},
        "errors": errors or {},
        "revoked": revoked,
        "already": request.query_params.get("allerede") == "1",
    }
    return render_admin(request, "pages/admin_certificates.html", context, status_code=status_code)


@router.get("/admin/kursbevis")
def certificates_page(request: Request, session: SessionDep, admin: AdminUser) -> Response:
    """A form for revoking a certificate by its code."""
    return _revoke_form(request, session)


@router.post(
    "/admin/kursbevis",
    dependencies=[audit_refusals(Action.CERTIFICATE_REVOKE, target="certificates")],
)
def revoke_certificate(
    request: Request, form: FormDep, session: SessionDep, admin: AdminUser
) -> Response:
    """Revoke the certificate with a reason; it then verifies as revoked."""
    values = {
        "kode": form_text(form, "kode", limit=40).strip(),
        "begrunnelse": form_text(form, "begrunnelse", limit=2000).strip(),
    }
    errors: dict[str, str] = {}
    if not values["kode"]:
        errors["kode"] = "Skriv koden som står på kursbeviset."
    try:
        reason = RevokeRequest(reason=values["begrunnelse"]).reason
    except ValidationError:
        errors["begrunnelse"] = "Skriv en begrunnelse på 3 til 500 tegn."
    if errors:
        target = f"certificate:{values['kode']}" if values["kode"] else "certificates"
        action = Action.CERTIFICATE_REVOKE
        record_invalid(session=session, actor=admin, action=action, target=target)
        return _revoke_form(request, session, values=values, errors=errors, status_code=422)
    try:
        was_revoked = certificate_service.by_code(session=session, code=values["kode"]).revoked_at
        certificate = certificate_service.revoke(
            session=session, code=values["kode"], reason=reason, admin=admin
        )
    except CertificateNotFound as exc:
        target = f"certificate:{values['kode']}"
        record_refusal(
            session=session, actor=admin, action=Action.CERTIFICATE_REVOKE, target=target, error=exc
        )
        if normalize_code(values["kode"]) is None:
            message = (
                "Koden er ikke gyldig: kontrolltegnet stemmer ikke. Trolig er ett tegn skrevet "
                "feil eller to tegn byttet om. Sjekk koden på kursbeviset."
            )
        else:
            message = "Fant ikke noe kursbevis med denne koden."
        errors = {"kode": message}
        return _revoke_form(request, session, values=values, errors=errors, status_code=404)
    audit.record(
        session=session,
        actor=admin,
        action=Action.CERTIFICATE_REVOKE,
        target=f"certificate:{certificate.code}",
    )
    already = "&allerede=1" if was_revoked else ""
    return redirect(request, f"/admin/kursbevis?trukket={certificate.code}{already}#status")


@router.get("/admin/logg")
def audit_log_page(request: Request, session: SessionDep, admin: AdminUser) -> Response:
    """The audit log, newest first, filtered, with a link to older events."""
    params = request.query_params
    values = {
        "aktor": text_param(params.get("aktor"), 254),
        "handling": text_param(params.get("handling"), 60),
        "utfall": text_param(params.get("utfall"), 20),
        "fra": text_param(params.get("fra"), 20),
        "til": text_param(params.get("til"), 20),
    }
    if values["handling"] not in ACTION_LABELS:
        values["handling"] = ""
    if values["utfall"] not in OUTCOME_LABELS:
        values["utfall"] = ""
    errors: dict[str, str] = {}
    since, until = _date(params, "fra", errors), _date(params, "til", errors)
    actor_id = None
    if values["aktor"]:
        actor = get_user_by_email(session=session, email=values["aktor"])
        if actor is None:
            errors["aktor"] = "Fant ingen bruker med denne e-postadressen."
        actor_id = actor.id if actor else None
    before = params.get("for", "")
    before_id = int(before) if before.isdigit() and len(before) < 10 else None
    events = []
    if not errors:
        filters = audit.AuditFilters(
            actor_id=actor_id,
            action=values["handling"] or None,
            outcome=values["utfall"] or None,
            since=roster_service.oslo_midnight_utc(since) if since else None,
            until=roster_service.oslo_midnight_utc(until + timedelta(days=1)) if until else None,
            before_id=before_id,
        )
        rows = audit.list_events(session=session, filters=filters, limit=ADMIN_PAGE_SIZE + 1)
        events = present.audit_events(rows)
    given = {name: value for name, value in values.items() if value}
    older = None
    if len(events) > ADMIN_PAGE_SIZE:
        events = events[:ADMIN_PAGE_SIZE]
        older = "/admin/logg?" + urlencode({**given, "for": events[-1].id})
    context = {
        "values": values,
        "errors": errors,
        "events": events,
        "older": older,
        "newest": f"/admin/logg?{urlencode(given)}".rstrip("?") if before_id else None,
        "actions": [("", "Alle"), *((a, label) for a, label in ACTION_LABELS.items())],
        "outcomes": [("", "Alle"), *((o, label) for o, label in OUTCOME_LABELS.items())],
        "action_labels": ACTION_LABELS,
        "outcome_labels": OUTCOME_LABELS,
    }
    return render_admin(
        request, "pages/admin_audit.html", context, status_code=400 if errors else 200
    )
