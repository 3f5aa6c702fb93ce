"""Administration pages for background jobs: the list, one job with its progress and file,
cancel and retry. Same services as the API's ``/jobs`` routes (``api.services.jobs``),
which decide who may see a job and audit what is done to it.

The job page works without JavaScript (a link reloads it); with it, ``job-status.js``
follows the job through ``/admin/jobber/{id}/status``, a small JSON answer for the
page's own session cookie (the JSON API takes only bearer tokens).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from api.data.models import JobState
from api.http import downloads
from api.http.auditing import audit_refusals
from api.http.deps import AdminUser, EngineDep, PeopleReader, SessionDep
from api.services import jobs
from api.services.audit import Action
from api.web import job_labels
from api.web.admin_common import ADMIN_PAGE_SIZE, job_page, render_admin
from api.web.deps import page_router
from api.web.paths import MAX_ID
from api.web.render import redirect
from api.web.templating import templates

router = page_router()
STATE_CHOICES = [
    ("", "Alle"),
    *((state.value, job_labels.STATE_LABELS[state]) for state in JobState),
]
_STATES = {state.value for state in JobState}
# What a redirect tells the administrator (keys, never text from the URL; ``startet`` comes
# from the forms that start a job, ``admin_common.job_page``).
_NOTICES = {
    "startet": "Jobben er bestilt. Den kjører i bakgrunnen, så du kan gå videre og komme tilbake.",
    "avbrutt": "Jobben er avbrutt og blir ikke kjørt.",
    "avbrytes": "Jobben er bedt om å stoppe. Den stopper ved neste trinn.",
    "igjen": "Jobben er lagt i kø igjen, med alle forsøkene.",
}
templates.env.filters["job_kind"] = job_labels.kind_label
templates.env.filters["job_state"] = job_labels.state_label
templates.env.filters["job_error"] = job_labels.short_error
templates.env.globals["job_badges"] = job_labels.STATE_BADGES
templates.env.tests["finished_job"] = jobs.is_finished
templates.env.tests["cancellable_job"] = jobs.can_cancel
templates.env.tests["retryable_job"] = jobs.can_retry


def _older_than(value: str | None) -> int | None:
    """``?for=N`` (the link to older jobs) as an id; anything else shows the newest."""
    if value and value.isdigit() and len(value) <= len(str(MAX_ID)) and 0 < int(value) <= MAX_ID:
        return int(value)
    return None


@router.get("/admin/jobber")
def jobs_list(request: Request, session: SessionDep, admin: AdminUser) -> Response:
    """The newest background jobs first, filtered by state, with a link to older ones."""
    params = request.query_params
    state = params.get("tilstand", "")
    state = state if state in _STATES else ""
    before_id = _older_than(params.get("for"))
    rows = jobs.list_jobs(
        session=session,
        state=JobState(state) if state else None,
        before_id=before_id,
        limit=ADMIN_PAGE_SIZE + 1,
    )
    views = jobs.with_files(session=session, rows=rows[:ADMIN_PAGE_SIZE])
    given = {"tilstand": state} if state else {}
    older = None
    if len(rows) > ADMIN_PAGE_SIZE:
        older = "/admin/jobber?" + urlencode({**given, "for": views[-1].job.id})
    context = {
        "views": views,
        "state": state,
        "states": STATE_CHOICES,
        "older": older,
        "newest": f"/admin/jobber?{urlencode(given)}".rstrip("?") if before_id else None,
    }
    return render_admin(request, "pages/admin_jobs.html", context)


@router.get("/admin/jobber/{job_id:id}")
def job_detail(request: Request, session: SessionDep, actor: PeopleReader, job_id: int) -> Response:
    """One job: its state, tries, progress and error, its file once ready, cancel and retry."""
    view = jobs.job_view(session=session, caller=actor.account, job_id=job_id)
    context = {
        "view": view,
        "job": view.job,
        "notice": _NOTICES.get(request.query_params.get("melding", "")),
    }
    return render_admin(request, "pages/admin_job.html", context)


@router.get("/admin/jobber/{job_id:id}/status")
def job_status(session: SessionDep, actor: PeopleReader, job_id: int) -> Response:
    """The job's state and progress as JSON, for the job page's script."""
    job = jobs.job_view(session=session, caller=actor.account, job_id=job_id).job
    status: dict[str, Any] = {
        "id": job.id,
        "state": job.state,
        "state_label": job_labels.state_label(job),
        "badge": job_labels.STATE_BADGES.get(job.state, "badge"),
        "finished": jobs.is_finished(job),
        "attempt": job.attempt,
        "max_attempts": job.max_attempts,
        "progress_percent": job.progress_percent,
        "progress_message": job.progress_message,
    }
    return JSONResponse(status, headers={"Cache-Control": "no-store"})


@router.get("/admin/jobber/{job_id:id}/fil")
def job_file(session: SessionDep, engine: EngineDep, actor: PeopleReader, job_id: int) -> Response:
    """The file the job produced, as the API serves it (recorded in the audit log)."""
    return downloads.job_file(session=session, engine=engine, caller=actor.account, job_id=job_id)


@router.post("/admin/jobber/{job_id:id}/avbryt", dependencies=[audit_refusals(Action.JOB_CANCEL)])
def cancel_job(request: Request, session: SessionDep, actor: PeopleReader, job_id: int) -> Response:
    """Cancel a queued job, or ask a running one to stop."""
    job = jobs.cancel(session=session, caller=actor.account, job_id=job_id)
    notice = "avbrutt" if job.state == JobState.CANCELLED else "avbrytes"
    return redirect(request, job_page(job_id, notice))


@router.post(
    "/admin/jobber/{job_id:id}/prov-igjen", dependencies=[audit_refusals(Action.JOB_RETRY)]
)
def retry_job(request: Request, session: SessionDep, admin: AdminUser, job_id: int) -> Response:
    """Run a dead or cancelled job again, with all its tries."""
    jobs.retry(session=session, caller=admin, job_id=job_id)
    return redirect(request, job_page(job_id, "igjen"))
