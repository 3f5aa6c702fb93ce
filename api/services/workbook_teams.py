"""Team projects: colleagues in one municipality plan one innovation project together.

Any member invites a colleague by e-mail address; only an active account in the
project's municipality gets an invitation, and the answer is the same whoever the
address belongs to (``INVITED``), so the form cannot tell who exists elsewhere. The
invitee accepts or declines on "Mitt prosjekt". Accepting makes them a member: the
team's project is then the one their module pages write to
(``workbook.active_project``); what they wrote in their personal project stays
there, visible to them, and is theirs again when they leave. One team at a time.
The owner (whose personal project it is) removes members; a member leaves. Progress
and completion stay each person's own. Audited by account id only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from api.core.errors import (
    AlreadyInTeam,
    NotProjectOwner,
    OwnerCannotLeave,
    ProjectInvitationNotFound,
    ProjectMemberNotFound,
    UnprocessableError,
)
from api.data.models import Project, ProjectInvitation, ProjectMember, User, utcnow
from api.services import audit, email_outbox
from api.services.users import normalise_email
from api.services.workbook import (
    MEMBER,
    OWNER,
    active_project,
    delete_projects,
    hand_over,
    member_project,
    not_personal,
)

INVITED = (
    "Hvis adressen tilhører en kollega i kommunen din, har hen fått en invitasjon til "
    "prosjektet og ser den på «Mitt prosjekt»."
)
MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    name: str
    role: str
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class Team:
    """A project's people as its members see them: members and open invitations."""

    project: Project
    members: list[Member]
    invited: list[tuple[int, str]]  # invitation id, the invitee's name
    you: int

    @property
    def owner(self) -> bool:
        return any(m.user_id == self.you and m.role == OWNER for m in self.members)


@dataclass(frozen=True, slots=True)
class InvitationView:
    id: int
    project_id: int
    project_title: str
    invited_by: str | None
    members: list[str]
    created_at: datetime


def _member_project(session: Session, user_id: int, project_id: int | None) -> Project:
    """The project named (404 unless a member), or the active one, made if need be."""
    if project_id is None:
        return active_project(session=session, user_id=user_id)
    return member_project(session=session, user_id=user_id, project_id=project_id)


def team(*, session: Session, user_id: int, project_id: int | None = None) -> Team | None:
    """The project's members and open invitations (default: the active project, if any)."""
    if project_id is None:
        found = (
            session.exec(
                select(Project).where(
                    col(Project.id).in_(_memberships(user_id)), not_personal(user_id)
                )
            ).first()
            or session.exec(select(Project).where(Project.personal_owner_id == user_id)).first()
        )
        if found is None:
            return None
    else:
        found = _member_project(session, user_id, project_id)
    members = session.exec(
        select(ProjectMember, User.full_name)
        .join(User, col(User.id) == col(ProjectMember.user_id))
        .where(ProjectMember.project_id == found.id)
        .order_by(col(ProjectMember.joined_at), col(ProjectMember.user_id))
    ).all()
    invited = session.exec(
        select(ProjectInvitation.id, User.full_name)
        .join(User, col(User.id) == col(ProjectInvitation.invitee_id))
        .where(ProjectInvitation.project_id == found.id)
        .order_by(col(ProjectInvitation.id))
    ).all()
    return Team(
        found,
        [Member(m.user_id, name, m.role, m.joined_at) for m, name in members],
        [(i or 0, name) for i, name in invited],
        user_id,
    )


def invite(*, session: Session, user: User, email: str, project_id: int | None = None) -> str:
    """Invite a colleague of the project's municipality; the same answer for any address."""
    assert user.id is not None
    project = _member_project(session, user.id, project_id)
    municipality = project.municipality_number or user.municipality_number
    invitee = session.exec(
        select(User).where(
            User.email == normalise_email(email)[:254],
            col(User.municipality_number) == municipality,
            col(User.municipality_number).is_not(None),
            col(User.is_active).is_(True),
            col(User.erased_at).is_(None),
        )
    ).first()
    if invitee is None or invitee.id is None or municipality is None:
        return INVITED
    already = session.exec(
        select(func.count())
        .select_from(ProjectMember)
        .where(ProjectMember.project_id == project.id, ProjectMember.user_id == invitee.id)
    ).one()
    asked = session.exec(
        select(ProjectInvitation).where(
            ProjectInvitation.project_id == project.id, ProjectInvitation.invitee_id == invitee.id
        )
    ).first()
    if already or asked is not None:
        return INVITED
    assert project.id is not None
    invitation = ProjectInvitation(
        project_id=project.id, invitee_id=invitee.id, invited_by=user.id, created_at=utcnow()
    )
    session.add(invitation)
    session.flush()
    audit.record(session=session, actor=user, action="project.invite",
                 target=audit.user_target(invitee.id), details={"project_id": project.id},
                 municipality=municipality)  # fmt: skip
    email_outbox.queue(session=session, kind=email_outbox.PROJECT_INVITATION,
                       user_id=invitee.id, key=f"project-invitation:{invitation.id}",
                       params={"invitation_id": invitation.id})  # fmt: skip
    return INVITED


def invitations(*, session: Session, user_id: int) -> list[InvitationView]:
    """The open invitations to the person, with who invited and who is in each team."""
    found = session.exec(
        select(ProjectInvitation, Project)
        .join(Project, col(Project.id) == col(ProjectInvitation.project_id))
        .where(ProjectInvitation.invitee_id == user_id)
        .order_by(col(ProjectInvitation.id))
    ).all()
    views = []
    for invitation, project in found:
        names = session.exec(
            select(User.id, User.full_name)
            .join(ProjectMember, col(ProjectMember.user_id) == col(User.id))
            .where(ProjectMember.project_id == project.id)
            .order_by(col(ProjectMember.joined_at))
        ).all()
        by = dict(names).get(invitation.invited_by or 0)
        views.append(
            InvitationView(
                invitation.id or 0,
                project.id or 0,
                project.title,
                by,
                [name for _, name in names],
                invitation.created_at,
            )
        )
    return views


def _invitation(session: Session, user_id: int, invitation_id: int) -> ProjectInvitation:
    found = session.exec(
        select(ProjectInvitation).where(
            ProjectInvitation.id == invitation_id, ProjectInvitation.invitee_id == user_id
        )
    ).first()
    if found is None:
        raise ProjectInvitationNotFound()
    return found


def _memberships(user_id: int) -> SelectOfScalar[int]:
    return select(ProjectMember.project_id).where(ProjectMember.user_id == user_id)


def in_team(*, session: Session, user_id: int) -> bool:
    """The person is in a team: a member of another's project, or has members in their own."""
    joined = session.exec(
        select(func.count())
        .select_from(Project)
        .where(col(Project.id).in_(_memberships(user_id)), not_personal(user_id))
    ).one()
    own = select(Project.id).where(Project.personal_owner_id == user_id)
    guests = session.exec(
        select(func.count())
        .select_from(ProjectMember)
        .where(col(ProjectMember.project_id).in_(own), ProjectMember.user_id != user_id)
    ).one()
    return bool(joined or guests)


def answer(*, session: Session, user: User, invitation_id: int, accept: bool) -> int:
    """Accept (join the team) or decline an invitation; the project's id."""
    assert user.id is not None
    invitation = _invitation(session, user.id, invitation_id)
    project_id = invitation.project_id
    if accept:
        # One team at a time, also for two answers at the same moment: lock the account.
        session.exec(select(User.id).where(User.id == user.id).with_for_update(of=User)).one()
        if in_team(session=session, user_id=user.id):
            raise AlreadyInTeam()
        session.add(ProjectMember(project_id=project_id, user_id=user.id, role=MEMBER,
                                  joined_at=utcnow()))  # fmt: skip
    session.delete(invitation)
    session.flush()
    action = "project.join" if accept else "project.decline"
    audit.record(session=session, actor=user, action=action,
                 target=audit.user_target(user.id), details={"project_id": project_id},
                 municipality=user.municipality_number)  # fmt: skip
    return project_id


def remove_member(*, session: Session, user: User, project_id: int, member_id: int) -> None:
    """The owner removes a member, or a member leaves (``member_id`` their own id)."""
    assert user.id is not None
    project = _member_project(session, user.id, project_id)
    mine = session.get(ProjectMember, (project.id, user.id))
    assert mine is not None
    if member_id == user.id and project.personal_owner_id == user.id:
        raise OwnerCannotLeave()
    if member_id != user.id and mine.role != OWNER:
        raise NotProjectOwner()
    target = session.get(ProjectMember, (project.id, member_id))
    if target is None:
        raise ProjectMemberNotFound()
    if member_id == user.id:
        hand_over(session, project, user.id)  # an owner by inheritance passes it on
    session.delete(target)
    session.flush()
    if (
        project.personal_owner_id is None
        and not session.exec(
            select(func.count())
            .select_from(ProjectMember)
            .where(ProjectMember.project_id == project.id)
        ).one()
    ):
        delete_projects(session, select(Project.id).where(Project.id == project.id))
    action = "project.leave" if member_id == user.id else "project.remove_member"
    audit.record(session=session, actor=user, action=action,
                 target=audit.user_target(member_id), details={"project_id": project.id},
                 municipality=project.municipality_number)  # fmt: skip


def withdraw(*, session: Session, user: User, project_id: int, invitation_id: int) -> None:
    """A member takes back an open invitation to the project."""
    assert user.id is not None
    project = _member_project(session, user.id, project_id)
    found = session.exec(
        select(ProjectInvitation).where(
            ProjectInvitation.id == invitation_id, ProjectInvitation.project_id == project.id
        )
    ).first()
    if found is None:
        raise ProjectInvitationNotFound()
    session.delete(found)
    session.flush()


def set_title(
    *, session: Session, user_id: int, title: str, project_id: int | None = None
) -> Project:
    """Name the project ("Prosjektets navn"); any member may."""
    clean = title.strip()
    if len(clean) > MAX_TITLE or any(ord(c) < 32 or ord(c) == 127 for c in clean):
        raise UnprocessableError(
            [
                {
                    "loc": ["body", "title"],
                    "msg": f"Navnet kan ha høyst {MAX_TITLE} tegn på én linje.",
                }
            ]
        )
    project = _member_project(session, user_id, project_id)
    project.title = clean
    project.updated_at = utcnow()
    session.add(project)
    session.flush()
    return project
