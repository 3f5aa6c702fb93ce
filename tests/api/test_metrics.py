"""``/metrics``: only for the scraper with the token; requests by route template; the queue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, update
from sqlmodel import col

from api.app import create_app
from api.core.config import Settings
from api.core.db import make_engine, transaction
from api.data.models import Job, JobState, utcnow
from api.services import jobs
from api.services.job_tasks import CLEAN_UP, ROSTER_EXPORT
from api.services.worker import writing
from tests.factories import user_headers

TOKEN = "m" * 40
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _with_token(settings: Settings) -> Settings:
    return Settings(**{**settings.model_dump(), "metrics_token": TOKEN})


@pytest.fixture
def metrics_app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(_with_token(settings), engine=engine)


@pytest.fixture
def scraped(metrics_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(metrics_app, raise_server_exceptions=False) as client:
        yield client


def _samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def test_without_a_token_configured_metrics_do_not_exist(client: TestClient) -> None:
    response = client.get("/metrics", headers=SCRAPER)
    assert response.status_code == 404
    assert response.json()["code"] == "http_404"  # as for any other unknown path


@pytest.mark.parametrize(
    "authorization",
    # Not ASCII: secrets.compare_digest would raise on such a str (a 500) if not given bytes.
    [None, "Bearer feil-nøkkel".encode(), f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"],
)
def test_a_wrong_or_missing_token_is_refused(
    scraped: TestClient, authorization: str | bytes | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = scraped.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "metrics_token_invalid"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "innostudy_http_requests" not in response.text


def test_a_weak_metrics_token_is_refused_at_startup() -> None:
    with pytest.raises(ValueError, match="INNOSTUDY_METRICS_TOKEN"):
        Settings(metrics_token="kort")
    assert Settings(metrics_token="").metrics_token is None  # blank is unset


def test_requests_are_counted_by_route_template_not_by_path(
    scraped: TestClient, engine: Engine
) -> None:
    learner = user_headers(scraped, engine)
    for _ in range(2):
        assert scraped.get("/healthz").status_code == 200
    assert scraped.get("/api/v1/modules/hvorfor-innovasjon", headers=learner).status_code == 200
    assert scraped.get("/api/v1/modules/finnes-ikke", headers=learner).status_code == 404
    assert scraped.get("/finnes/ikke/123").status_code == 404
    assert scraped.request("BREW", "/healthz").status_code == 405

    response = scraped.get("/metrics", headers=SCRAPER)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    requests = "innostudy_http_requests_total"
    assert _value(samples, requests, method="GET", route="/healthz", status="200") == 2
    module = "/api/v1/modules/{slug}"
    assert _value(samples, requests, method="GET", route=module, status="200") == 1
    assert _value(samples, requests, method="GET", route=module, status="404") == 1
    assert _value(samples, requests, method="GET", route="unmatched", status="404") == 1
    assert _value(samples, requests, method="other", route="/healthz", status="405") == 1
    count = "innostudy_http_request_duration_seconds_count"
    assert _value(samples, count, method="GET", route="/healthz") == 2
    # No slug, id or unmatched path becomes a label value.
    assert "hvorfor-innovasjon" not in response.text
    assert "finnes" not in response.text


def test_job_gauges_match_the_database(scraped: TestClient, engine: Engine) -> None:
    old = utcnow() - timedelta(seconds=600)
    with transaction(engine, write=True) as session:
        jobs.enqueue(session=session, kind=CLEAN_UP, run_after=old)
        jobs.enqueue(session=session, kind=CLEAN_UP)
        later = jobs.enqueue(session=session, kind=CLEAN_UP, run_after=utcnow() + timedelta(1))
        dead = jobs.enqueue(session=session, kind=ROSTER_EXPORT, payload={"format": "csv"})
        session.execute(update(Job).where(col(Job.id) == dead.id).values(state=JobState.DEAD))
        assert later.id is not None
    with writing(engine) as connection:
        jobs.register_worker(connection, worker="maskin-1:1:aaa", queues=["default", "bulk"])
        jobs.register_worker(connection, worker="maskin-2:2:bbb", queues=["bulk"])

    samples = _samples(scraped.get("/metrics", headers=SCRAPER).text)

    assert _value(samples, "innostudy_database_up") == 1
    assert _value(samples, "innostudy_jobs", state="queued", queue="default") == 3
    assert _value(samples, "innostudy_jobs", state="dead", queue="bulk") == 1
    assert _value(samples, "innostudy_jobs", state="running", queue="default") == 0
    assert _value(samples, "innostudy_job_queue_due", queue="default") == 2  # one is due later
    assert _value(samples, "innostudy_job_queue_due", queue="bulk") == 0
    age = _value(samples, "innostudy_job_queue_oldest_due_age_seconds", queue="default")
    assert age is not None and 590 < age < 700
    assert _value(samples, "innostudy_job_queue_oldest_due_age_seconds", queue="bulk") == 0
    assert _value(samples, "innostudy_job_workers_live", queue="default") == 1
    assert _value(samples, "innostudy_job_workers_live", queue="bulk") == 2


def test_metrics_still_answer_when_the_database_does_not(
    settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "db").mkdir()
    broken = make_engine(f"sqlite:///{tmp_path / 'db'}")  # a directory: cannot be opened
    app = create_app(_with_token(settings), engine=broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/metrics", headers=SCRAPER)
    broken.dispose()

    assert response.status_code == 200
    samples = _samples(response.text)
    assert _value(samples, "innostudy_database_up") == 0
    assert not any(name == "innostudy_jobs" for name, _ in samples)
