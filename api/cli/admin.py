"""Administration on the command line: ``innostudy users ...``, ``roster export``, ``reports``,
``municipalities``, ``orgs``, ``webhooks``, ``deadlines``, ``sign-in-providers``.

Changes made here are audited with no actor (the audit log's mark for the
command line); refusals are audited too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from api.cli import (
    deadlines,
    exports,
    imports,
    municipalities,
    orgs,
    reports,
    roles,
    sign_in,
    users,
    webhooks,
)
from api.cli.common import context
from api.core.config import Settings


def register(
    app: typer.Typer,
    users_app: typer.Typer,
    *,
    settings: Callable[[], Settings],
    course_context: Callable[[Settings], tuple[Any, Any]],
) -> None:
    """Add the commands to ``innostudy`` (``api.cli.main`` hands over its settings and course)."""
    context.settings = settings
    context.course_context = course_context
    for name, command in users.COMMANDS.items():
        users_app.command(name)(command)
    app.add_typer(reports.roster_app, name="roster")
    app.add_typer(reports.reports_app, name="reports")
    app.add_typer(municipalities.municipalities_app, name="municipalities")
    app.add_typer(exports.export_app, name="export")
    app.add_typer(orgs.orgs_app, name="orgs")
    app.add_typer(roles.roles_app, name="roles")
    app.add_typer(imports.import_app, name="import")
    app.add_typer(webhooks.webhooks_app, name="webhooks")
    app.add_typer(deadlines.deadlines_app, name="deadlines")
    app.add_typer(sign_in.sign_in_app, name="sign-in-providers")
