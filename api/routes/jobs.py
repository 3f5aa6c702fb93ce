"""Background jobs: their state and progress, their files, cancel and retry."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Response

from api.core.errors import (
    Forbidden,
    JobFileMissing,
    JobFinished,
    JobNotFound,
    JobNotRetryable,
    NotAuthenticated,
    UnprocessableError,
    responses,
)
from api.data.models import JobState
from api.http import downloads
from api.http import presenters_admin as present
from api.http.auditing import audit_refusals
from api.http.deps import AdminUser, CurrentUser, EngineDep, SessionDep
from api.http.routing import api_router
from api.http.schemas_admin import JobPublic
from api.services import jobs
from api.services.audit import Action

router = api_router(prefix="/jobs", tags=["jobs"])
GUARDED = (NotAuthenticated, Forbidden)
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]
_FILE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The file the job produced", "content": {"application/octet-stream": {}}}
}


@router.get("", responses=responses(*GUARDED, UnprocessableError))
def list_jobs(
    session: SessionDep,
    admin: AdminUser,
    state: JobState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[JobPublic]:
    """The newest jobs first (administrators)."""
    rows = jobs.list_jobs(session=session, state=state, limit=limit)
    return [present.job(jobs.JobView(row, None)) for row in rows]


@router.get("/{job_id}", responses=responses(NotAuthenticated, JobNotFound))
def get_job(session: SessionDep, caller: CurrentUser, job_id: JobId) -> JobPublic:
    """A job's state and progress; its file once it is ready. Only for the person who asked
    for it, and administrators: anyone else gets 404."""
    return present.job(jobs.job_view(session=session, caller=caller, job_id=job_id))


@router.get(
    "/{job_id}/file",
    response_class=Response,
    responses={**_FILE, **responses(NotAuthenticated, JobNotFound, JobFileMissing)},
)
def job_file(
    session: SessionDep, engine: EngineDep, caller: CurrentUser, job_id: JobId
) -> Response:
    """The file the job produced, until it expires (recorded in the audit log)."""
    return downloads.job_file(session=session, engine=engine, caller=caller, job_id=job_id)


@router.post(
    "/{job_id}/cancel",
    responses=responses(NotAuthenticated, JobNotFound, JobFinished),
    dependencies=[audit_refusals(Action.JOB_CANCEL)],
)
def cancel_job(session: SessionDep, caller: CurrentUser, job_id: JobId) -> JobPublic:
    """A queued job never runs; a running one stops at its next step."""
    jobs.cancel(session=session, caller=caller, job_id=job_id)
    return present.job(jobs.job_view(session=session, caller=caller, job_id=job_id))


@router.post(
    "/{job_id}/retry",
    responses=responses(*GUARDED, JobNotFound, JobNotRetryable),
    dependencies=[audit_refusals(Action.JOB_RETRY)],
)
def retry_job(session: SessionDep, admin: AdminUser, job_id: JobId) -> JobPublic:
    """Run a dead or cancelled job again (administrators)."""
    jobs.retry(session=session, caller=admin, job_id=job_id)
    return present.job(jobs.job_view(session=session, caller=admin, job_id=job_id))
