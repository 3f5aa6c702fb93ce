"""What the commands share: consoles, settings, Norwegian wording, audited transactions."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import Engine
from sqlmodel import Session

from api.core.config import Settings
from api.core.db import transaction
from api.core.errors import DomainError
from api.data.models import Role
from api.services import audit
from api.services.scope import Actor
from course.messages import os_problem, predicate

T = TypeVar("T")
# Lines such as `file:line: message` are read by people and by scripts: never wrap them.
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


class Context:
    """What the commands need from ``api.cli.main``: settings, and the course for the roster."""

    settings: Callable[[], Settings]
    course_context: Callable[[Settings], tuple[Any, Any]]


context = Context()

ROLE_NAMES = {
    Role.LEARNER: "deltaker",
    Role.LEADER: "leder",
    Role.MUNICIPAL_ADMIN: "kommuneadministrator",
    Role.INSTRUCTOR: "instruktør",
    Role.ADMIN: "administrator",
}


def print_invalid(exc: ValidationError, names: Mapping[str, str]) -> None:
    """Each pydantic error as «--option» and what is wrong, in Norwegian (course.messages)."""
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        err.print(f"«{names.get(field, field)}» {predicate(error)}", markup=False)


def writable(path: Path) -> None:
    """Refuse, before any work, an output file that cannot be written: exit 1 with the reason."""
    parent = path.parent if str(path.parent) else Path(".")
    problem = None
    if path.is_dir():
        problem = errno.EISDIR
    elif parent.exists() and not parent.is_dir():
        problem = errno.ENOTDIR
    elif not parent.exists():
        problem = errno.ENOENT
    elif not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        problem = errno.EACCES
    if problem is not None:
        reason = os_problem(OSError(problem, os.strerror(problem)), writing=True)
        err.print(f"Kan ikke skrive {path}: {reason}", markup=False, highlight=False)
        raise typer.Exit(1)


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


# The command line acts as the installation's operator: whoever runs it can read the
# database anyway (``api.services.scope``).
OPERATOR = Actor.for_operator()
