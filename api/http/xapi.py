"""The installation's xAPI statement log, as the doors that record learning events get it."""

from __future__ import annotations

from fastapi.requests import HTTPConnection

from api.services.xapi_statements import StatementLog


def get_statement_log(request: HTTPConnection) -> StatementLog | None:
    """The log made at start (``api.app``), or None when no learning record store is set up."""
    log: StatementLog | None = request.app.state.xapi_log
    return log
