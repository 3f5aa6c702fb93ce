"""Personal data: a person's own export, and erasure by an administrator.

Erasure keeps what aggregate reports count and removes what identifies the person:

- the account row stays (ids keep progress and counts together) with the name
  replaced by "Slettet bruker", the e-mail address by ``erased-<id>@invalid``
  (reserved, so it can never collide with a real address), an unplaced department
  text and the password removed, deactivated, and ``erased_at`` set; municipality,
  number, unit and role stay, for per-municipality and per-unit counts;
- enrollment, module progress and quiz scores stay (dates, scores, counts);
  the answers given in each quiz attempt are removed, and so are the responses in
  the person's xAPI *answered* statements (a learning record store that already
  has them keeps its copy: its operator erases there; the actor is an opaque id);
- login sessions, setup codes and failed logins under the old address are deleted;
- the workbook: a personal project nobody else is in is deleted with every answer;
  in a team project the person's saved versions and authorship are removed and the
  other members' text stays (``workbook.erase``); memberships and invitations go;
- certificates keep their code, dates and municipality, the holder's name is
  replaced, and verification then reports the data as erased (not valid);
- the audit log holds no personal data and is left as it is.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from api.core.errors import OwnAccount, UserErased
from api.data.models import (
    AuditEvent,
    AuthToken,
    Certificate,
    CourseModule,
    Enrollment,
    LoginFailure,
    ModuleProgress,
    ModuleRevision,
    PasswordSetupToken,
    QuizAttempt,
    RoleAssignment,
    SignInIdentity,
    User,
    XapiOutbox,
    utcnow,
)
from api.services import (
    audit,
    login_throttle,
    org_units,
    project_review,
    user_municipality,
    workbook,
    xapi_statements,
)
from api.services.admin_users import managed_person
from api.services.contracts import (
    PersonalAccount,
    PersonalAttempt,
    PersonalAuditEvent,
    PersonalCertificate,
    PersonalDataExport,
    PersonalLoginFailure,
    PersonalModule,
    PersonalSession,
    PersonalSetupCode,
    PersonalXapiStatement,
)
from api.services.scope import Actor

ERASED_NAME = "Slettet bruker"


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@invalid"


def _answers(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def export_personal_data(*, session: Session, user: User) -> PersonalDataExport:
    """Everything held about the user, in a fixed number of queries."""
    assert user.id is not None
    uid = user.id
    slugs = dict(session.exec(select(CourseModule.id, CourseModule.slug)).all())
    enrollment = session.exec(select(Enrollment).where(Enrollment.user_id == uid)).first()
    progress = session.exec(
        select(ModuleProgress).where(ModuleProgress.user_id == uid).order_by(col(ModuleProgress.id))
    ).all()
    attempts = session.exec(
        select(QuizAttempt).where(QuizAttempt.user_id == uid).order_by(col(QuizAttempt.id))
    ).all()
    certificates = session.exec(
        select(Certificate).where(Certificate.user_id == uid).order_by(col(Certificate.id))
    ).all()
    tokens = session.exec(
        select(AuthToken).where(AuthToken.user_id == uid).order_by(col(AuthToken.id))
    ).all()
    codes = session.exec(
        select(PasswordSetupToken)
        .where(PasswordSetupToken.user_id == uid)
        .order_by(col(PasswordSetupToken.id))
    ).all()
    failures = session.exec(
        select(LoginFailure).where(LoginFailure.email == user.email).order_by(col(LoginFailure.id))
    ).all()
    events = session.exec(
        select(AuditEvent)
        .where(
            or_(col(AuditEvent.actor_id) == uid, col(AuditEvent.target) == audit.user_target(uid))
        )
        .order_by(col(AuditEvent.id))
    ).all()
    revisions = session.exec(
        select(CourseModule.slug, ModuleRevision.number)
        .join(CourseModule, col(CourseModule.id) == ModuleRevision.module_id)
        .where(ModuleRevision.author_id == uid)
        .order_by(col(ModuleRevision.id))
    ).all()
    xapi_events = session.exec(
        select(XapiOutbox).where(XapiOutbox.user_id == uid).order_by(col(XapiOutbox.id))
    ).all()
    return PersonalDataExport(
        exported_at=utcnow(),
        account=PersonalAccount(
            id=uid,
            email=user.email,
            full_name=user.full_name,
            role=user.role,
            unit=org_units.label(session=session, unit_id=user.unit_id),
            department_unmatched=user.department_unmatched,
            is_active=user.is_active,
            has_password=user.password_hash is not None,
            created_at=user.created_at,
            **user_municipality.account_fields(user),
        ),
        enrolled_at=enrollment.enrolled_at if enrollment else None,
        course_completed_at=enrollment.completed_at if enrollment else None,
        modules=[
            PersonalModule(
                slug=slugs.get(p.module_id, str(p.module_id)),
                read_at=p.read_at,
                passed_at=p.passed_at,
                completed_at=p.completed_at,
                best_score=p.best_score,
                attempt_count=p.attempt_count,
            )
            for p in progress
        ],
        attempts=[
            PersonalAttempt(
                module=slugs.get(a.module_id, str(a.module_id)),
                revision=a.revision,
                answers=_answers(a.answers),
                score=a.score,
                passed=a.passed,
                created_at=a.created_at,
            )
            for a in attempts
        ],
        certificates=[
            PersonalCertificate.model_validate(c, from_attributes=True) for c in certificates
        ],
        sessions=[PersonalSession.model_validate(t, from_attributes=True) for t in tokens],
        password_setup_codes=[
            PersonalSetupCode.model_validate(c, from_attributes=True) for c in codes
        ],
        failed_logins=[
            PersonalLoginFailure.model_validate(f, from_attributes=True) for f in failures
        ],
        audit_events=[
            PersonalAuditEvent(
                at=e.at,
                action=e.action,
                target=e.target,
                outcome=e.outcome,
                role="actor" if e.actor_id == uid else "target",
            )
            for e in events
        ],
        authored_revisions=[f"{slug}@{number}" for slug, number in revisions],
        xapi_statements=[
            PersonalXapiStatement(statement=statement, created_at=e.created_at, sent_at=e.sent_at)
            for e in xapi_events
            for statement in json.loads(e.statements)
        ],
        projects=workbook.export_projects(session=session, user_id=uid),
        workbook_revisions=workbook.export_revisions(session=session, user_id=uid),
        project_reviews=project_review.export_reviews(session=session, user_id=uid),
    )


def _erase_xapi_responses(session: Session, user_id: int) -> None:
    for event in session.exec(select(XapiOutbox).where(XapiOutbox.user_id == user_id)).all():
        statements = json.loads(event.statements)
        removed = [s.get("result", {}).pop("response", None) for s in statements]
        if any(response is not None for response in removed):
            event.statements = xapi_statements.encode(statements)
            session.add(event)


def erase_user(*, session: Session, actor: Actor, user_id: int) -> User:
    """Remove or anonymise the person's data, keeping what aggregates count (module docstring).

    The person's roles end with it."""
    user = managed_person(session=session, actor=actor, user_id=user_id)
    if user.erased_at is not None:
        raise UserErased("Personopplysningene til denne brukeren er allerede slettet.")
    if actor.user_id is not None and actor.user_id == user.id:
        raise OwnAccount()
    assert user.id is not None
    now = utcnow()
    login_throttle.forget_account(session=session, user=user, email=user.email)
    session.exec(delete(AuthToken).where(col(AuthToken.user_id) == user.id))
    session.exec(delete(PasswordSetupToken).where(col(PasswordSetupToken.user_id) == user.id))
    session.exec(delete(RoleAssignment).where(col(RoleAssignment.user_id) == user.id))
    # The keyed hash of the person's identity at a provider: signing in again makes a new account.
    session.exec(delete(SignInIdentity).where(col(SignInIdentity.user_id) == user.id))
    session.exec(
        update(QuizAttempt).where(col(QuizAttempt.user_id) == user.id).values(answers="{}")
    )
    _erase_xapi_responses(session, user.id)
    workbook.erase(session=session, user_id=user.id)
    session.exec(
        update(Certificate)
        .where(col(Certificate.user_id) == user.id)
        .values(holder_name=ERASED_NAME, holder_erased_at=now)
    )
    user.full_name = ERASED_NAME
    user.email = erased_email(user.id)
    user.department_unmatched = None  # free text; the unit stays, for the reports
    user.password_hash = None
    user.is_active = False
    user.erased_at = now
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.USER_ERASE,
        target=audit.user_target(user.id),
        municipality=user.municipality_number,
    )
    session.flush()
    return user
