"""Downloads: the roster streamed from worker threads, the XLSX built in one, SCORM packages.

The JSON API and the administration pages both answer a roster export with
``export_roster``, and a job's file with ``job_file``, so the file, its name and its
audit row are the same.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Generator, Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path

import anyio
from fastapi import Response
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.core.db import transaction
from api.data.models import User
from api.services import gift_exchange, jobs, roster_export, scorm_export
from api.services import roster as roster_service
from api.services.content import LiveModule
from api.services.contracts import Delimiter, RosterFormat
from api.services.gift_exchange import GiftFile
from api.services.scope import Actor
from api.services.scorm_export import ScormPackage
from course.models import CourseInfo

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CHUNK = 1 << 16


_MEDIA_TYPES = {
    RosterFormat.CSV: "text/csv; charset=utf-8",
    RosterFormat.XLSX: XLSX,
    RosterFormat.JSON: "application/json",
}


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


def export_roster(
    *,
    engine: Engine,
    actor: Actor,
    info: CourseInfo,
    modules: Sequence[LiveModule],
    filters: roster_service.RosterFilters,
    format: RosterFormat,
    delimiter: Delimiter = Delimiter.SEMICOLON,
) -> StreamingResponse:
    """The roster of the actor's people as a streamed download, recorded in the audit log
    with the scope it covered (API and pages)."""
    with transaction(engine) as session:
        roster = roster_service.new_roster(
            session=session,
            actor=actor,
            modules=modules,
            course_version=info.version,
            filters=filters,
        )
    roster_service.record_export(
        engine=engine, actor=actor.user, format=format.value, filters=filters, scope=roster.scope
    )
    today = datetime.now(roster_service.OSLO).date().isoformat()
    disposition = f'attachment; filename="deltakere-{today}.{format.value}"'
    return StreamingResponse(
        _body(engine, roster, format, delimiter),
        media_type=_MEDIA_TYPES[format],
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


def job_file(*, session: Session, engine: Engine, caller: User, job_id: int) -> Response:
    """The file of a job the caller may see, recorded in the audit log as downloaded."""
    file = jobs.job_file(session=session, caller=caller, job_id=job_id)
    jobs.record_download(engine=engine, caller=caller, job_id=job_id, size=file.size)
    return attachment(file.content, media_type=file.media_type, filename=file.filename)


def scorm_download(package: ScormPackage) -> Response:
    """A SCORM package as a download (the API's route and the instructor page)."""
    return attachment(
        package.content, media_type=scorm_export.MEDIA_TYPE, filename=package.filename
    )


def gift_download(exported: GiftFile) -> Response:
    """A GIFT file as a download (the API's route and the instructor page)."""
    return attachment(
        exported.content, media_type=gift_exchange.MEDIA_TYPE, filename=exported.filename
    )


def attachment(content: bytes | str, *, media_type: str, filename: str) -> Response:
    """A file to download, never cached: what people download here is personal data or
    course material that changes."""
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
