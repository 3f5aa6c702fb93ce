"""Prometheus metrics: requests (counted by ``api.http.observe``) and the job queue.

The queue's figures are read from the database when ``/metrics`` is scraped
(``api.services.queue_health``: one GROUP BY and the live workers), not kept in the
process: every process on every machine reports the same queue, so aggregate them
with ``max``, not ``sum``.

Each process counts its own requests. One process per port (``innostudy serve``
with one worker, one per container or machine) is one scrape target. With
``--workers N`` the processes share a port, so a scrape would reach any one of
them: ``serve`` then sets ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's
multiprocess mode), the processes write their counts to files there, and whichever
answers the scrape adds them up.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from functools import partial

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api.core.admission import admission
from api.core.config import Settings
from api.services import queue_health
from api.services.queue_health import QueueSnapshot

logger = logging.getLogger("innostudy")
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
# The hot routes answer in 1–3 ms; exports and PDFs take seconds.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# No ``*_created`` series beside each counter and histogram: Prometheus does not need them,
# and they would double what every scrape carries.
disable_created_metrics()  # type: ignore[no-untyped-call]


class RequestMetrics:
    """Requests by method, route template and status, and their duration."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "innostudy_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "innostudy_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer",
            ["method", "route"],
            buckets=BUCKETS,
            registry=registry,
        )
        # ``labels()`` checks and locks on every call; a request looks its series up here.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            series = (
                self.requests.labels(method, route, str(status)),
                self.duration.labels(method, route),
            )
            self._series[key] = series
        series[0].inc()
        series[1].observe(seconds)


class Metrics:
    """One app's metrics: its registry, and how a scrape is answered."""

    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get(MULTIPROCESS_DIR))
        self.registry = CollectorRegistry()
        self.requests = RequestMetrics(self.registry)
        if not self.multiprocess:  # prometheus_client has no process metrics across processes
            ProcessCollector(registry=self.registry)

    def _requests_text(self) -> bytes:
        if not self.multiprocess:
            return generate_latest(self.registry)
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
        return generate_latest(combined)

    async def scrape(self, *, engine: Engine, settings: Settings) -> bytes:
        """The exposition text: this process's requests, then the queue as the database has it."""
        read = partial(queue_health.read_snapshot, engine, settings)
        try:
            snapshot: QueueSnapshot | None = await admission(engine).health_read(
                read, timeout=queue_health.READ_TIMEOUT_SECONDS
            )
        except Exception as exc:  # reported as innostudy_database_up 0; the rest still counts
            logger.warning("metrics: the queue could not be read: %s", type(exc).__name__)
            snapshot = None
        queue = CollectorRegistry()
        queue.register(_QueueCollector(snapshot))
        requests = await run_in_threadpool(self._requests_text)
        return requests + generate_latest(queue)


class _QueueCollector(Collector):
    def __init__(self, snapshot: QueueSnapshot | None) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "innostudy_database_up",
            "Whether the database answered the queue's figures for this scrape",
            value=0 if self.snapshot is None else 1,
        )
        if self.snapshot is None:
            return
        jobs = GaugeMetricFamily(
            "innostudy_jobs", "Jobs in the database, by state and queue", labels=["state", "queue"]
        )
        for (state, queue), count in sorted(self.snapshot.jobs.items()):
            jobs.add_metric([str(state), queue], count)
        yield jobs
        due = GaugeMetricFamily(
            "innostudy_job_queue_due", "Queued jobs due to run now", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "innostudy_job_queue_oldest_due_age_seconds",
            "How long the oldest due job has waited (0 when none is due)",
            labels=["queue"],
        )
        workers = GaugeMetricFamily(
            "innostudy_job_workers_live",
            "Live workers taking jobs from the queue",
            labels=["queue"],
        )
        for queue, facts in sorted(self.snapshot.queues.items()):
            due.add_metric([queue], facts.due)
            age.add_metric([queue], facts.oldest_due_seconds or 0.0)
            workers.add_metric([queue], facts.workers)
        yield due
        yield age
        yield workers
