"""Administration pages for reports and records: the roster with its CSV and XLSX downloads
(streamed, or built by a background job) and the audit log. Same services
as the API. (Certificates: ``api.web.admin_certificates``; jobs: ``api.web.admin_jobs``;
municipalities: ``api.web.admin_municipalities``.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from starlette.datastructures import QueryParams

from api.core.errors import UnitNotFound, UnprocessableError
from api.http import downloads
from api.http import presenters_admin as present
from api.http.auditing import audit_refusals
from api.http.deps import (
    AuditReader,
    CourseInfoDep,
    EngineDep,
    LiveModules,
    PeopleReader,
    SessionDep,
)
from api.services import audit, job_tasks, org_units
from api.services import roster as roster_service
from api.services.audit import Action
from api.services.contracts import Delimiter, RosterFilters, RosterFormat
from api.web import audit_labels
from api.web.admin_common import (
    ADMIN_PAGE_SIZE,
    job_page,
    page_number,
    render_admin,
)
from api.web.deps import FormDep, form_text, page_router
from api.web.render import redirect
from api.web.templating import templates
from course.messages import predicate
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
# The page's parameter for each field of the roster filters.
_PARAMS = {
    "municipality": "kommune",
    "county": "fylke",
    "unit": "enhet",
    "status": "status",
    "completed_from": "fra",
    "completed_to": "til",
}
_JOB_FORMATS = {RosterFormat.XLSX.value, RosterFormat.CSV.value}


@dataclass(frozen=True, slots=True)
class RosterQuery:
    """The roster page's filters as typed (for the form) and as checked (for the service)."""

    values: dict[str, str]
    filters: RosterFilters
    errors: dict[str, str] = field(default_factory=dict)

    def link(self, path: str, **extra: str) -> str:
        given = {name: value for name, value in self.values.items() if value}
        return f"{path}?{urlencode({**given, **extra})}" if given or extra else path


def _message(error: ErrorDetails) -> str:
    if error["type"].startswith("date"):
        return _DATE_ERROR
    if error["type"] == "enum":
        return "Velg en av statusene i listen."
    message = predicate(error)
    return message if message.endswith(".") else f"Feltet {message}."


def _stripped(params: QueryParams, names: Iterable[str]) -> dict[str, str]:
    return {name: (params.get(name) or "").strip() for name in names}


def _field_errors(exc: ValidationError, names: Mapping[str, str], default: str) -> dict[str, str]:
    """Each error in Norwegian under its field's page parameter (``default`` if it names none)."""
    errors = {}
    for error in exc.errors():
        name = names.get(str(error["loc"][0]), default) if error["loc"] else default
        errors[name] = _message(error)
    return errors


def roster_query(params: QueryParams) -> RosterQuery:
    """The page's parameters checked by the same model as the API's roster filters."""
    values = _stripped(params, _PARAMS.values())
    given = {field: values[name] for field, name in _PARAMS.items() if values[name]}
    try:
        return RosterQuery(values, RosterFilters.model_validate(given))
    except ValidationError as exc:
        return RosterQuery(values, RosterFilters(), _field_errors(exc, _PARAMS, "kommune"))


@router.get("/admin/kursliste")
def roster_page(
    request: Request,
    session: SessionDep,
    actor: PeopleReader,
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
    number_given = query.values["kommune"]
    if len(number_given) == 4 and number_given.isdigit():
        units = org_units.choices(session=session, municipality_number=number_given)
        context["unit_choices"] = [("", "Alle"), *((str(i), text) for i, text in units)]
    if query.errors:
        return render_admin(request, "pages/admin_roster.html", context, status_code=400)
    try:
        roster = roster_service.new_roster(
            session=session,
            actor=actor,
            modules=modules,
            course_version=info.version,
            filters=query.filters,
        )
    except UnitNotFound as exc:
        context["query"] = dataclasses.replace(query, errors={"enhet": exc.detail})
        return render_admin(request, "pages/admin_roster.html", context, status_code=400)
    total = roster_service.count_roster(session=session, roster=roster)
    context["total"] = total
    context["records"] = roster_service.roster_page(
        session=session, roster=roster, limit=ADMIN_PAGE_SIZE, offset=(number - 1) * ADMIN_PAGE_SIZE
    )
    context["has_next"] = number * ADMIN_PAGE_SIZE < total
    return render_admin(request, "pages/admin_roster.html", context)


def _download(
    request: Request,
    actor: PeopleReader,
    engine: EngineDep,
    info: CourseInfoDep,
    modules: LiveModules,
    format: RosterFormat,
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
        actor=actor,
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
    actor: PeopleReader,
    engine: EngineDep,
    info: CourseInfoDep,
    modules: LiveModules,
) -> Response:
    """The filtered roster as CSV (UTF-8 with BOM, semicolons), as the API exports it."""
    return _download(request, actor, engine, info, modules, RosterFormat.CSV)


@router.get(
    "/admin/kursliste.xlsx", dependencies=[audit_refusals(Action.ROSTER_EXPORT, target="roster")]
)
def roster_xlsx(
    request: Request,
    actor: PeopleReader,
    engine: EngineDep,
    info: CourseInfoDep,
    modules: LiveModules,
) -> Response:
    """The filtered roster as an Excel workbook, as the API exports it."""
    return _download(request, actor, engine, info, modules, RosterFormat.XLSX)


@router.post(
    "/admin/kursliste/eksport",
    dependencies=[audit_refusals(Action.ROSTER_EXPORT, target="roster")],
)
def start_roster_export(
    request: Request, form: FormDep, session: SessionDep, actor: PeopleReader
) -> Response:
    """Start building the filtered roster as a file in the background; on to the job's page."""
    query = roster_query(
        QueryParams({name: form_text(form, name, limit=200) for name in _PARAMS.values()})
    )
    format = form_text(form, "format", limit=10)
    errors = dict(query.errors)
    if format not in _JOB_FORMATS:
        errors["format"] = "Velg Excel eller CSV."
    if errors:  # the page sends only filters it has checked: this form was changed by hand
        raise UnprocessableError(
            [{"loc": ["form", name], "msg": message} for name, message in errors.items()]
        )
    job = job_tasks.request_roster_export(
        session=session,
        actor=actor,
        filters=query.filters,
        format=format,
        delimiter=Delimiter.SEMICOLON.value,
    )
    return redirect(request, job_page(job.id, "startet"))


_OLD_LINK = "Lenken til eldre hendelser er ugyldig. Vis de nyeste hendelsene og bla derfra."
# The log page's parameter for each field of the audit query (the actor: by e-mail address).
_LOG_PARAMS = {
    "action": "handling",
    "outcome": "utfall",
    "since": "fra",
    "until": "til",
    "before_id": "for",
}


@router.get("/admin/logg")
def audit_log_page(request: Request, session: SessionDep, reader: AuditReader) -> Response:
    """The audit log, newest first, filtered, with a link to older events."""
    params = request.query_params
    values = _stripped(params, ("aktor", *_LOG_PARAMS.values()))
    if values["handling"] not in ACTION_LABELS:  # the page offers the actions it can name
        values["handling"] = ""
    fields = {field: values[name] for field, name in _LOG_PARAMS.items() if values[name]}
    errors: dict[str, str] = {}
    if values["aktor"]:
        actor = audit.find_actor(session=session, reader=reader, email=values["aktor"][:254])
        if actor is None:
            errors["aktor"] = "Fant ingen bruker med denne e-postadressen."
        else:
            fields["actor_id"] = str(actor.id)
    query = audit.AuditQuery()
    try:  # the same model as the API's query parameters
        query = audit.AuditQuery.model_validate(fields)
    except ValidationError as exc:
        errors |= _field_errors(exc, _LOG_PARAMS, "aktor")
        if "for" in errors:  # not a field: the link to older events was changed by hand
            errors["for"] = _OLD_LINK
    before_id = query.before_id
    events = []
    if not errors:
        filters = query.filters()
        rows = audit.list_events(
            session=session, actor=reader, filters=filters, limit=ADMIN_PAGE_SIZE + 1
        )
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
