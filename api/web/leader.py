"""The leader's page "Mine enheter": the units they lead, each unit's completion, and
the progress of the people of a chosen unit, with the roster downloads."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from api.core.errors import UnitNotFound
from api.http.deps import CourseInfoDep, LiveModules, PeopleReader, SessionDep
from api.services import org_units, unit_report
from api.services import roster as roster_service
from api.services.contracts import RosterFilters
from api.web.admin_common import ADMIN_PAGE_SIZE, page_number
from api.web.deps import page_router
from api.web.render import render

router = page_router()


def _unit_param(value: str | None) -> int | None:
    if value and value.isdigit() and 0 < int(value) < 2_147_483_648:
        return int(value)
    return None


@router.get("/mine-enheter")
def my_units(
    request: Request,
    session: SessionDep,
    actor: PeopleReader,
    info: CourseInfoDep,
    modules: LiveModules,
    enhet: str | None = None,
    side: str | None = None,
) -> Response:
    """The units the visitor leads, and the people of one of them."""
    areas = unit_report.led_areas(session=session, actor=actor)
    context: dict[str, Any] = {"areas": areas, "chosen": None}
    chosen = _unit_param(enhet)
    if chosen is not None:
        try:
            unit = org_units.visible_unit(session=session, actor=actor, unit_id=chosen)
        except UnitNotFound:
            context["unit_error"] = "Fant ikke enheten blant enhetene du leder."
            return render(request, "pages/my_units.html", context, status_code=404)
        number = page_number(side)
        roster = roster_service.new_roster(
            session=session,
            actor=actor,
            modules=modules,
            course_version=info.version,
            filters=RosterFilters(unit=chosen),
        )
        total = roster_service.count_roster(session=session, roster=roster)
        records = roster_service.roster_page(
            session=session,
            roster=roster,
            limit=ADMIN_PAGE_SIZE,
            offset=(number - 1) * ADMIN_PAGE_SIZE,
        )
        context |= {
            "chosen": unit,
            "chosen_label": org_units.label(session=session, unit_id=unit.id),
            "records": records,
            "total": total,
            "page": number,
            "has_next": number * ADMIN_PAGE_SIZE < total,
            "counted_total": roster.counted_total,
        }
    return render(request, "pages/my_units.html", context)
