"""Team projects: members, invitations and the title of a project you are a member of."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from api.core.errors import (
    AlreadyInTeam,
    NotAuthenticated,
    NotProjectOwner,
    OwnerCannotLeave,
    ProjectInvitationNotFound,
    ProjectMemberNotFound,
    ProjectNotFound,
    UnprocessableError,
    responses,
)
from api.http.deps import CurrentUser, SessionDep
from api.http.routing import api_router
from api.http.schemas_workbook import MAX_REVISION
from api.http.schemas_workbook_teams import (
    InvitationCreate,
    InvitationPublic,
    InvitationSent,
    InvitedPublic,
    JoinedPublic,
    MemberPublic,
    TeamPublic,
    TitleUpdate,
)
from api.services import workbook_teams
from api.services.workbook_teams import Team

router = api_router(tags=["workbook"])
Id = Annotated[int, Path(ge=1, le=MAX_REVISION)]


def _team(found: Team) -> TeamPublic:
    return TeamPublic(
        project_id=found.project.id or 0,
        title=found.project.title,
        members=[MemberPublic.model_validate(m) for m in found.members],
        invited=[InvitedPublic(invitation_id=i, name=n) for i, n in found.invited],
    )


@router.get(
    "/projects/{project_id}/members", responses=responses(NotAuthenticated, ProjectNotFound)
)
def members(project_id: Id, session: SessionDep, user: CurrentUser) -> TeamPublic:
    """The project's members and open invitations (404 unless you are a member)."""
    found = workbook_teams.team(session=session, user_id=user.id or 0, project_id=project_id)
    assert found is not None
    return _team(found)


@router.post(
    "/projects/{project_id}/invitations",
    status_code=202,
    responses=responses(NotAuthenticated, ProjectNotFound),
)
def invite(
    project_id: Id, body: InvitationCreate, session: SessionDep, user: CurrentUser
) -> InvitationSent:
    """Invite a colleague in your municipality by e-mail address (the same answer for any)."""
    detail = workbook_teams.invite(
        session=session, user=user, email=body.email, project_id=project_id
    )
    return InvitationSent(detail=detail)


@router.delete(
    "/projects/{project_id}/invitations/{invitation_id}",
    status_code=204,
    responses=responses(NotAuthenticated, ProjectNotFound, ProjectInvitationNotFound),
)
def withdraw(project_id: Id, invitation_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    """Take back an open invitation to the project."""
    workbook_teams.withdraw(
        session=session, user=user, project_id=project_id, invitation_id=invitation_id
    )
    return Response(status_code=204)


@router.delete(
    "/projects/{project_id}/members/{user_id}",
    status_code=204,
    responses=responses(
        NotAuthenticated, ProjectNotFound, ProjectMemberNotFound, NotProjectOwner, OwnerCannotLeave
    ),
)
def remove_member(project_id: Id, user_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    """Leave the project (your own id), or as its owner remove a member."""
    workbook_teams.remove_member(
        session=session, user=user, project_id=project_id, member_id=user_id
    )
    return Response(status_code=204)


@router.put(
    "/projects/{project_id}/title",
    responses=responses(NotAuthenticated, ProjectNotFound, UnprocessableError),
)
def set_title(
    project_id: Id, body: TitleUpdate, session: SessionDep, user: CurrentUser
) -> TeamPublic:
    """Name the project ("Prosjektets navn"); any member may."""
    workbook_teams.set_title(
        session=session, user_id=user.id or 0, title=body.title, project_id=project_id
    )
    found = workbook_teams.team(session=session, user_id=user.id or 0, project_id=project_id)
    assert found is not None
    return _team(found)


@router.get("/me/project-invitations", responses=responses(NotAuthenticated))
def my_invitations(session: SessionDep, user: CurrentUser) -> list[InvitationPublic]:
    """The open invitations to you into other people's projects."""
    found = workbook_teams.invitations(session=session, user_id=user.id or 0)
    return [InvitationPublic.model_validate(i) for i in found]


_ANSWER = responses(NotAuthenticated, ProjectInvitationNotFound, AlreadyInTeam)


@router.post("/me/project-invitations/{invitation_id}/accept", responses=_ANSWER)
def accept(invitation_id: Id, session: SessionDep, user: CurrentUser) -> JoinedPublic:
    """Join the project: your module pages then write to it (your own project stays yours)."""
    project_id = workbook_teams.answer(
        session=session, user=user, invitation_id=invitation_id, accept=True
    )
    return JoinedPublic(project_id=project_id)


@router.post(
    "/me/project-invitations/{invitation_id}/decline",
    status_code=204,
    responses=responses(NotAuthenticated, ProjectInvitationNotFound),
)
def decline(invitation_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    """Decline the invitation."""
    workbook_teams.answer(session=session, user=user, invitation_id=invitation_id, accept=False)
    return Response(status_code=204)
