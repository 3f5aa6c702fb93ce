"""Administration pages for reports and records: the roster with its CSV and XLSX downloads,
municipalities, and the audit log. Same services as the API. (Certificates:
``api.web.admin_certificates``.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from starlette.datastructures import QueryParams

from api.core.errors import UnprocessableError
from api.http import downloads
from api.http import presenters_admin as present
from api.http.auditing import audit_refusals
from api.http.deps import AdminUser, CourseInfoDep, EngineDep, LiveModules, SessionDep
from api.services import audit
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
from api.web.deps import page_router
from api.web.templating import templates
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
