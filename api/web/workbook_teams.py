"""Team projects on "Mitt prosjekt": the title, inviting colleagues, answering
invitations, leaving and removing members. Each form calls the same service as the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request, Response

from api.http.deps import CurrentUser, SessionDep
from api.http.schemas_workbook import MAX_REVISION
from api.services import workbook_teams
from api.web.deps import FormDep, form_text, page_router
from api.web.render import redirect

router = page_router()
Id = Annotated[int, Path(ge=1, le=MAX_REVISION)]  # an INTEGER column on PostgreSQL
_BACK = "/mitt-prosjekt"


@router.post("/mitt-prosjekt/navn")
def set_title(request: Request, form: FormDep, session: SessionDep, user: CurrentUser) -> Response:
    """Name the project the learner writes in."""
    workbook_teams.set_title(session=session, user_id=user.id or 0,
                             title=form_text(form, "tittel", limit=1000))  # fmt: skip
    return redirect(request, f"{_BACK}?lagret=navn#prosjektets-navn")


@router.post("/mitt-prosjekt/inviter")
def invite(request: Request, form: FormDep, session: SessionDep, user: CurrentUser) -> Response:
    """Invite a colleague by e-mail address (the same answer whoever it belongs to)."""
    workbook_teams.invite(session=session, user=user, email=form_text(form, "epost", limit=254))
    return redirect(request, f"{_BACK}?invitert=1#prosjektteamet")


@router.post("/mitt-prosjekt/invitasjoner/{invitation_id}")
def answer(
    invitation_id: Id, request: Request, form: FormDep, session: SessionDep, user: CurrentUser
) -> Response:
    """Accept ("ja") or decline an invitation into a colleague's project."""
    accept = form_text(form, "svar", limit=3) == "ja"
    workbook_teams.answer(session=session, user=user, invitation_id=invitation_id, accept=accept)
    return redirect(request, _BACK)


@router.post("/mitt-prosjekt/{project_id}/medlemmer/{member_id}/fjern")
def remove_member(
    project_id: Id, member_id: Id, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """Leave the team (one's own id), or as the owner remove a member."""
    workbook_teams.remove_member(session=session, user=user, project_id=project_id,
                                 member_id=member_id)  # fmt: skip
    return redirect(request, _BACK)
