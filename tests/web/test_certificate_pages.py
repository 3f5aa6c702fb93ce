"""The certificate pages over plain HTTP: a revoked certificate as its holder sees it, and the
administrator's page for revoking and issuing a new one."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.core.config import SHIPPED_CONTENT
from api.core.db import transaction
from api.data.models import Certificate, Role, User
from api.services import certificates as certificate_service
from course.loader import load_course
from tests.certificates.helpers import page_text
from tests.factories import complete_course, make_user
from tests.web.test_web_security import csrf_from, log_in

REASON = "Feil navn"  # internal
MESSAGE = "Navnet ditt var stavet feil. Du får nytt kursbevis i løpet av uka."


def _graduate_with_certificate(engine: Engine) -> tuple[User, str]:
    course = load_course(SHIPPED_CONTENT).course
    assert course is not None
    learner = make_user(engine, full_name="Kari Nordman", email="kari@web.no")
    complete_course(engine, learner)
    with transaction(engine, write=True) as session:
        code = certificate_service.issue(session=session, user=learner, info=course.info)
    return learner, code.certificate.code


def _revoke(engine: Engine, code: str) -> None:
    admin = make_user(engine, role=Role.ADMIN)
    with transaction(engine, write=True) as session:
        certificate_service.revoke(
            session=session, code=code, reason=REASON, admin=admin, holder_message=MESSAGE
        )


def test_the_holder_sees_the_revocation_and_gets_no_pdf(client: TestClient, engine: Engine) -> None:
    learner, code = _graduate_with_certificate(engine)
    log_in(client, learner.email)
    assert client.get("/kursbevis.pdf").status_code == 200  # valid until revoked
    _revoke(engine, code)

    page = client.get("/kursbevis")
    assert page.status_code == 200
    assert "Kursbeviset ditt er trukket tilbake" in page.text
    assert "Kursbeviset ditt er klart" not in page.text
    assert f"Kursbeviset ditt med kode {code} ble trukket tilbake" in page.text
    assert MESSAGE in page.text
    assert REASON not in page.text
    assert "/kursbevis.pdf" not in page.text
    assert "Hent kursbevis" not in page.text

    pdf = client.get("/kursbevis.pdf")
    assert pdf.status_code == 409
    assert pdf.headers["content-type"].startswith("text/html")
    assert "ikke lenger gyldig" in pdf.text

    again = client.post("/kursbevis", data={"csrf_token": csrf_from(client, "/kursbevis")})
    assert again.status_code == 409
    assert "trukket tilbake" in again.text
    with Session(engine) as session:
        codes = session.exec(select(Certificate.code).where(Certificate.user_id == learner.id))
        assert list(codes) == [code]  # a learner cannot undo the revocation

    profile = client.get("/profil")
    assert f"Kursbeviset ditt med kode <code>{code}</code> er trukket tilbake" in profile.text


def test_an_admin_revokes_with_a_message_and_issues_a_new_certificate(
    client: TestClient, engine: Engine
) -> None:
    learner, old = _graduate_with_certificate(engine)
    admin = make_user(engine, role=Role.ADMIN, email="admin@web.no")
    log_in(client, admin.email)
    token = csrf_from(client, "/admin/kursbevis")

    form = {"csrf_token": token, "kode": old.lower(), "begrunnelse": REASON, "melding": MESSAGE}
    revoked = client.post("/admin/kursbevis", data=form)
    assert revoked.status_code == 200
    assert f"Kursbeviset <code>{old}</code> (Kari Nordman) er trukket tilbake" in revoked.text
    assert f"Melding til innehaveren: {MESSAGE}" in revoked.text
    assert f'id="ny-kode" name="kode" type="text" value="{old}"' in revoked.text

    refused = client.post("/admin/kursbevis/nytt", data={"csrf_token": token, "kode": old[:-1]})
    assert refused.status_code == 422
    assert "Det ble ikke utstedt noe nytt kursbevis" in refused.text

    reissued = client.post("/admin/kursbevis/nytt", data={"csrf_token": token, "kode": old})
    assert reissued.status_code == 200
    with Session(engine) as session:
        rows = session.exec(
            select(Certificate)
            .where(Certificate.user_id == learner.id)
            .order_by(col(Certificate.id))
        ).all()
    assert [(c.code == old, c.revoked_at is not None) for c in rows] == [
        (True, True),
        (False, False),
    ]
    new = rows[1].code
    assert (
        f"Nytt kursbevis er utstedt til Kari Nordman, med kode <code>{new}</code>" in reissued.text
    )
    assert f"Det erstatter <code>{old}</code>, som fortsatt er trukket tilbake" in reissued.text
    assert rows[0].holder_message == MESSAGE

    still_valid = client.post("/admin/kursbevis/nytt", data={"csrf_token": token, "kode": new})
    assert still_valid.status_code == 409
    assert "Kursbeviset er gyldig" in still_valid.text

    client.post("/logg-ut", data={"csrf_token": token})
    log_in(client, learner.email)
    assert "Kursbeviset ditt er klart" in client.get("/kursbevis").text
    pdf = client.get("/kursbevis.pdf")
    assert pdf.status_code == 200
    assert new in page_text(pdf.content)
