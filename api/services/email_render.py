"""What each kind of e-mail says: read at send time from the ids in the outbox row.

Templates are in ``email_templates/`` (Jinja2): ``<kind>.txt`` for the plain-text
part and ``<kind>.html`` for the HTML part, which is autoescaped. A message whose
reason has gone by the time it is sent (the learner has completed since the reminder
was queued, the leader turned the notices off, the account was erased) is not sent:
``render`` returns None with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlmodel import Session, col, select

from api.core.config import Settings
from api.core.security import token_digest
from api.data.models import (
    Certificate,
    CompletionDeadline,
    EmailPreference,
    Enrollment,
    Municipality,
    OrgUnit,
    OutgoingEmail,
    PasswordSetupToken,
    ProjectInvitation,
    ProjectMember,
    ProjectReview,
    ReviewStatus,
    User,
    utcnow,
)
from api.services import email_outbox as outbox
from api.services import project_review, setup_codes
from api.services.certificates import verify_url
from api.services.mailer import Outgoing
from certificates.render import format_date

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("email_templates")),
    autoescape=select_autoescape(["html"], default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
SUBJECTS = {
    outbox.INVITATION: "Du er invitert til innovasjonsstudiet",
    outbox.PASSWORD_RESET: "Sett nytt passord til innovasjonsstudiet",
    outbox.REMINDER: "Påminnelse: fullfør innovasjonsstudiet innen {due}",
    outbox.COMPLETION_NOTICE: "{learner} har fullført innovasjonsstudiet",
    outbox.CERTIFICATE_REVOKED: "Kursbeviset ditt er trukket tilbake",
    outbox.CERTIFICATE_REISSUED: "Du har fått et nytt kursbevis",
    outbox.PROJECT_INVITATION: "Du er invitert inn i et prosjekt i innovasjonsstudiet",
    outbox.WORKBOOK_REVIEWED: "Prosjektplanen din er vurdert: {status}",
    outbox.WORKBOOK_SUBMITTED: "En prosjektplan venter på vurderingen din",
}


@dataclass(frozen=True, slots=True)
class Skipped:
    reason: str


Context = dict[str, Any]
_Builder = Callable[[Session, Settings, OutgoingEmail, User, dict[str, Any]], "Context | Skipped"]


def render(*, session: Session, settings: Settings, message: OutgoingEmail) -> Outgoing | Skipped:
    user = session.get(User, message.user_id)
    if user is None or user.erased_at is not None:
        return Skipped("account_erased")
    if not user.is_active:
        return Skipped("account_inactive")
    params = json.loads(message.params)
    found = _BUILDERS[message.kind](session, settings, message, user, params)
    if isinstance(found, Skipped):
        return found
    context = {"name": user.full_name, "base_url": settings.base_url, **found}
    subject = SUBJECTS[message.kind].format(**context)
    context["subject"] = subject
    headers: tuple[tuple[str, str], ...] = ()
    if "one_click" in context:
        # RFC 2369's "unsubscribe" button of the mail program, and RFC 8058's one click: the
        # mail provider POSTs "List-Unsubscribe=One-Click" to the address, no page between.
        headers = (
            ("List-Unsubscribe", f"<{context['one_click']}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        )
    return Outgoing(
        key=message.key,
        to_name=user.full_name,
        to_address=user.email,
        subject=subject,
        text=_ENV.get_template(f"{message.kind}.txt").render(context),
        html=_ENV.get_template(f"{message.kind}.html").render(context),
        headers=headers,
    )


def _password_link(session: Session, settings: Settings, message: OutgoingEmail) -> str | None:
    """The message's password link, or None when its code no longer works (used, replaced
    by a newer invitation, or expired): a dead link is not worth sending."""
    code = outbox.setup_code(settings, message.key)
    usable = session.exec(
        select(PasswordSetupToken.id).where(
            col(PasswordSetupToken.token_hash) == token_digest(setup_codes.normalise_code(code)),
            col(PasswordSetupToken.used_at).is_(None),
            col(PasswordSetupToken.expires_at) > utcnow(),
        )
    ).first()
    return setup_codes.setup_url(settings.base_url, code) if usable is not None else None


def _invitation(
    session: Session, settings: Settings, message: OutgoingEmail, user: User, params: Any
) -> Context | Skipped:
    link = _password_link(session, settings, message)
    if link is None:
        return Skipped("link_no_longer_works")
    expires = datetime.fromisoformat(params["expires_at"])
    return {"link": link, "expires": format_date(expires.date())}


def _password_reset(
    session: Session, settings: Settings, message: OutgoingEmail, user: User, params: Any
) -> Context | Skipped:
    link = _password_link(session, settings, message)
    if link is None:
        return Skipped("link_no_longer_works")
    return {"link": link, "minutes": params["minutes"]}


def _reminder(
    session: Session, settings: Settings, message: OutgoingEmail, user: User, params: Any
) -> Context | Skipped:
    deadline = session.get(CompletionDeadline, params["deadline_id"])
    if deadline is None or deadline.due_on != date.fromisoformat(params["due_on"]):
        return Skipped("deadline_changed")
    if _completed(session, user):
        return Skipped("completed")
    preference = session.get(EmailPreference, user.id)
    if preference is not None and preference.reminders_off_at is not None:
        return Skipped("unsubscribed")
    assert user.id is not None
    token = outbox.unsubscribe_token(settings, user.id)
    return {
        "due": format_date(deadline.due_on),
        "scope_name": _deadline_owner(session, deadline),
        "link": f"{settings.base_url}/",
        "unsubscribe": f"{settings.base_url}/varsler/avmeld?token={token}",  # the page
        "one_click": f"{settings.base_url}{ONE_CLICK_PATH}?token={token}",  # RFC 8058
    }


ONE_CLICK_PATH = "/varsler/avmeld/ett-klikk"


def _deadline_owner(session: Session, deadline: CompletionDeadline) -> str:
    if deadline.unit_id is not None:
        unit = session.get(OrgUnit, deadline.unit_id)
        return unit.name if unit is not None else "Enheten din"
    municipality = session.get(Municipality, deadline.municipality_number)
    return f"{municipality.name} kommune" if municipality is not None else "Kommunen din"


def _completed(session: Session, user: User) -> bool:
    done = session.exec(
        select(Enrollment.completed_at).where(col(Enrollment.user_id) == user.id)
    ).first()
    return done is not None


def _completion_notice(
    session: Session, settings: Settings, message: OutgoingEmail, user: User, params: Any
) -> Context | Skipped:
    preference = session.get(EmailPreference, user.id)
    if preference is None or not preference.unit_completion_notices:
        return Skipped("notices_off")
    learner = session.get(User, params["learner_id"])
    if learner is None or learner.erased_at is not None:
        return Skipped("learner_erased")
    unit = session.get(OrgUnit, learner.unit_id) if learner.unit_id is not None else None
    return {
        "learner": learner.full_name,
        "unit": unit.name if unit is not None else None,
        "link": f"{settings.base_url}/mine-enheter",
        "settings_link": f"{settings.base_url}/profil#varsler",
    }


def _certificate(session: Session, code: str, user: User) -> Certificate | None:
    found = session.exec(select(Certificate).where(col(Certificate.code) == code)).first()
    return found if found is not None and found.user_id == user.id else None


def _certificate_revoked(
    session: Session, settings: Settings, message: OutgoingEmail, user: User, params: Any
) -> Context | Skipped:
    certificate = _certificate(session, params["code"], user)
    if certificate is None or certificate.revoked_at is None:
        return Skipped("not_revoked")
    return {
        "code": certificate.code,
        "holder_message": certificate.holder_message,
        "link": f"{settings.base_url}/kursbevis",
    }


def _certificate_reissued(
    session: Session, settings: Settings, message: OutgoingEmail, user: User, params: Any
) -> Context | Skipped:
    certificate = _certificate(session, params["code"], user)
    if certificate is None or certificate.revoked_at is not None:
        return Skipped("not_valid")
    return {
        "code": certificate.code,
        "replaces": params["replaces"],
        "link": f"{settings.base_url}/kursbevis",
        "verify": verify_url(settings, certificate.code),
    }


def _project_invitation(
    session: Session, settings: Settings, message: OutgoingEmail, user: User, params: Any
) -> Context | Skipped:
    invitation = session.get(ProjectInvitation, params["invitation_id"])
    if invitation is None or invitation.invitee_id != user.id:
        return Skipped("invitation_answered")
    inviter = session.get(User, invitation.invited_by) if invitation.invited_by else None
    return {
        "inviter": inviter.full_name if inviter is not None else None,
        "link": f"{settings.base_url}/mitt-prosjekt",
    }


def _workbook_reviewed(
    session: Session, settings: Settings, message: OutgoingEmail, user: User, params: Any
) -> Context | Skipped:
    review = session.get(ProjectReview, params["review_id"])
    if review is None or review.status == ReviewStatus.SUBMITTED:
        return Skipped("review_gone")
    member = session.get(ProjectMember, (review.project_id, user.id))
    if member is None:
        return Skipped("not_a_member")
    return {
        "status": REVIEW_LABELS[ReviewStatus(review.status)],
        "whole_plan": review.step_id is None,
        "commented": bool(json.loads(review.comments)),
        "link": f"{settings.base_url}/mitt-prosjekt",
    }


# What the learner is told (the same words as the pages).
REVIEW_LABELS = {ReviewStatus.APPROVED: "Godkjent", ReviewStatus.NEEDS_WORK: "Trenger mer arbeid"}


def _workbook_submitted(
    session: Session, settings: Settings, message: OutgoingEmail, user: User, params: Any
) -> Context | Skipped:
    review = session.get(ProjectReview, params["review_id"])
    if review is None or review.status != ReviewStatus.SUBMITTED:
        return Skipped("review_answered")
    submitter = session.get(User, params["submitted_by"])
    if submitter is None or user.id not in project_review.covering_leaders(session, submitter):
        return Skipped("not_a_reviewer")  # the leader role or the unit changed since
    return {
        "whole_plan": review.step_id is None,
        "link": f"{settings.base_url}/vurderinger/{review.id}",
    }


_BUILDERS: dict[str, _Builder] = {
    outbox.INVITATION: _invitation,
    outbox.PASSWORD_RESET: _password_reset,
    outbox.REMINDER: _reminder,
    outbox.COMPLETION_NOTICE: _completion_notice,
    outbox.CERTIFICATE_REVOKED: _certificate_revoked,
    outbox.CERTIFICATE_REISSUED: _certificate_reissued,
    outbox.PROJECT_INVITATION: _project_invitation,
    outbox.WORKBOOK_REVIEWED: _workbook_reviewed,
    outbox.WORKBOOK_SUBMITTED: _workbook_submitted,
}
