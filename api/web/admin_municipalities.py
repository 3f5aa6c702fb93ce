"""The municipalities page: learners per municipality, the register, and the accounts whose
municipality matched nothing in the register (to be fixed on each account's page)."""

from __future__ import annotations

from fastapi import Request, Response

from api.http import presenters_admin as present
from api.http.deps import PeopleReader, SessionDep
from api.services import admin_users, municipalities
from api.services import roster as roster_service
from api.web.admin_common import render_admin, text_param
from api.web.deps import page_router

router = page_router()
UNMATCHED_SHOWN = 500  # more than this, and the administrator is told to use the CLI or API


@router.get("/admin/kommuner")
def municipalities_page(
    request: Request, session: SessionDep, actor: PeopleReader, sok: str | None = None
) -> Response:
    """Learners per municipality, the register searched, and accounts without a municipality."""
    rows = present.municipalities(roster_service.municipality_summary(session=session, actor=actor))
    enrolled = sum(row.enrolled for row in rows)
    completed = sum(row.completed for row in rows)
    totals = {
        "enrolled": enrolled,
        "started": sum(row.started for row in rows),
        "completed": completed,
        "rate": round(completed / enrolled, 4) if enrolled else 0.0,
    }
    query = text_param(sok, 100)
    found = municipalities.search(session=session, text=query) if query else []
    unmatched = admin_users.search_users(
        session=session, actor=actor, unmatched=True, limit=UNMATCHED_SHOWN + 1
    )
    context = {
        "rows": rows,
        "totals": totals,
        "query": query,
        "found": found,
        "unmatched": unmatched[:UNMATCHED_SHOWN],
        "more_unmatched": len(unmatched) > UNMATCHED_SHOWN,
    }
    return render_admin(request, "pages/admin_municipalities.html", context)
