"""Issuing, verifying and revoking certificates (the PDF itself is ``certificates.render``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from api.core.config import Settings
from api.core.errors import CertificateNotFound, CourseNotCompleted
from api.data.models import Certificate, Enrollment, ModuleProgress, User, utcnow
from api.services.content import LiveModule
from certificates.codes import new_code, normalize_code
from certificates.render import CertificateData, CompletedModule
from course.models import CourseInfo

NORWAY = ZoneInfo("Europe/Oslo")


@dataclass(frozen=True, slots=True)
class Issued:
    certificate: Certificate
    created: bool


def verify_url(settings: Settings, code: str) -> str:
    return f"{settings.base_url}/verify/{code}"


def find_for_user(*, session: Session, user_id: int, info: CourseInfo) -> Certificate | None:
    return session.exec(
        select(Certificate).where(
            Certificate.user_id == user_id, Certificate.course_version == info.version
        )
    ).first()


def issue(*, session: Session, user: User, info: CourseInfo) -> Issued:
    """The learner's certificate for this course version, created on first request.

    Exactly one per learner and version, also across server processes: the
    insert leaves it to the unique constraint which of concurrent requests wins.
    """
    assert user.id is not None
    existing = find_for_user(session=session, user_id=user.id, info=info)
    if existing is not None:
        return Issued(existing, created=False)
    enrollment = session.exec(select(Enrollment).where(Enrollment.user_id == user.id)).first()
    if enrollment is None or enrollment.completed_at is None:
        raise CourseNotCompleted()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    while True:
        values = {
            "code": new_code(),
            "user_id": user.id,
            "course_slug": info.slug,
            "course_version": info.version,
            "course_title": info.title,
            "holder_name": user.full_name,
            "municipality": user.municipality,
            "completed_at": enrollment.completed_at,
            "issued_at": utcnow(),
        }
        statement = insert(Certificate).values(**values).on_conflict_do_nothing()
        inserted = session.exec(statement.returning(col(Certificate.code))).first()
        found = find_for_user(session=session, user_id=user.id, info=info)
        if found is not None:  # ours, or a concurrent request's
            return Issued(found, created=inserted is not None)
        # The random code collided with another certificate's: draw again.


def by_code(*, session: Session, code: str) -> Certificate:
    """The certificate with this code (typed leniently), or 404."""
    canonical = normalize_code(code)
    if canonical is None:
        raise CertificateNotFound()
    found = session.exec(select(Certificate).where(Certificate.code == canonical)).first()
    if found is None:
        raise CertificateNotFound()
    return found


def revoke(*, session: Session, code: str, reason: str, admin: User) -> Certificate:
    certificate = by_code(session=session, code=code)
    if certificate.revoked_at is None:
        certificate.revoked_at = utcnow()
        certificate.revoked_reason = reason
        certificate.revoked_by = admin.id
        session.flush()
    return certificate


def _completed(modules: Sequence[LiveModule], done: set[int]) -> tuple[CompletedModule, ...]:
    return tuple(
        CompletedModule(m.content.title, m.content.estimated_minutes)
        for m in modules
        if m.id in done
    )


def completed_modules(
    *, session: Session, user_id: int, modules: Sequence[LiveModule]
) -> tuple[CompletedModule, ...]:
    done = session.exec(
        select(ModuleProgress.module_id).where(
            ModuleProgress.user_id == user_id, col(ModuleProgress.completed_at).is_not(None)
        )
    ).all()
    return _completed(modules, set(done))


def render_data(
    *,
    certificate: Certificate,
    modules: tuple[CompletedModule, ...],
    settings: Settings,
    info: CourseInfo,
) -> CertificateData:
    return CertificateData(
        code=certificate.code,
        holder_name=certificate.holder_name,
        municipality=certificate.municipality,
        course_title=certificate.course_title,
        completed_at=certificate.completed_at.astimezone(NORWAY).date(),
        modules=modules,
        issuer=settings.certificate_issuer or info.issuer,
        signer_name=settings.certificate_signer_name,
        signer_title=settings.certificate_signer_title,
        verify_url=verify_url(settings, certificate.code),
        logo_path=settings.certificate_logo,
    )


def issue_missing(*, session: Session, info: CourseInfo) -> int:
    """Issue certificates to every learner who completed the course but has none yet."""
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
    for user in users:
        issue(session=session, user=user, info=info)
    return len(users)


def all_render_data(
    *, session: Session, settings: Settings, info: CourseInfo, modules: Sequence[LiveModule]
) -> list[CertificateData]:
    """Render data for every certificate of this course version, in two queries."""
    certificates = session.exec(
        select(Certificate)
        .where(Certificate.course_version == info.version)
        .order_by(col(Certificate.id))
    ).all()
    completed: dict[int, set[int]] = {}
    for user_id, module_id in session.exec(
        select(ModuleProgress.user_id, ModuleProgress.module_id).where(
            col(ModuleProgress.completed_at).is_not(None)
        )
    ):
        completed.setdefault(user_id, set()).add(module_id)
    return [
        render_data(
            certificate=c,
            settings=settings,
            info=info,
            modules=_completed(modules, completed.get(c.user_id, set())),
        )
        for c in certificates
    ]
