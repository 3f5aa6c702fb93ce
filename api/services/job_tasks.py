"""The kinds of background job, and what each does (run by ``api.services.worker``).

A task takes the ``JobContext`` and its payload as keyword arguments, may run
twice (delivery is at least once), reports progress, checks for cancellation at
the same points, and returns a small mapping kept as the job's result.
"""

from __future__ import annotations

import io
import tempfile
import time
import zipfile
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from api.core.db import transaction
from api.data.models import Job, User
from api.services import (
    audit,
    certificate_pdfs,
    certificates,
    content,
    email_delivery,  # registers the e-mail tasks
    email_outbox,
    jobs,
    org_units,
    roster,
    roster_export,
    webhooks,
    xapi_delivery,
)
from api.services.contracts import RosterFilters
from api.services.jobs import REGISTRY
from api.services.scope import Actor, Capability, actor_for
from api.services.webhook_delivery import WEBHOOK_DELIVER as WEBHOOK_DELIVER  # registered there
from api.services.worker import JobContext
from api.services.worker import writing as jobs_writing
from certificates.bulk import render_to_directory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROSTER_EXPORT = "roster.export"
CERTIFICATES_RENDER_ALL = "certificates.render_all"
CLEAN_UP = "maintenance.clean_up"
SLEEP = "diagnostic.sleep"
XAPI_DELIVER = xapi_delivery.DELIVER
EMAIL_COMPLETION_NOTICES = email_delivery.COMPLETION_NOTICES
EMAIL_REMINDERS = email_delivery.REMINDERS
EMAIL_SEND = email_delivery.SEND

ROSTER_FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX, "json": "application/json"}


def _live(ctx: JobContext, session: Session) -> tuple[Any, list[content.LiveModule]]:
    info = content.course_info(ctx.settings.content_dir)
    return info, content.live_modules(session=session, info=info, cache=content.RenderCache())


def _counted(batches: Any, ctx: JobContext, total: int) -> Any:
    """Pass batches through, reporting the share of ``total`` rows done so far."""
    done = 0
    for batch in batches:
        yield batch
        done += len(batch)
        ctx.progress(min(99, done * 100 // max(total, 1)), f"{done} av {total} deltakere")


def _requester(session: Session, user_id: int | None) -> Actor:
    """Who asked for the job, with their rights as they are now (a role revoked since the
    request narrows the file); the operator for a job from the command line."""
    if user_id is None:
        return Actor.for_operator()
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.erased_at is not None:
        return Actor(user=None)  # no rights left: the roster service refuses
    return actor_for(session=session, user=user)


@REGISTRY.task(ROSTER_EXPORT, queue="bulk")
def export_roster(
    ctx: JobContext, *, filters: dict[str, Any], format: str, delimiter: str = "semicolon"
) -> dict[str, Any]:
    """The roster as a file kept with the job: XLSX, CSV or JSON, with the same filters as
    the streamed download. Built in a temporary file, so memory stays flat."""
    with transaction(ctx.engine) as session:
        info, modules = _live(ctx, session)
        selection = roster.new_roster(
            session=session,
            actor=_requester(session, ctx.created_by),
            modules=modules,
            course_version=info.version,
            filters=RosterFilters.model_validate(filters),
        )
        total = roster.count_roster(session=session, roster=selection)
    ctx.progress(0, f"0 av {total} deltakere")
    with tempfile.TemporaryDirectory(prefix="innostudy-job-") as directory:
        path = Path(directory) / f"roster.{format}"
        if format == "xlsx":
            with closing(roster.stream(engine=ctx.engine, roster=selection)) as batches:
                roster_export.write_xlsx(_counted(batches, ctx, total), selection, path)
        else:
            with path.open("wb") as file:
                if format == "json":
                    records = roster.stream(engine=ctx.engine, roster=selection)
                    chunks = roster_export.json_chunks(_counted(records, ctx, total), selection)
                else:
                    rows = roster.stream_rows(engine=ctx.engine, roster=selection)
                    separator = roster_export.DELIMITERS[delimiter]
                    chunks = roster_export.csv_chunks(
                        _counted(rows, ctx, total), selection, delimiter=separator
                    )
                with closing(chunks):
                    for chunk in chunks:
                        file.write(chunk)
        ctx.check_cancelled()
        today = datetime.now(roster.OSLO).date().isoformat()
        ctx.store_file(
            filename=f"deltakere-{today}.{format}",
            media_type=ROSTER_FORMATS[format],
            content=path.read_bytes(),
        )
    return {"rows": total}


@REGISTRY.task(CERTIFICATES_RENDER_ALL, queue="bulk", max_attempts=3)
def render_all_certificates(ctx: JobContext, *, processes: int | None = None) -> dict[str, Any]:
    """Issue the missing certificates, then render every valid one into a ZIP of PDFs."""
    with transaction(ctx.engine, write=True) as session:
        info = content.course_info(ctx.settings.content_dir)
        issued = certificates.issue_missing(session=session, info=info)
    with transaction(ctx.engine) as session:
        info, modules = _live(ctx, session)
        items = certificate_pdfs.all_render_data(
            session=session, settings=ctx.settings, info=info, modules=modules
        )
    total = len(items)
    ctx.progress(0, f"0 av {total} kursbevis")
    with tempfile.TemporaryDirectory(prefix="innostudy-job-") as directory:
        folder = Path(directory) / "kursbevis"

        def progress(done: int) -> None:
            ctx.progress(min(99, done * 100 // max(total, 1)), f"{done} av {total} kursbevis")

        written = render_to_directory(items, folder, workers=processes, on_progress=progress)
        ctx.check_cancelled()
        bundle = io.BytesIO()
        with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_STORED) as archive:
            for pdf in sorted(folder.glob("*.pdf")):  # PDFs are compressed already
                archive.write(pdf, pdf.name)
        today = datetime.now(roster.OSLO).date().isoformat()
        ctx.store_file(
            filename=f"kursbevis-{today}.zip",
            media_type="application/zip",
            content=bundle.getvalue(),
        )
    return {"issued": issued, "rendered": written}


@REGISTRY.task(CLEAN_UP, max_attempts=3)
def clean_up(ctx: JobContext) -> dict[str, Any]:
    """The nightly clean-up: expired job files, finished jobs past their keeping time,
    webhook deliveries past theirs, and old rows of the e-mail outbox."""
    with transaction(ctx.engine, write=True) as session:
        removed = jobs.clean_up(
            session=session, keep_finished=timedelta(days=ctx.settings.job_keep_days)
        )
        keep_log = timedelta(days=ctx.settings.webhook_log_days)
        removed["webhook_deliveries"] = webhooks.prune_deliveries(session=session, keep=keep_log)
        keep_mail = timedelta(days=ctx.settings.job_keep_days)
        removed["emails"] = email_outbox.prune(session=session, keep=keep_mail)
        return removed


# Many tries: with the queue's capped backoff they span more than a day of the store
# being down, and a dead delivery is followed by a new one as long as statements wait.
@REGISTRY.task(XAPI_DELIVER, max_attempts=30, pending=xapi_delivery.has_unsent)
def deliver_xapi_statements(ctx: JobContext) -> dict[str, Any]:
    """Send the waiting xAPI statements to the learning record store, oldest first."""
    lrs = xapi_delivery.Lrs.of(ctx.settings)
    if lrs is None:
        return {"sent": 0, "configured": False}
    sent = conflicts = 0
    while True:
        ctx.check_cancelled()
        with ctx.engine.connect() as connection:
            batch = xapi_delivery.unsent(connection, limit=ctx.settings.xapi_batch_size)
        if not batch:
            return {"sent": sent, "already_stored": conflicts}
        conflicts += lrs.send(batch)  # raises while the store is down: tried again later
        with jobs_writing(ctx.engine) as connection:
            xapi_delivery.mark_sent(connection, batch)
        sent += sum(event.count for event in batch)
        ctx.progress(None, f"{sent} utsagn sendt")


@REGISTRY.task(SLEEP, max_attempts=3)
def sleep(ctx: JobContext, *, seconds: float = 0.0, steps: int = 10) -> dict[str, Any]:
    """Does nothing for ``seconds``, reporting progress: for checking that workers run, and
    for measuring the queue itself (bench/bench_jobs.py)."""
    for step in range(steps if seconds > 0 else 0):
        time.sleep(seconds / steps)
        ctx.progress((step + 1) * 100 // steps, "venter")
    return {"slept": seconds, "worker": ctx.worker_name}


# -- the use cases that start these jobs (the API, the pages and the command line) --------


def request_roster_export(
    *, session: Session, actor: Actor, filters: RosterFilters, format: str, delimiter: str
) -> Job:
    """Start building the roster as a file: audited with its filters and the scope it
    covers, like a download. The job reads with its requester's rights (``_requester``)."""
    if format not in ROSTER_FORMATS or delimiter not in roster_export.DELIMITERS:
        raise ValueError("unknown roster format or delimiter")  # the doors validate these
    scope = actor.require(Capability.READ_PEOPLE)
    if filters.unit is not None:
        org_units.visible_unit(session=session, actor=actor, unit_id=filters.unit)
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.ROSTER_EXPORT,
        target="roster",
        details={
            "format": format,
            "filters": filters.audited(),
            "as_job": True,
            "scope": scope.audited(),
        },
        municipality=roster.single_municipality(scope),
    )
    return jobs.enqueue(
        session=session,
        kind=ROSTER_EXPORT,
        payload={
            "filters": filters.model_dump(mode="json"),
            "format": format,
            "delimiter": delimiter,
        },
        created_by=actor.user_id,
    )


def request_certificate_bundle(
    *, session: Session, admin: User | None, processes: int | None = None
) -> Job:
    """Start issuing the missing certificates and rendering all of them into one ZIP
    (in ``processes`` processes; by default as many as the worker's machine has cores)."""
    job = jobs.enqueue(
        session=session,
        kind=CERTIFICATES_RENDER_ALL,
        payload={} if processes is None else {"processes": processes},
        created_by=None if admin is None else admin.id,
    )
    audit.record(
        session=session,
        actor=admin,
        action=audit.Action.CERTIFICATES_RENDER_ALL,
        target=f"job:{job.id}",
    )
    return job
