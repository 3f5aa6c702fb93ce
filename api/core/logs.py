"""Logging for the server, the workers and the command line: JSON lines by default.

Every request is one line (``innostudy.request``: method, path, status, duration and
its request id) and every job run is one line (``innostudy.jobs``: job id, kind,
try, outcome, duration), so a log collector can follow a request or a job across
processes and machines. ``INNOSTUDY_LOG_FORMAT=text`` gives plain lines instead.
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

_FIELDS = "{asctime}{levelname}{name}{message}"


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
