"""Background jobs in Norwegian: one table of words for their kinds and states.

The queue stores English keys (``JobState`` values, kinds such as ``roster.export``);
the job pages show these words instead. A test checks that every state and every
registered kind has a word here.
"""

from __future__ import annotations

import json

from api.data.models import Job, JobState
from api.services import job_tasks
from api.web.admin_webhooks import EVENT_LABELS

STATE_LABELS: dict[str, str] = {
    JobState.QUEUED: "I kø",
    JobState.RUNNING: "Kjører",
    JobState.SUCCEEDED: "Ferdig",
    JobState.DEAD: "Mislyktes",
    JobState.CANCELLED: "Avbrutt",
}
# The badge class of each state (style.css), so the state also shows as a colour.
STATE_BADGES: dict[str, str] = {
    JobState.QUEUED: "badge",
    JobState.RUNNING: "badge badge-started",
    JobState.SUCCEEDED: "badge badge-done",
    JobState.DEAD: "badge badge-wrong",
    JobState.CANCELLED: "badge",
}
KIND_LABELS: dict[str, str] = {
    job_tasks.ROSTER_EXPORT: "Kursliste som fil",
    job_tasks.CERTIFICATES_RENDER_ALL: "Alle kursbevis som ZIP",
    job_tasks.CLEAN_UP: "Nattlig opprydding",
    job_tasks.SLEEP: "Testjobb (venter)",
    job_tasks.XAPI_DELIVER: "Sende xAPI-utsagn til læringsregisteret (LRS)",
    job_tasks.WEBHOOK_DELIVER: "Webhook-melding",
    job_tasks.EMAIL_SEND: "E-post",
    job_tasks.EMAIL_COMPLETION_NOTICES: "Varsler til ledere om fullført kurs",
    job_tasks.EMAIL_REMINDERS: "Påminnelser om frister",
}
FORMAT_NAMES = {"xlsx": "Excel", "csv": "CSV", "json": "JSON"}
_SHORT_ERROR = 300


def _payload_text(job: Job, key: str) -> str:
    try:
        return str(json.loads(job.payload).get(key, ""))
    except (ValueError, AttributeError):
        return ""


def kind_label(job: Job) -> str:
    """What the job does, e.g. "Kursliste som Excel-fil"; an unknown kind as it is."""
    if job.kind == job_tasks.ROSTER_EXPORT:
        format = _payload_text(job, "format")
        if format in FORMAT_NAMES:
            return f"Kursliste som {FORMAT_NAMES[format]}-fil"
    if job.kind == job_tasks.WEBHOOK_DELIVER:
        event = _payload_text(job, "event_type")
        if event in EVENT_LABELS:
            return f"{KIND_LABELS[job.kind]}: {EVENT_LABELS[event]}"
    return KIND_LABELS.get(job.kind, job.kind)


def state_label(job: Job) -> str:
    if job.state == JobState.RUNNING and job.cancel_requested:
        return "Avbrytes"
    return STATE_LABELS.get(job.state, job.state)


def short_error(job: Job) -> str | None:
    """The last line of the last try's error (a traceback ends with the exception), cut short."""
    if not job.last_error or not job.last_error.strip():
        return None
    line = job.last_error.strip().splitlines()[-1].strip()
    return line if len(line) <= _SHORT_ERROR else line[: _SHORT_ERROR - 1] + "…"
