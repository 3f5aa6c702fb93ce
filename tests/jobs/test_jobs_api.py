"""Jobs through real HTTP: the roster export and the certificate bundle as jobs, their
status, their files, and who may see them."""

from __future__ import annotations

import io
import zipfile

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.core.config import Settings
from api.data.models import AuditEvent, Role
from api.services.worker import Worker
from tests.factories import complete_course, login, make_user

EXPORTS = "/api/v1/reports/roster/exports"


def _drain(engine: Engine, settings: Settings) -> int:
    return Worker(engine, settings, schedules=()).drain()


def test_roster_export_as_a_job_downloads_for_the_asker_only(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    admin = login(client, make_user(engine, role=Role.ADMIN).email)
    learner_user = make_user(engine, full_name="Per Hansen", municipality="Bergen")
    make_user(engine, full_name="Ola Asker")
    learner = login(client, learner_user.email)

    asked = client.post(
        EXPORTS, json={"filters": {"municipality": "Bergen"}, "format": "xlsx"}, headers=admin
    )
    assert asked.status_code == 202, asked.text
    job = asked.json()
    assert job["state"] == "queued" and job["kind"] == "roster.export"
    assert asked.headers["location"] == job["status_url"] == f"/api/v1/jobs/{job['id']}"
    assert job["file"] is None

    # Nobody else learns whether the job exists.
    assert client.get(job["status_url"], headers=learner).status_code == 404
    assert client.get(job["status_url"]).status_code == 401
    assert client.post(EXPORTS, json={}, headers=learner).status_code == 403

    assert _drain(engine, settings) == 1
    done = client.get(job["status_url"], headers=admin).json()
    assert done["state"] == "succeeded" and done["progress_percent"] == 100
    assert done["result"] == {"rows": 1}
    assert done["file"]["url"] == f"{job['status_url']}/file"
    assert done["file"]["filename"].endswith(".xlsx")

    assert client.get(done["file"]["url"], headers=learner).status_code == 404
    download = client.get(done["file"]["url"], headers=admin)
    assert download.status_code == 200
    assert download.headers["cache-control"] == "no-store"
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    assert sheet is not None
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Per Hansen"]
    assert done["file"]["size"] == len(download.content)

    with Session(engine) as session:
        actions = session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "report.roster_export" in actions and "job.file_download" in actions


def test_roster_export_refuses_bad_input_in_norwegian_terms(
    client: TestClient, engine: Engine
) -> None:
    admin = login(client, make_user(engine, role=Role.ADMIN).email)
    for body in (
        {"format": "pdf"},
        {"filters": {"status": "done"}},
        {"filters": {"completed_from": "2026-05-02", "completed_to": "2026-05-01"}},
        {"unknown": 1},
    ):
        answer = client.post(EXPORTS, json=body, headers=admin)
        assert answer.status_code == 422, body
        assert answer.json()["code"] == "invalid"
    for path in ("/api/v1/jobs/0", "/api/v1/jobs/99999999999", "/api/v1/jobs/x"):
        assert client.get(path, headers=admin).status_code in (404, 422)
    assert client.get("/api/v1/jobs/123456", headers=admin).json()["code"] == "job_not_found"


def test_a_csv_export_and_cancel_and_retry_through_the_api(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    admin = login(client, make_user(engine, role=Role.ADMIN).email)
    make_user(engine, full_name='=HYPERLINK("x")')
    job = client.post(EXPORTS, json={"format": "csv"}, headers=admin).json()
    cancelled = client.post(f"{job['status_url']}/cancel", headers=admin)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert client.post(f"{job['status_url']}/cancel", headers=admin).json()["code"] == (
        "job_finished"
    )
    assert _drain(engine, settings) == 0
    assert client.get(f"{job['status_url']}/file", headers=admin).status_code == 404
    retried = client.post(f"{job['status_url']}/retry", headers=admin)
    assert retried.status_code == 200 and retried.json()["state"] == "queued"
    assert _drain(engine, settings) == 1
    text = client.get(f"{job['status_url']}/file", headers=admin).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text  # formula injection neutralised in job files too
    listed = client.get("/api/v1/jobs", headers=admin).json()
    assert [entry["id"] for entry in listed] == [job["id"]]
    with Session(engine) as session:  # the refused second cancel, as the pages record it
        refused = session.exec(
            select(AuditEvent.action, AuditEvent.target).where(AuditEvent.outcome == "denied")
        ).all()
    assert list(refused) == [("job.cancel", f"job:{job['id']}")]


def test_the_certificate_bundle_is_a_zip_of_every_valid_certificate(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    admin = login(client, make_user(engine, role=Role.ADMIN).email)
    for name in ("Kari Nordmann", "Åse Ødegård"):
        complete_course(engine, make_user(engine, full_name=name))
    asked = client.post("/api/v1/certificate-bundles", headers=admin)
    assert asked.status_code == 202
    assert _drain(engine, settings) == 1
    done = client.get(asked.json()["status_url"], headers=admin).json()
    assert done["state"] == "succeeded", done
    assert done["result"] == {"issued": 2, "rendered": 2}
    bundle = client.get(done["file"]["url"], headers=admin)
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        names = archive.namelist()
        assert len(names) == 2 and all(name.endswith(".pdf") for name in names)
        assert all(archive.read(name).startswith(b"%PDF") for name in names)
