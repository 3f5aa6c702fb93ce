"""What the administration pages share: their section menu and query parsing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response

from api.services.scope import Actor, Capability
from api.web.render import ROLE_NAMES, render

ADMIN_PAGE_SIZE = 50
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Section:
    label: str
    href: str
    needs: Capability  # shown to those who may use it somewhere (``api.services.scope``)


# The administration menu, shown on every administration page.
SECTIONS = (
    Section("Oversikt", "/admin", Capability.MANAGE_PEOPLE),
    Section("Brukere", "/admin/brukere", Capability.MANAGE_PEOPLE),
    Section("Importer brukere", "/admin/brukere/import", Capability.MANAGE_PEOPLE),
    Section("Kursliste", "/admin/kursliste", Capability.READ_PEOPLE),
    Section("Kommuner", "/admin/kommuner", Capability.READ_PEOPLE),
    Section("Frister", "/admin/frister", Capability.MANAGE_UNITS),
    Section("Kursbevis", "/admin/kursbevis", Capability.INSTALLATION),
    Section("Jobber", "/admin/jobber", Capability.INSTALLATION),
    Section("Webhooks", "/admin/webhooks", Capability.INSTALLATION),
    Section("Innlogging", "/admin/innlogging", Capability.MANAGE_PEOPLE),
    Section("Logg", "/admin/logg", Capability.READ_AUDIT),
)


def _current_section(path: str) -> str:
    """The menu entry a path belongs to: the longest one that is the path or a parent of it."""
    matches = [s.href for s in SECTIONS if path == s.href or path.startswith(s.href + "/")]
    return max(matches, key=len, default="")


def render_admin(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    """``render.render`` with the administration menu and the role names."""
    actor: Actor | None = getattr(request.state, "actor", None)
    sections = [s for s in SECTIONS if actor is None or actor.can(s.needs)]
    shared = {
        "sections": sections,
        "current_section": _current_section(request.url.path),
        "role_names": ROLE_NAMES,
    }
    return render(request, template, {**shared, **(context or {})}, status_code=status_code)


def text_param(value: str | None, limit: int) -> str:
    """A free-text query parameter, trimmed, without control characters, at most ``limit``."""
    return _CONTROL.sub("", value or "").strip()[:limit]


def page_number(value: str | None) -> int:
    """``?side=N`` as a page number from 1 (anything else is page 1)."""
    return int(value) if value and value.isdigit() and 0 < len(value) < 7 and int(value) else 1


def job_page(job_id: int | None, notice: str | None = None) -> str:
    """The address of a job's page (``api.web.admin_jobs``), with a key of its notices."""
    return f"/admin/jobber/{job_id}" + (f"?melding={notice}#status" if notice else "")
