"""The job pages over plain HTTP: the list, a job's page, its status and file, cancel and
retry, the forms that start jobs, who may see a job, and bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.data.models import AuditEvent, Job, JobState, Role
from api.services import job_tasks
from api.services.jobs import REGISTRY
from api.web.job_labels import KIND_LABELS, STATE_LABELS
from tests.factories import make_user
from tests.web import job_factories
from tests.web.test_web_security import csrf_from, log_in


def _admin(client: TestClient, engine: Engine) -> int:
    admin = make_user(engine, role=Role.ADMIN, full_name="Anne Admin")
    log_in(client, admin.email)
    assert admin.id is not None
    return admin.id


def _job(engine: Engine, job_id: int) -> Job:
    with Session(engine) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def _actions(engine: Engine) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(AuditEvent.action, AuditEvent.target, AuditEvent.outcome).order_by(
                col(AuditEvent.id)
            )
        )
        return [tuple(row) for row in rows]


def test_every_state_and_kind_of_job_has_a_norwegian_label() -> None:
    assert set(STATE_LABELS) == set(JobState)
    assert set(KIND_LABELS) == set(REGISTRY.tasks)


def test_the_list_shows_jobs_in_norwegian_with_their_file_and_errors_escaped(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    admin_id = _admin(client, engine)
    export = job_factories.enqueue(
        engine,
        kind=job_tasks.ROSTER_EXPORT,
        payload={"filters": {}, "format": "xlsx", "delimiter": "semicolon"},
        created_by=admin_id,
    )
    assert job_factories.drain(engine, tmp_path) == 1
    failed = job_factories.dead(engine, "Traceback …\nValueError: <script>alert(1)</script>")
    queued = job_factories.enqueue(engine, later=True)

    page = client.get("/admin/jobber")
    assert page.status_code == 200
    assert '<a href="/admin/jobber" aria-current="page">Jobber</a>' in page.text
    assert "Kursliste som Excel-fil" in page.text and "Testjobb (venter)" in page.text
    for label in ("Ferdig", "Mislyktes", "I kø"):
        assert f">{label}</span>" in page.text
    assert f'href="/admin/jobber/{export}/fil"' in page.text
    assert "ValueError: &lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert" not in page.text
    assert f'action="/admin/jobber/{failed}/prov-igjen"' in page.text
    assert f'action="/admin/jobber/{queued}/avbryt"' in page.text
    assert f'action="/admin/jobber/{export}/avbryt"' not in page.text  # finished
    assert "3 av 3" in page.text  # the dead job's tries

    only_dead = client.get("/admin/jobber?tilstand=dead")
    assert f'href="/admin/jobber/{failed}"' in only_dead.text
    assert f'href="/admin/jobber/{queued}"' not in only_dead.text
    none_cancelled = client.get("/admin/jobber?tilstand=cancelled")
    assert "Ingen jobber har denne statusen." in none_cancelled.text
    unknown = client.get("/admin/jobber?tilstand=%3Cb%3E&for=abc")  # ignored: all jobs
    assert unknown.status_code == 200 and f'href="/admin/jobber/{queued}"' in unknown.text


def test_the_list_pages_on_to_older_jobs(client: TestClient, engine: Engine) -> None:
    _admin(client, engine)
    ids = [job_factories.enqueue(engine, later=True) for _ in range(52)]
    newest = client.get("/admin/jobber")
    assert f'href="/admin/jobber/{ids[-1]}"' in newest.text
    assert f'href="/admin/jobber/{ids[1]}"' not in newest.text
    assert f'href="/admin/jobber?for={ids[2]}" rel="next">Eldre' in newest.text
    older = client.get(f"/admin/jobber?for={ids[2]}")
    assert f'href="/admin/jobber/{ids[0]}"' in older.text
    assert f'href="/admin/jobber/{ids[2]}"' not in older.text
    assert 'href="/admin/jobber">Nyeste' in older.text


def test_the_roster_form_starts_an_export_with_the_pages_filters(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    _admin(client, engine)
    make_user(engine, full_name="Berit Bergen", municipality="Bergen")
    make_user(engine, full_name="Ola Asker", municipality="Asker")
    roster = client.get("/admin/kursliste?kommune=Bergen")
    assert '<input type="hidden" name="kommune" value="Bergen">' in roster.text
    token = csrf_from(client, "/admin/kursliste?kommune=Bergen")

    started = client.post(
        "/admin/kursliste/eksport",
        data={"csrf_token": token, "kommune": "Bergen", "format": "csv"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    location = started.headers["location"]
    job_id = int(location.split("/")[3].split("?")[0])
    assert location == f"/admin/jobber/{job_id}?melding=startet#status"
    job = _job(engine, job_id)
    assert job.kind == job_tasks.ROSTER_EXPORT
    assert json.loads(job.payload)["filters"]["municipality"] == "Bergen"

    waiting = client.get(location)
    assert "Jobben er bestilt" in waiting.text and ">I kø</span>" in waiting.text
    assert f'data-job-status="/admin/jobber/{job_id}/status"' in waiting.text
    assert f'<a href="/admin/jobber/{job_id}">Oppdater siden</a>' in waiting.text
    status = client.get(f"/admin/jobber/{job_id}/status")
    assert status.json()["state"] == "queued" and status.json()["finished"] is False
    assert status.headers["cache-control"] == "no-store"

    assert job_factories.drain(engine, tmp_path) == 1
    done = client.get(f"/admin/jobber/{job_id}")
    assert ">Ferdig</span>" in done.text and "data-job-status" not in done.text
    assert "Oppdater siden" not in done.text
    assert f'href="/admin/jobber/{job_id}/fil"' in done.text
    assert client.get(f"/admin/jobber/{job_id}/status").json() == {
        "id": job_id,
        "state": "succeeded",
        "state_label": "Ferdig",
        "badge": "badge badge-done",
        "finished": True,
        "attempt": 1,
        "max_attempts": job.max_attempts,
        "progress_percent": 100,
        "progress_message": None,
    }
    file = client.get(f"/admin/jobber/{job_id}/fil")
    assert file.status_code == 200 and file.headers["cache-control"] == "no-store"
    assert file.headers["content-disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(file.content.decode("utf-8-sig")), delimiter=";"))
    assert [row[0] for row in rows[1:]] == ["Berit Bergen"]
    actions = [action for action, _, _ in _actions(engine)]
    assert actions[-2:] == ["report.roster_export", "job.file_download"]


def test_the_certificates_page_starts_the_bundle_and_goes_to_the_job(
    client: TestClient, engine: Engine
) -> None:
    admin_id = _admin(client, engine)
    page = client.get("/admin/kursbevis")
    assert "Lag alle kursbevis som ZIP" in page.text
    token = csrf_from(client, "/admin/kursbevis")
    started = client.post("/admin/kursbevis/alle", data={"csrf_token": token})
    assert started.status_code == 200 and "Alle kursbevis som ZIP" in started.text
    with Session(engine) as session:
        job = session.exec(select(Job)).one()
    assert (job.kind, job.created_by) == (job_tasks.CERTIFICATES_RENDER_ALL, admin_id)
    assert str(started.url).endswith(f"/admin/jobber/{job.id}?melding=startet#status")
    assert ("certificate.render_all", f"job:{job.id}", "ok") in _actions(engine)


def test_cancel_a_queued_job_then_retry_it(client: TestClient, engine: Engine) -> None:
    _admin(client, engine)
    job_id = job_factories.enqueue(engine, later=True)
    token = csrf_from(client, f"/admin/jobber/{job_id}")
    cancelled = client.post(f"/admin/jobber/{job_id}/avbryt", data={"csrf_token": token})
    assert "Jobben er avbrutt og blir ikke kjørt." in cancelled.text
    assert ">Avbrutt</span>" in cancelled.text and "Prøv igjen</button>" in cancelled.text
    assert _job(engine, job_id).state == JobState.CANCELLED

    retried = client.post(f"/admin/jobber/{job_id}/prov-igjen", data={"csrf_token": token})
    assert "Jobben er lagt i kø igjen" in retried.text and ">I kø</span>" in retried.text
    job = _job(engine, job_id)
    assert (job.state, job.attempt, job.cancel_requested) == (JobState.QUEUED, 0, False)
    target = f"job:{job_id}"
    assert [row for row in _actions(engine) if row[1] == target] == [
        ("job.cancel", target, "ok"),
        ("job.retry", target, "ok"),
    ]
    log = client.get("/admin/logg").text
    assert "Jobb avbrutt" in log and "Jobb startet på nytt" in log
    assert f'<a href="/admin/jobber/{job_id}">Jobb {job_id}</a>' in log


def test_a_dead_job_shows_its_error_and_runs_again_on_retry(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    _admin(client, engine)
    job_id = job_factories.dead(engine, "Traceback (most recent call last):\nOSError: <disk> full")
    page = client.get(f"/admin/jobber/{job_id}")
    assert ">Mislyktes</span>" in page.text
    assert "<strong>Siste feil:</strong> OSError: &lt;disk&gt; full" in page.text
    assert "<summary>Hele feilmeldingen</summary>" in page.text
    assert "Traceback (most recent call last):" in page.text
    assert "Avbryt</button>" not in page.text

    token = csrf_from(client, f"/admin/jobber/{job_id}")
    client.post(f"/admin/jobber/{job_id}/prov-igjen", data={"csrf_token": token})
    assert job_factories.drain(engine, tmp_path) == 1
    assert _job(engine, job_id).state == JobState.SUCCEEDED
    assert ">Ferdig</span>" in client.get(f"/admin/jobber/{job_id}").text


@pytest.mark.parametrize(
    "path",
    ["/admin/jobber/999999", "/admin/jobber/abc", "/admin/jobber/0", "/admin/jobber/99999999999"],
)
def test_an_unknown_or_malformed_job_gets_the_404_page(
    client: TestClient, engine: Engine, path: str
) -> None:
    _admin(client, engine)
    for suffix in ("", "/status", "/fil"):
        answer = client.get(path + suffix)
        assert answer.status_code == 404, path + suffix
        assert answer.headers["content-type"].startswith("text/html")
        assert "Fant ikke" in answer.text


def test_wrong_states_and_bad_forms_get_norwegian_error_pages(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    _admin(client, engine)
    queued = job_factories.enqueue(engine, later=True)
    finished = job_factories.enqueue(engine)
    job_factories.drain(engine, tmp_path)
    token = csrf_from(client, "/admin/jobber")
    form = {"csrf_token": token}

    retry = client.post(f"/admin/jobber/{queued}/prov-igjen", data=form)
    assert retry.status_code == 409
    assert "Bare jobber som er døde eller avbrutt, kan kjøres på nytt." in retry.text
    cancel = client.post(f"/admin/jobber/{finished}/avbryt", data=form)
    assert cancel.status_code == 409 and "allerede ferdig" in cancel.text
    unknown = client.post("/admin/jobber/999999/avbryt", data=form)
    assert unknown.status_code == 404 and "Fant ikke jobben." in unknown.text
    no_file = client.get(f"/admin/jobber/{queued}/fil")
    assert no_file.status_code == 404 and "Jobben har ingen fil (ennå)" in no_file.text
    no_token = client.post(f"/admin/jobber/{queued}/avbryt", data={})
    assert no_token.status_code == 403 and "sikkerhetskoden" in no_token.text
    assert _job(engine, queued).state == JobState.QUEUED

    for data in ({"format": "pdf"}, {"format": "xlsx", "fra": "i går"}, {}):
        answer = client.post("/admin/kursliste/eksport", data={**form, **data})
        assert answer.status_code == 422, data
        assert answer.headers["content-type"].startswith("text/html")
    assert (
        "Velg Excel eller CSV."
        in client.post("/admin/kursliste/eksport", data={**form, "format": "pdf"}).text
    )
    with Session(engine) as session:
        kinds = session.exec(select(Job.kind)).all()
    assert job_tasks.ROSTER_EXPORT not in kinds
    refused = [row for row in _actions(engine) if row[2] != "ok"]
    # Refusals are audited as the other admin forms' are (409: denied; 404 and 422: failed).
    assert ("job.retry", f"job:{queued}", "denied") in refused
    assert ("job.cancel", f"job:{finished}", "denied") in refused
    assert ("job.cancel", "job:999999", "failed") in refused
    assert ("report.roster_export", "roster", "failed") in refused


@pytest.mark.parametrize("role", [Role.LEARNER, Role.INSTRUCTOR])
def test_other_roles_see_no_job_page_status_or_file(
    client: TestClient, engine: Engine, tmp_path: Path, role: Role
) -> None:
    admin = make_user(engine, role=Role.ADMIN)
    export = job_factories.enqueue(
        engine,
        kind=job_tasks.ROSTER_EXPORT,
        payload={"filters": {}, "format": "csv", "delimiter": "semicolon"},
        created_by=admin.id,
    )
    queued = job_factories.enqueue(engine, created_by=admin.id, later=True)
    job_factories.drain(engine, tmp_path)
    log_in(client, make_user(engine, role=role).email)
    for path in (
        "/admin/jobber",
        f"/admin/jobber/{export}",
        f"/admin/jobber/{export}/status",
        f"/admin/jobber/{export}/fil",
    ):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "Ingen tilgang" in answer.text and "deltakere-" not in answer.text
    token = csrf_from(client, "/profil")
    for path in (f"/admin/jobber/{queued}/avbryt", f"/admin/jobber/{export}/prov-igjen"):
        assert client.post(path, data={"csrf_token": token}).status_code == 403
    assert _job(engine, queued).state == JobState.QUEUED
    assert "job.file_download" not in [action for action, _, _ in _actions(engine)]
