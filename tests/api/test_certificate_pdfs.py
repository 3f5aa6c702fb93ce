"""The one certificate PDF use case that the API, the pages and the CLI share."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from api.core.config import Settings
from api.core.db import transaction
from api.core.errors import CertificateNotFound
from api.services import certificate_pdfs, content
from api.services import certificates as certificate_service
from course.models import Course
from tests.certificates.helpers import page_text
from tests.factories import complete_course, make_user


def test_the_pdf_is_rendered_in_a_read_transaction_and_never_under_the_write_lock(
    engine: Engine, settings: Settings, shipped_course: Course
) -> None:
    info, cache = shipped_course.info, content.RenderCache()
    learner = make_user(engine, full_name="Per Leser")
    with transaction(engine) as session:
        modules = content.live_modules(session=session, info=info, cache=cache)
        with pytest.raises(CertificateNotFound):
            certificate_pdfs.certificate_pdf(
                session=session, user=learner, info=info, settings=settings, modules=modules
            )
    complete_course(engine, learner)
    with transaction(engine, write=True) as session:
        code = certificate_service.issue(session=session, user=learner, info=info).certificate.code
        with pytest.raises(RuntimeError, match="read transactions"):
            certificate_pdfs.certificate_pdf(
                session=session, user=learner, info=info, settings=settings, modules=modules
            )
    with transaction(engine) as session:
        pdf = certificate_pdfs.certificate_pdf(
            session=session, user=learner, info=info, settings=settings, modules=modules
        )
        by_code = certificate_pdfs.certificate_pdf_by_code(
            session=session, code=code.lower(), info=info, settings=settings, modules=modules
        )
    assert pdf.filename == by_code.filename == f"kursbevis-{code}.pdf"
    assert "Per Leser" in page_text(pdf.content)
    assert code in page_text(by_code.content)
