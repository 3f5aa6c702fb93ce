"""Reports for administrators: the completion roster (CSV, XLSX, JSON) and municipalities."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Generator, Sequence
from contextlib import closing
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api import presenters_admin as present
from api.auditing import audit_refusals, record_read
from api.deps import AdminUser, CourseInfoDep, EngineDep, LiveModules, SessionDep
from api.errors import Forbidden, NotAuthenticated, UnprocessableError, responses
from api.models import User
from api.schemas import NO_CONTROL_CHARACTERS
from api.schemas_admin import MunicipalitySummary, RosterEntry
from api.services import roster as roster_service
from api.services import roster_export
from api.services.audit import Action
from api.services.content import LiveModule
from api.services.roster import EARLIEST, LATEST
from course.models import CourseInfo
from course.progress import ModuleStatus

router = APIRouter(prefix="/reports", tags=["reports"])
GUARDED = (NotAuthenticated, Forbidden)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CHUNK = 1 << 16


class RosterFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


class Delimiter(StrEnum):
    SEMICOLON = "semicolon"
    COMMA = "comma"
    TAB = "tab"


_MEDIA_TYPES = {
    RosterFormat.CSV: "text/csv; charset=utf-8",
    RosterFormat.XLSX: XLSX,
    RosterFormat.JSON: "application/json",
}
_ROSTER_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The roster, streamed: CSV, XLSX, or a JSON array of RosterEntry",
        "content": {"text/csv": {}, XLSX: {}},
    }
}
FilterText = Annotated[str | None, Query(max_length=200, pattern=NO_CONTROL_CHARACTERS)]


async def _in_threads(chunks: Generator[bytes, None, None]) -> AsyncIterator[bytes]:
    """Run a blocking generator in worker threads, and close it there even if the client left."""
    try:
        while (chunk := await run_in_threadpool(next, chunks, None)) is not None:
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(chunks.close)


def _write_xlsx(engine: Engine, roster: roster_service.Roster, path: Path) -> None:
    with closing(roster_service.stream(engine=engine, roster=roster)) as batches:
        roster_export.write_xlsx(batches, roster, path)


async def _xlsx_file(engine: Engine, roster: roster_service.Roster) -> AsyncIterator[bytes]:
    """Build the workbook in a worker thread (the event loop stays free), then send it."""
    with tempfile.TemporaryDirectory(prefix="innostudy-roster-") as directory:
        path = Path(directory) / "roster.xlsx"
        await run_in_threadpool(_write_xlsx, engine, roster, path)
        with path.open("rb") as file:
            while chunk := await run_in_threadpool(file.read, _CHUNK):
                yield chunk


def _body(
    engine: Engine, roster: roster_service.Roster, format: RosterFormat, delimiter: Delimiter
) -> AsyncIterator[bytes]:
    if format is RosterFormat.XLSX:
        return _xlsx_file(engine, roster)
    if format is RosterFormat.JSON:
        batches = roster_service.stream(engine=engine, roster=roster)
        return _in_threads(roster_export.json_chunks(batches, roster))
    rows = roster_service.stream_rows(engine=engine, roster=roster)
    separator = roster_export.DELIMITERS[delimiter.value]
    return _in_threads(roster_export.csv_chunks(rows, roster, delimiter=separator))


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
    return export_roster(
        engine=engine,
        admin=admin,
        info=info,
        modules=modules,
        filters=filters,
        format=format,
        delimiter=delimiter,
    )


def export_roster(
    *,
    engine: Engine,
    admin: User,
    info: CourseInfo,
    modules: Sequence[LiveModule],
    filters: roster_service.RosterFilters,
    format: RosterFormat,
    delimiter: Delimiter = Delimiter.SEMICOLON,
) -> StreamingResponse:
    """The roster as a streamed download, recorded in the audit log (API and admin pages)."""
    roster = roster_service.Roster(roster_service.roster_modules(modules), info.version, filters)
    record_read(
        engine=engine,
        actor=admin,
        action=Action.ROSTER_EXPORT,
        target="roster",
        details={"format": format.value, "filters": filters.audited()},
    )
    today = datetime.now(roster_service.OSLO).date().isoformat()
    disposition = f'attachment; filename="deltakere-{today}.{format.value}"'
    return StreamingResponse(
        _body(engine, roster, format, delimiter),
        media_type=_MEDIA_TYPES[format],
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


@router.get("/municipalities", responses=responses(*GUARDED))
def municipalities(session: SessionDep, admin: AdminUser) -> list[MunicipalitySummary]:
    """Learners enrolled, started and completed per municipality, and the completion rate."""
    return present.municipalities(roster_service.municipality_summary(session=session))
