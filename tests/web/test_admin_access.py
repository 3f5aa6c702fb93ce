"""Administration pages: no access for other roles, CSRF on every form, axe on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import FilePayload, Page, expect
from sqlmodel import Session, col, func, select

from api.data.models import AuditEvent, Job, Role, User
from api.web.deps import CSRF_COOKIE
from tests.factories import make_user
from tests.web.conftest import WebSite, check_page_at_both_widths
from tests.web.helpers import log_in

pytestmark = pytest.mark.browser
Form = dict[str, str | float | bool]

ADMIN_PAGES = [
    "/admin",
    "/admin/brukere",
    "/admin/brukere/ny",
    "/admin/brukere/{id}",
    "/admin/brukere/{id}/slett",
    "/admin/brukere/import",
    "/admin/kursliste",
    "/admin/kursliste.csv",
    "/admin/kursliste.xlsx",
    "/admin/kommuner",
    "/admin/kursbevis",
    "/admin/jobber",
    "/admin/jobber/{id}",
    "/admin/jobber/{id}/status",
    "/admin/jobber/{id}/fil",
    "/admin/logg",
    "/admin/innlogging",
]
ADMIN_POSTS = {
    "/admin/brukere/ny": {"epost": "inntrenger@web.no", "navn": "Inn Trenger", "kommune": "Asker"},
    "/admin/brukere/{id}/endre": {"epost": "x@web.no", "navn": "Inn Trenger", "kommune": "Oslo"},
    "/admin/brukere/{id}/deaktiver": {},
    "/admin/brukere/{id}/aktiver": {},
    "/admin/brukere/{id}/rolle": {"rolle": "admin"},
    "/admin/brukere/{id}/passordkode": {},
    "/admin/brukere/{id}/slett": {},
    "/admin/brukere/import": {"handling": "importer"},
    "/admin/kursbevis": {"kode": "ABCD-EFGH-JKM", "begrunnelse": "Ingen grunn"},
    "/admin/kursbevis/nytt": {"kode": "ABCD-EFGH-JKM"},
    "/admin/kursbevis/alle": {},
    "/admin/kursliste/eksport": {"format": "xlsx"},
    "/admin/jobber/{id}/avbryt": {},
    "/admin/jobber/{id}/prov-igjen": {},
    "/admin/innlogging/ny": {"navn": "Inntrenger", "utsteder": "https://x.no", "klient_id": "x"},
    "/admin/innlogging/krav": {"kommune": "Asker", "tjeneste": ""},
}


def _csrf(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == CSRF_COOKIE)


def _account(site: WebSite, user_id: int | None) -> User:
    with Session(site.engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


@pytest.mark.parametrize("role", [Role.LEARNER, Role.INSTRUCTOR])
def test_other_roles_get_the_403_page_on_every_admin_page_and_form(
    page: Page, site: WebSite, role: Role
) -> None:
    target = make_user(site.engine, full_name="Mål Person")
    intruder = make_user(site.engine, role=role)
    log_in(page, site.url, intruder.email)
    expect(page.get_by_role("link", name="Administrasjon")).to_have_count(0)
    navigation = page.goto(f"{site.url}/admin/brukere")
    assert navigation is not None and navigation.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Ingen tilgang")

    for path in ADMIN_PAGES:
        response = page.request.get(site.url + path.format(id=target.id))
        assert response.status == 403, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert "Ingen tilgang" in response.text(), path
    token = _csrf(page)
    for path, fields in ADMIN_POSTS.items():
        form: Form = {"csrf_token": token, **fields}
        response = page.request.post(site.url + path.format(id=target.id), form=form)
        assert response.status == 403, path
        assert "Ingen tilgang" in response.text(), path

    after = _account(site, target.id)
    assert (after.is_active, after.role, after.erased_at) == (True, Role.LEARNER, None)
    with Session(site.engine) as session:
        denied = session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.actor_id == intruder.id, col(AuditEvent.outcome) == "denied")
        ).one()
        created = session.exec(select(User).where(User.email == "inntrenger@web.no")).first()
        jobs = session.exec(select(Job).where(Job.created_by == intruder.id)).all()
    # Every refused form and download is in the audit log, as with the API.
    assert denied == len(ADMIN_POSTS) + 2
    assert created is None
    assert jobs == []  # neither the roster export nor the certificate bundle was started


def test_an_admin_form_without_the_csrf_token_is_refused_and_changes_nothing(
    page: Page, site: WebSite
) -> None:
    admin = make_user(site.engine, role=Role.ADMIN)
    target = make_user(site.engine, full_name="Csrf Mål")
    log_in(page, site.url, admin.email)
    url = f"{site.url}/admin/brukere/{target.id}/deaktiver"
    forms: list[Form] = [{}, {"csrf_token": "gjettet"}]
    for form in forms:
        response = page.request.post(url, form=form)
        assert response.status == 403
        assert "sikkerhetskoden" in response.text()
    upload: FilePayload = {
        "name": "a.csv",
        "mimeType": "text/csv",
        "buffer": b"e-post;navn;kommune\n",
    }
    response = page.request.post(
        f"{site.url}/admin/brukere/import", multipart={"handling": "importer", "fil": upload}
    )
    assert response.status == 403
    assert _account(site, target.id).is_active is True

    response = page.request.post(url, form={"csrf_token": _csrf(page)})
    assert response.ok
    assert _account(site, target.id).is_active is False


def test_every_admin_page_has_no_serious_accessibility_violations(
    page: Page, site: WebSite, axe_source: str
) -> None:
    admin = make_user(site.engine, role=Role.ADMIN, email="axe-admin@web.no")
    person = make_user(site.engine, full_name="Åse Ødegård Sæther", email="axe-person@web.no")
    log_in(page, site.url, admin.email)
    for name, path in {
        "admin-oversikt": "/admin",
        "admin-brukere": "/admin/brukere",
        "admin-slett-bruker": f"/admin/brukere/{person.id}/slett",
        "admin-logg": "/admin/logg",
    }.items():
        page.goto(site.url + path)
        check_page_at_both_widths(page, axe_source, name)

    page.goto(site.url + "/admin/brukere/ny")
    page.get_by_label("E-postadresse").fill("ikke-en-adresse")
    page.get_by_label("Fullt navn").fill("Ny Person")
    page.get_by_label("Kommune", exact=True).fill("Sentrum")
    page.locator("form.card").evaluate("form => form.noValidate = true")
    page.get_by_role("button", name="Opprett bruker").click()
    expect(page.get_by_label("E-postadresse")).to_have_attribute("aria-invalid", "true")
    check_page_at_both_widths(page, axe_source, "admin-ny-bruker-feil")
    page.get_by_label("E-postadresse").fill("ny.person@asker.kommune.no")
    page.get_by_role("button", name="Opprett bruker").click()
    # A municipality the register does not know: refused at its field, in Norwegian.
    expect(page.get_by_label("Kommune", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#kommune-feil")).to_contain_text("«Sentrum»")
    check_page_at_both_widths(page, axe_source, "admin-ny-bruker-kommune-feil")
    page.get_by_label("Kommune", exact=True).fill("3203")
    page.get_by_role("button", name="Opprett bruker").click()
    expect(page.get_by_role("status")).to_contain_text("Brukeren er opprettet")
    page.get_by_role("button", name="Lag passordkode").click()
    expect(page.get_by_role("status")).to_contain_text("Ny passordkode")
    check_page_at_both_widths(page, axe_source, "admin-bruker-passordkode")

    page.goto(f"{site.url}/admin/brukere/{person.id}/slett")
    page.get_by_role("button", name="Slett personopplysningene").click()
    expect(page.get_by_role("status")).to_contain_text("Personopplysningene er slettet")
    erased = _account(site, person.id)
    assert erased.erased_at is not None and erased.full_name == "Slettet bruker"
    page.goto(site.url + "/admin/logg?handling=user.erase")
    expect(page.get_by_role("region", name="Hendelser i loggen")).to_contain_text(
        f"Bruker {person.id}"
    )
