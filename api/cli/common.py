"""What the administration commands share: consoles, settings, audited transactions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlmodel import Session

from api.core.config import Settings
from api.core.db import make_engine, transaction
from api.core.errors import DomainError
from api.services import audit

T = TypeVar("T")
# Lines such as `file:line: message` are read by people and by scripts: never wrap them.
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


class Context:
    """What the commands need from ``api.cli.main``: settings, and the course for the roster."""

    settings: Callable[[], Settings]
    course_context: Callable[[Settings], tuple[Any, Any]]


context = Context()


def engine() -> Engine:
    return make_engine(context.settings().effective_database_url)


def audited(engine: Engine, action: str, target: str, work: Callable[[Session], T]) -> T:
    """Run a change in one write transaction; a refusal is audited in a transaction of its own."""
    try:
        with transaction(engine, write=True) as session:
            return work(session)
    except DomainError as exc:
        with transaction(engine, write=True) as session:
            audit.record(
                session=session,
                actor=None,
                action=action,
                target=target,
                outcome=audit.outcome_for(exc.status_code),
                details={"code": exc.code, "status": exc.status_code},
            )
        raise


def run(engine: Engine, action: str, target: str, work: Callable[[Session], T]) -> T:
    """``audited``, with a refusal printed and exit status 1."""
    try:
        return audited(engine, action, target, work)
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
