"""Logging for the server, the workers and the command line: JSON lines by default.

Every request is one line (``innostudy.requests``: request id, method, route template,
status, duration, and the caller's user id if known: ``api.http.observe``) and every
job run is one line (``innostudy.jobs``: job id, kind, try, outcome, duration), so a
log collector can follow a request or a job across processes and machines. A job
enqueued by a request is logged with that request's id once its transaction commits.
``INNOSTUDY_LOG_FORMAT=text`` gives plain lines instead.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

_FIELDS = "{asctime}{levelname}{name}{message}"
# The id of the request being served (``api.http.observe``), for log lines written meanwhile.
request_id: ContextVar[str | None] = ContextVar("innostudy_request_id", default=None)


def configure(log_format: str = "json", level: int = logging.INFO) -> None:
    """Send innostudy's records to standard error in ``log_format`` (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                _FIELDS,
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                timestamp=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("innostudy")
    root.handlers = [handler]
    root.setLevel(level)
    root.propagate = False
