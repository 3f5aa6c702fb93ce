"""What the administration pages share: their section menu, query parsing, refusal auditing."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request, Response
from sqlmodel import Session

from api.core.errors import DomainError
from api.data.models import User
from api.http.deps import SessionDep
from api.services import audit
from api.web.deps import PageUser
from api.web.render import ROLE_NAMES, render

ADMIN_PAGE_SIZE = 50
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Section:
    label: str
    href: str


# The administration menu, shown on every administration page.
SECTIONS = (
    Section("Oversikt", "/admin"),
    Section("Brukere", "/admin/brukere"),
    Section("Importer brukere", "/admin/brukere/import"),
    Section("Kursliste", "/admin/kursliste"),
    Section("Kommuner", "/admin/kommuner"),
    Section("Kursbevis", "/admin/kursbevis"),
    Section("Logg", "/admin/logg"),
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
    shared = {
        "sections": SECTIONS,
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


def _refusal(session: Session, actor: User, action: str, target: str, error: DomainError) -> None:
    audit.record(
        session=session,
        actor=actor,
        action=action,
        target=target,
        outcome=audit.outcome_for(error.status_code),
        details={"code": error.code, "status": error.status_code},
    )


def record_refusal(
    *, session: Session, actor: User, action: str, target: str, error: DomainError
) -> None:
    """For a page that shows a refusal itself (e.g. at a form field): roll back the action's
    changes and audit it as ``audited`` would; the page's transaction commits the row."""
    session.rollback()
    _refusal(session, actor, action, target, error)


def audited(action: str, *, target: str | None = None) -> Any:
    """A page route dependency that audits the domain error ending the request.

    The page twin of ``api.http.auditing.audit_refusals`` (which reads the bearer token,
    not the session cookie): the same rows, so the log reads the same whether an
    administrator used the API or the pages. Listed in ``dependencies=``, it runs
    before the route's ``AdminPageUser``, so a 403 for another role is audited too.
    """

    def dependency(request: Request, session: SessionDep, actor: PageUser) -> Iterator[None]:
        try:
            yield
        except DomainError as exc:
            session.expunge(actor)  # keep its loaded attributes through the rollback
            if not exc.commit_changes:
                session.rollback()
            params = request.path_params
            where = target
            if "user_id" in params:
                where = audit.user_target(params["user_id"])
            elif "slug" in params:  # instructor pages
                where = f"module:{params['slug']}"
            _refusal(session, actor, action, where or request.url.path, exc)
            session.commit()
            raise

    return Depends(dependency, scope="function")
