"""Reports for administrators: the completion roster (CSV, XLSX, JSON) and municipalities."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.core.errors import Forbidden, NotAuthenticated, UnprocessableError, responses
from api.http import downloads
from api.http import presenters_admin as present
from api.http.auditing import audit_refusals
from api.http.deps import AdminUser, CourseInfoDep, EngineDep, LiveModules, SessionDep
from api.http.downloads import XLSX, Delimiter, RosterFormat
from api.http.schemas_admin import MunicipalitySummary, RosterEntry
from api.services import roster as roster_service
from api.services.audit import Action
from api.services.contracts import NO_CONTROL_CHARACTERS
from api.services.roster import EARLIEST, LATEST
from course.progress import ModuleStatus

router = APIRouter(prefix="/reports", tags=["reports"])
GUARDED = (NotAuthenticated, Forbidden)
_ROSTER_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The roster, streamed: CSV, XLSX, or a JSON array of RosterEntry",
        "content": {"text/csv": {}, XLSX: {}},
    }
}


FilterText = Annotated[str | None, Query(max_length=200, pattern=NO_CONTROL_CHARACTERS)]


@router.get(
    "/roster",
    response_model=list[RosterEntry],
    responses={**_ROSTER_CONTENT, **responses(*GUARDED, UnprocessableError)},
    dependencies=[audit_refusals(Action.ROSTER_EXPORT, target="roster")],
)
def roster(
    admin: AdminUser,
    engine: EngineDep,
    info: CourseInfoDep,
    modules: LiveModules,
    format: RosterFormat = RosterFormat.CSV,
    delimiter: Annotated[
        Delimiter, Query(description="CSV only; semicolon suits Excel in a Norwegian locale")
    ] = Delimiter.SEMICOLON,
    municipality: Annotated[
        str | None,
        Query(max_length=100, pattern=NO_CONTROL_CHARACTERS, description="Name or number"),
    ] = None,
    department: FilterText = None,
    status: ModuleStatus | None = None,
    completed_from: Annotated[
        date | None, Query(ge=EARLIEST, le=LATEST, description="First day, included")
    ] = None,
    completed_to: Annotated[
        date | None, Query(ge=EARLIEST, le=LATEST, description="Last day, included")
    ] = None,
) -> StreamingResponse:
    """Completion roster, one row per learner, streamed as CSV (UTF-8 with BOM), XLSX or JSON.

    Text that a spreadsheet would run as a formula is prefixed with `'`. Each
    export is recorded in the audit log with its filters.
    """
    if completed_from and completed_to and completed_from > completed_to:
        error = {"loc": ["query", "completed_to"], "msg": "is before completed_from"}
        raise UnprocessableError([{**error, "type": "value_error"}])
    filters = roster_service.RosterFilters(
        municipality=municipality,
        department=department,
        status=status,
        completed_from=completed_from,
        completed_to=completed_to,
    )
    return downloads.export_roster(
        engine=engine,
        admin=admin,
        info=info,
        modules=modules,
        filters=filters,
        format=format,
        delimiter=delimiter,
    )


@router.get("/municipalities", responses=responses(*GUARDED))
def municipalities(session: SessionDep, admin: AdminUser) -> list[MunicipalitySummary]:
    """Learners enrolled, started and completed per municipality, and the completion rate."""
    return present.municipalities(roster_service.municipality_summary(session=session))
