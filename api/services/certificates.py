"""Certificates: issuing, the holder's state, revoking and reissuing, verifying.

Every front door (API, pages, command line) calls these; issuance, revocation
and reissue are audited here, in the caller's transaction. The PDF is
``api.services.certificate_pdfs``, drawn by ``certificates.render``.

Rules:
- a learner issues their own certificate once the course is completed; asking
  again returns the same one;
- at most one valid (not revoked) certificate per learner and course version,
  held by a partial unique index, so concurrent requests from several server
  processes still produce one;
- a revoked certificate stays and verifies as revoked. Its holder sees that it
  is revoked, with a fixed explanation and the administrator's optional message
  to them (the reason is internal), gets no PDF of it, and cannot issue a new one:
  a learner cannot undo an administrator's revocation. Only an administrator
  reissues: a new code, the old one stays revoked.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from api.core.config import Settings
from api.core.errors import (
    CertificateCodeMistyped,
    CertificateNotFound,
    CertificateNotRevoked,
    CertificateRevoked,
    CourseNotCompleted,
    UserErased,
)
from api.data.models import Certificate, Enrollment, User, utcnow
from api.services import audit, email_outbox, user_municipality, webhook_events
from certificates.codes import EXAMPLE_CODE, CodeProblem, code_problem, new_code, normalize_code
from certificates.render import format_date
from course.models import CourseInfo

NORWAY = ZoneInfo("Europe/Oslo")
SHAPE_PROBLEM = (
    "Dette er ikke en kode fra et kursbevis. Koden har elleve tegn, bokstaver og tall, "
    f"for eksempel {EXAMPLE_CODE}. Sjekk at du har fått med hele koden."
)
EXAMPLE_NOT_ISSUED = (
    "Dette er eksempelkoden, og den hører ikke til noe kursbevis. Skriv inn koden som står "
    "på kursbeviset du vil kontrollere."
)


class HolderStatus(StrEnum):
    NOT_COMPLETED = "not_completed"  # the course is not completed, no certificate
    READY = "ready"  # completed; the learner may issue the certificate
    VALID = "valid"
    REVOKED = "revoked"  # revoked, and no new one issued (yet)


@dataclass(frozen=True, slots=True)
class HolderCertificate:
    """What the holder is shown about their certificate for the current course version."""

    status: HolderStatus
    certificate: Certificate | None  # the valid one, or else the last revoked one
    explanation: str | None = None  # for REVOKED: the fixed text, in the holder's words


@dataclass(frozen=True, slots=True)
class Issued:
    certificate: Certificate
    created: bool


@dataclass(frozen=True, slots=True)
class Revoked:
    certificate: Certificate
    changed: bool  # False if it had been revoked already


@dataclass(frozen=True, slots=True)
class Reissued:
    certificate: Certificate  # the new one
    replaces: Certificate
    created: bool  # False if a new one had been issued already


def verify_url(settings: Settings, code: str) -> str:
    return f"{settings.base_url}/verify/{code}"


def certificate_target(code: str) -> str:
    return f"certificate:{code}"


def current_for_user(*, session: Session, user_id: int, info: CourseInfo) -> Certificate | None:
    """The learner's certificate for this course version: the valid one, else the last revoked.

    The latest is the current one: a new certificate is only issued when no valid one exists.
    """
    return session.exec(
        select(Certificate)
        .where(Certificate.user_id == user_id, Certificate.course_version == info.version)
        .order_by(col(Certificate.id).desc())
    ).first()


def _completed_enrollment(session: Session, user_id: int) -> Enrollment | None:
    enrollment = session.exec(select(Enrollment).where(Enrollment.user_id == user_id)).first()
    return enrollment if enrollment is not None and enrollment.completed_at is not None else None


def revoked_explanation(certificate: Certificate) -> str:
    """The fixed text a holder is shown about their revoked certificate."""
    assert certificate.revoked_at is not None
    when = format_date(certificate.revoked_at.astimezone(NORWAY).date())
    return (
        f"Kursbeviset ditt med kode {certificate.code} ble trukket tilbake {when} og er ikke "
        "lenger gyldig. Det kan ikke lastes ned, og kontrollsiden viser at det er trukket "
        "tilbake. Har du spørsmål, ta kontakt med kursansvarlig i kommunen din. Bare en "
        "administrator kan utstede et nytt kursbevis."
    )


def revoked_error(certificate: Certificate) -> CertificateRevoked:
    """``CertificateRevoked`` for the holder: the explanation and the message to them."""
    text = revoked_explanation(certificate)
    if certificate.holder_message:
        text += f" Melding fra administratoren: {certificate.holder_message}"
    return CertificateRevoked(text)


def holder_state(*, session: Session, user: User, info: CourseInfo) -> HolderCertificate:
    """The learner's certificate as they see it (pages and API)."""
    assert user.id is not None
    certificate = current_for_user(session=session, user_id=user.id, info=info)
    if certificate is not None and certificate.revoked_at is None:
        return HolderCertificate(HolderStatus.VALID, certificate)
    if certificate is not None:
        return HolderCertificate(
            HolderStatus.REVOKED, certificate, explanation=revoked_explanation(certificate)
        )
    if _completed_enrollment(session, user.id) is None:
        return HolderCertificate(HolderStatus.NOT_COMPLETED, None)
    return HolderCertificate(HolderStatus.READY, None)


def _insert(session: Session, *, holder: User, info: CourseInfo, enrollment: Enrollment) -> Issued:
    """A new valid certificate for ``holder``, or the one a concurrent request made first.

    The insert leaves it to the partial unique index which of concurrent requests
    wins; a losing request finds the winner's certificate.
    """
    assert holder.id is not None and enrollment.completed_at is not None
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    while True:
        values = {
            "code": new_code(),
            "user_id": holder.id,
            "course_slug": info.slug,
            "course_version": info.version,
            "course_title": info.title,
            "holder_name": holder.full_name,
            "municipality": user_municipality.certificate_name(holder),
            "completed_at": enrollment.completed_at,
            "issued_at": utcnow(),
            # The next entry in the Open Badges status lists (api.services.open_badges);
            # a concurrent request that took it makes this insert conflict, and retry.
            "status_index": select(
                func.coalesce(func.max(Certificate.status_index), -1) + 1
            ).scalar_subquery(),
        }
        statement = insert(Certificate).values(**values).on_conflict_do_nothing()
        inserted = session.exec(statement.returning(col(Certificate.code))).first()
        found = current_for_user(session=session, user_id=holder.id, info=info)
        if found is not None and found.revoked_at is None:  # ours, or a concurrent request's
            return Issued(found, created=inserted is not None)
        # The random code or the status index collided with another certificate's: again.


def issue(*, session: Session, user: User, info: CourseInfo) -> Issued:
    """The learner's own certificate, created on first request once the course is completed.

    Raises ``CertificateRevoked`` (with the holder's explanation) if it was revoked:
    only an administrator issues a new one (``reissue``).
    """
    assert user.id is not None
    existing = current_for_user(session=session, user_id=user.id, info=info)
    if existing is not None and existing.revoked_at is None:
        return Issued(existing, created=False)
    if existing is not None:
        raise revoked_error(existing)
    enrollment = _completed_enrollment(session, user.id)
    if enrollment is None:
        raise CourseNotCompleted()
    issued = _insert(session, holder=user, info=info, enrollment=enrollment)
    if issued.created:
        audit.record(
            session=session,
            actor=user,
            action=audit.Action.CERTIFICATE_ISSUE,
            target=certificate_target(issued.certificate.code),
        )
        webhook_events.certificate_issued(
            session=session, certificate=issued.certificate, holder=user
        )
    return issued


def issue_missing(*, session: Session, info: CourseInfo) -> int:
    """Issue certificates to every learner who completed the course but has none yet.

    A learner whose certificate was revoked has one: only an administrator reissues.
    Each new certificate is audited with no actor (the command line).
    """
    users = session.exec(
        select(User)
        .join(Enrollment, col(Enrollment.user_id) == col(User.id))
        .where(col(Enrollment.completed_at).is_not(None))
        .where(col(User.erased_at).is_(None))  # no certificates in an erased person's name
        .where(
            ~select(Certificate.id)
            .where(Certificate.user_id == User.id, Certificate.course_version == info.version)
            .exists()
        )
    ).all()
    created = 0
    for user in users:
        assert user.id is not None
        enrollment = _completed_enrollment(session, user.id)
        assert enrollment is not None
        issued = _insert(session, holder=user, info=info, enrollment=enrollment)
        if issued.created:
            created += 1
            audit.record(
                session=session,
                actor=None,
                action=audit.Action.CERTIFICATE_ISSUE,
                target=certificate_target(issued.certificate.code),
            )
            webhook_events.certificate_issued(
                session=session, certificate=issued.certificate, holder=user
            )
    return created


def by_code(*, session: Session, code: str) -> Certificate:
    """The certificate with this code, typed leniently.

    Raises ``CertificateCodeMistyped`` (422) for text that cannot be a code or
    whose check character does not match, ``CertificateNotFound`` (404) for a
    well-typed code that no certificate has.
    """
    problem = code_problem(code)
    if problem is CodeProblem.SHAPE:
        raise CertificateCodeMistyped(SHAPE_PROBLEM)
    if problem is CodeProblem.CHECK:
        raise CertificateCodeMistyped()
    canonical = normalize_code(code)
    if canonical == EXAMPLE_CODE:
        raise CertificateNotFound(EXAMPLE_NOT_ISSUED)
    found = session.exec(select(Certificate).where(Certificate.code == canonical)).first()
    if found is None:
        raise CertificateNotFound()
    return found


def revoke(
    *, session: Session, code: str, reason: str, admin: User, holder_message: str | None = None
) -> Revoked:
    """Revoke a certificate with an internal reason and an optional message to its holder.

    Revoking one that is revoked already changes nothing (and is audited as such).
    """
    certificate = by_code(session=session, code=code)
    changed = certificate.revoked_at is None
    if changed:
        certificate.revoked_at = utcnow()
        certificate.revoked_reason = reason
        certificate.revoked_by = admin.id
        certificate.holder_message = holder_message or None
        session.flush()
        webhook_events.certificate_revoked(session=session, certificate=certificate)
        email_outbox.queue(
            session=session,
            kind=email_outbox.CERTIFICATE_REVOKED,
            user_id=certificate.user_id,
            key=f"certificate_revoked:{certificate.code}",
            params={"code": certificate.code},
        )
    audit.record(
        session=session,
        actor=admin,
        action=audit.Action.CERTIFICATE_REVOKE,
        target=certificate_target(certificate.code),
        details={} if changed else {"already_revoked": True},
    )
    return Revoked(certificate, changed=changed)


def reissue(*, session: Session, code: str, admin: User, info: CourseInfo) -> Reissued:
    """A new certificate (new code) for the holder of the revoked certificate ``code``.

    The new one is for the current course version and carries the holder's name and
    municipality as they are now (a wrong name is a common reason to revoke). The old
    one stays revoked. Asking again returns the new one (``created`` False).

    Raises ``CertificateNotRevoked`` if ``code`` is still valid, ``UserErased`` if the
    holder's data was erased, ``CourseNotCompleted`` if the holder has not completed.
    """
    old = by_code(session=session, code=code)
    if old.revoked_at is None:
        raise CertificateNotRevoked()
    holder = session.get(User, old.user_id)
    assert holder is not None and holder.id is not None
    if holder.erased_at is not None or old.holder_erased_at is not None:
        raise UserErased(
            "Personopplysningene til innehaveren er slettet, så det kan ikke utstedes "
            "et nytt kursbevis."
        )
    current = current_for_user(session=session, user_id=holder.id, info=info)
    if current is not None and current.revoked_at is None:
        return Reissued(current, replaces=old, created=False)
    enrollment = _completed_enrollment(session, holder.id)
    if enrollment is None:
        raise CourseNotCompleted(
            "Innehaveren har ikke fullført kurset, så det kan ikke utstedes et nytt kursbevis."
        )
    issued = _insert(session, holder=holder, info=info, enrollment=enrollment)
    if issued.created:
        audit.record(
            session=session,
            actor=admin,
            action=audit.Action.CERTIFICATE_REISSUE,
            target=certificate_target(issued.certificate.code),
            details={"replaces": old.code, "holder": holder.id},
        )
        webhook_events.certificate_reissued(
            session=session, certificate=issued.certificate, replaces=old, holder=holder
        )
        email_outbox.queue(
            session=session,
            kind=email_outbox.CERTIFICATE_REISSUED,
            user_id=holder.id,
            key=f"certificate_reissued:{issued.certificate.code}",
            params={"code": issued.certificate.code, "replaces": old.code},
        )
    return Reissued(issued.certificate, replaces=old, created=issued.created)
