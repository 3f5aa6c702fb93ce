"""Reports for administrators: the completion roster (CSV, XLSX, JSON) and municipalities."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response
from fastapi.responses import StreamingResponse

from api.core.errors import (
    Forbidden,
    MunicipalityNotFound,
    NotAuthenticated,
    UnitNotFound,
    UnprocessableError,
    responses,
)
from api.http import downloads
from api.http import presenters_admin as present
from api.http.auditing import audit_refusals
from api.http.deps import CourseInfoDep, EngineDep, LiveModules, PeopleReader, SessionDep
from api.http.downloads import XLSX
from api.http.routing import api_router
from api.http.schemas_admin import (
    JobPublic,
    MunicipalitySummary,
    RosterEntry,
    RosterExportRequest,
    UnitSummary,
)
from api.services import job_tasks, jobs, org_units, unit_report
from api.services import roster as roster_service
from api.services.audit import Action
from api.services.contracts import NO_CONTROL_CHARACTERS, Delimiter, RosterFilters, RosterFormat

router = api_router(prefix="/reports", tags=["reports"])
GUARDED = (NotAuthenticated, Forbidden)
_ROSTER_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The roster, streamed: CSV, XLSX, or a JSON array of RosterEntry",
        "content": {"text/csv": {}, XLSX: {}},
    }
}


@router.get(
    "/roster",
    response_model=list[RosterEntry],
    responses={**_ROSTER_CONTENT, **responses(*GUARDED, UnprocessableError, UnitNotFound)},
    dependencies=[audit_refusals(Action.ROSTER_EXPORT, target="roster")],
)
def roster(
    actor: PeopleReader,
    engine: EngineDep,
    info: CourseInfoDep,
    modules: LiveModules,
    filters: Annotated[RosterFilters, Query()],
    format: RosterFormat = RosterFormat.CSV,
    delimiter: Annotated[
        Delimiter, Query(description="CSV only; semicolon suits Excel in a Norwegian locale")
    ] = Delimiter.SEMICOLON,
) -> StreamingResponse:
    """Completion roster, one row per learner, streamed as CSV (UTF-8 with BOM), XLSX or JSON.

    Text that a spreadsheet would run as a formula is prefixed with `'`. Each
    export is recorded in the audit log with its filters.
    """
    return downloads.export_roster(
        engine=engine,
        actor=actor,
        info=info,
        modules=modules,
        filters=filters,
        format=format,
        delimiter=delimiter,
    )


@router.post(
    "/roster/exports",
    status_code=202,
    responses=responses(*GUARDED, UnprocessableError, UnitNotFound),
    dependencies=[audit_refusals(Action.ROSTER_EXPORT, target="roster")],
)
def request_roster_export(
    session: SessionDep, actor: PeopleReader, body: RosterExportRequest, response: Response
) -> JobPublic:
    """Build the roster as a file in the background (for large selections, and XLSX).

    The same filters as `GET /reports/roster`. Answers at once with the job; follow
    `status_url` for its progress, and download the file from `file.url` when it is
    ready. Recorded in the audit log with its filters, like a download.
    """
    job = job_tasks.request_roster_export(
        session=session,
        actor=actor,
        filters=body.filters,
        format=body.format.value,
        delimiter=body.delimiter.value,
    )
    view = present.job(jobs.JobView(job, None))
    response.headers["Location"] = view.status_url
    return view


@router.get("/municipalities", responses=responses(*GUARDED))
def municipalities(
    session: SessionDep,
    actor: PeopleReader,
    county: Annotated[
        str | None,
        Query(max_length=100, pattern=NO_CONTROL_CHARACTERS, description="County name or number"),
    ] = None,
) -> list[MunicipalitySummary]:
    """Learners enrolled, started and completed per municipality, and the completion rate
    (the caller's people only)."""
    summary = roster_service.municipality_summary(session=session, actor=actor, county=county)
    return present.municipalities(summary)


@router.get("/units", responses=responses(*GUARDED, MunicipalityNotFound, UnitNotFound))
def units(
    session: SessionDep,
    actor: PeopleReader,
    municipality: Annotated[
        str, Query(min_length=1, max_length=100, description="Municipality number or name")
    ],
    unit: Annotated[
        int | None, Query(ge=1, le=2_147_483_647, description="Only this unit and those below")
    ] = None,
) -> list[UnitSummary]:
    """Learners per unit of the municipality (each unit with everything below it), for
    the units in the caller's scope, in tree order."""
    number = org_units.find_municipality(session=session, text=municipality).number
    rows = unit_report.unit_summary(
        session=session, actor=actor, municipality_number=number, unit_id=unit
    )
    return present.units(rows)
