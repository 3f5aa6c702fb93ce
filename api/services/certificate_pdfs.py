"""Certificate PDFs: found, checked and rendered once here for the API, the pages and the CLI.

Only a valid certificate becomes a PDF: a revoked one is refused (so no
valid-looking copy of it is ever handed out), as is one whose holder's data
was erased. Rendering takes tens of milliseconds, so it must not happen while
holding the database's write lock (on SQLite a write transaction holds it):
these functions read in the caller's read transaction, then render, and refuse
to run in a write transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from api.core.config import Settings
from api.core.db import WRITE
from api.core.errors import CertificateNotFound, CertificateRevoked, UserErased
from api.data.models import Certificate, ModuleProgress, User
from api.services.certificates import NORWAY, by_code, current_for_user, revoked_error, verify_url
from api.services.content import LiveModule
from certificates.render import CertificateData, CompletedModule, render_certificate
from course.models import CourseInfo

NOT_ISSUED = "Du har ikke fått kursbevis ennå. Hent det på siden Kursbevis først."


@dataclass(frozen=True, slots=True)
class CertificatePdf:
    content: bytes
    filename: str


def _refuse_write_transaction(session: Session) -> None:
    options = session.get_bind().get_execution_options()
    if all(options.get(name) == value for name, value in WRITE.items()):
        raise RuntimeError("certificate PDFs are rendered in read transactions only")


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


def _pdf(
    session: Session,
    certificate: Certificate,
    *,
    settings: Settings,
    info: CourseInfo,
    modules: Sequence[LiveModule],
) -> CertificatePdf:
    data = render_data(
        certificate=certificate,
        settings=settings,
        info=info,
        modules=completed_modules(session=session, user_id=certificate.user_id, modules=modules),
    )
    return CertificatePdf(render_certificate(data), f"kursbevis-{certificate.code}.pdf")


def certificate_pdf(
    *,
    session: Session,
    user: User,
    info: CourseInfo,
    settings: Settings,
    modules: Sequence[LiveModule],
) -> CertificatePdf:
    """The learner's own valid certificate as a PDF.

    Raises ``CertificateNotFound`` if none was issued, ``CertificateRevoked`` (with
    the holder's explanation) if it was revoked.
    """
    _refuse_write_transaction(session)
    assert user.id is not None
    certificate = current_for_user(session=session, user_id=user.id, info=info)
    if certificate is None:
        raise CertificateNotFound(NOT_ISSUED)
    if certificate.revoked_at is not None:
        raise revoked_error(certificate)
    return _pdf(session, certificate, settings=settings, info=info, modules=modules)


def certificate_pdf_by_code(
    *,
    session: Session,
    code: str,
    info: CourseInfo,
    settings: Settings,
    modules: Sequence[LiveModule],
) -> CertificatePdf:
    """Any valid certificate as a PDF, by its code (the command line).

    Raises what ``by_code`` raises, ``CertificateRevoked`` if it was revoked and
    ``UserErased`` if its holder's data was erased.
    """
    _refuse_write_transaction(session)
    certificate = by_code(session=session, code=code)
    if certificate.revoked_at is not None:
        raise CertificateRevoked(
            f"Kursbeviset {certificate.code} er trukket tilbake, så det lages ikke som PDF."
        )
    if certificate.holder_erased_at is not None:
        raise UserErased(
            f"Personopplysningene til innehaveren av {certificate.code} er slettet, "
            "så kursbeviset lages ikke som PDF."
        )
    return _pdf(session, certificate, settings=settings, info=info, modules=modules)


def all_render_data(
    *, session: Session, settings: Settings, info: CourseInfo, modules: Sequence[LiveModule]
) -> list[CertificateData]:
    """Render data for every valid certificate of this course version, in two queries.

    Revoked certificates and those of erased holders are left out, as above.
    """
    certificates = session.exec(
        select(Certificate)
        .where(
            Certificate.course_version == info.version,
            col(Certificate.revoked_at).is_(None),
            col(Certificate.holder_erased_at).is_(None),
        )
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
