""" "Glemt passord" in Chromium: from the login page to a new password, with axe on each
step, the link delivered by the real worker code to a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from api.app import create_app
from api.data.models import Role
from api.services.email_outbox import unsubscribe_token
from api.services.worker import Worker
from course.models import Course
from tests.conftest import LiveServer
from tests.email.smtp_server import Inbox, smtp_server
from tests.factories import grant_role, make_user
from tests.web.conftest import WebSite, check_page_at_both_widths, new_web_engine, web_settings
from tests.web.helpers import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def mail_site(tmp_path: Path, shipped_course: Course) -> Iterator[tuple[WebSite, Inbox]]:
    engine = new_web_engine(tmp_path, shipped_course)
    with smtp_server() as inbox:
        settings = web_settings(tmp_path).model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": inbox.port,
                "smtp_security": "none",
                "smtp_sender": "kurs@example.no",
            }
        )
        app = create_app(settings, engine=engine)
        with LiveServer(app) as server:
            app.state.settings = settings.model_copy(update={"base_url": server.url})
            yield WebSite(app, engine, server), inbox
    engine.dispose()


def test_forgot_password_from_the_login_page_to_a_new_password(
    page: Page, mail_site: tuple[WebSite, Inbox], axe_source: str
) -> None:
    site, inbox = mail_site
    make_user(site.engine, full_name="Åse Ødegård", email="ase@web.no")
    page.goto(site.url + "/logg-inn")
    page.get_by_role("link", name="Glemt passord?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Glemt passord")
    check_page_at_both_widths(page, axe_source, "glemt-passord")
    page.get_by_label("E-postadresse").fill("ase@web.no")
    page.get_by_role("button", name="Send lenke").click()
    expect(page.get_by_role("status")).to_contain_text("Sjekk e-posten din")
    check_page_at_both_widths(page, axe_source, "glemt-passord-sendt")

    Worker(site.engine, site.app.state.settings, schedules=()).drain()
    (received,) = inbox.received
    (link,) = [url for url in received.links() if "/passord?kode=" in url]
    assert link.startswith(site.url)
    page.goto(link)
    page.get_by_label("Nytt passord").fill("et-nytt-langt-passord")
    page.get_by_label("Gjenta passordet").fill("et-nytt-langt-passord")
    page.get_by_role("button", name="Lagre passord").click()
    expect(page.get_by_role("status")).to_contain_text("Passordet er lagret")
    log_in(page, site.url, "ase@web.no", "et-nytt-langt-passord")
    expect(page.get_by_role("link", name="Min profil")).to_be_visible()


def test_a_municipal_administrator_sets_and_removes_a_deadline_on_the_page(
    page: Page, site: WebSite, axe_source: str
) -> None:
    admin = make_user(site.engine, full_name="Kari Kommune", email="frister@web.no")
    grant_role(site.engine, admin, Role.MUNICIPAL_ADMIN, municipality="3203")
    log_in(page, site.url, admin.email)
    page.goto(site.url + "/admin/frister")
    page.get_by_label("Kommune", exact=True).fill("Oslo")
    page.get_by_label("Frist", exact=True).fill("2027-03-31")
    page.get_by_role("button", name="Lagre fristen").click()
    expect(page.get_by_role("alert")).to_contain_text("kommuner du administrerer")
    check_page_at_both_widths(page, axe_source, "admin-frister-feil")
    page.get_by_label("Kommune", exact=True).fill("Asker")
    page.get_by_role("button", name="Lagre fristen").click()
    expect(page.get_by_role("status")).to_contain_text("Fristen er lagret")
    expect(page.get_by_role("cell", name="31. mars 2027")).to_be_visible()
    check_page_at_both_widths(page, axe_source, "admin-frister")
    page.get_by_role("button", name="Fjern fristen for Asker").click()
    expect(page.get_by_role("status")).to_contain_text("Fristen er fjernet")


def test_the_unsubscribe_link_without_logging_in(
    page: Page, site: WebSite, axe_source: str
) -> None:
    learner = make_user(site.engine, email="avmeld@web.no")
    assert learner.id is not None
    token = unsubscribe_token(site.app.state.settings, learner.id)
    page.goto(f"{site.url}/varsler/avmeld?token={token}")
    check_page_at_both_widths(page, axe_source, "avmeld")
    page.get_by_role("button", name="Meld meg av påminnelsene").click()
    expect(page.get_by_role("status")).to_contain_text("Du er meldt av")
    check_page_at_both_widths(page, axe_source, "avmeld-ferdig")
    page.goto(f"{site.url}/varsler/avmeld?token={token[:-1]}")
    expect(page.get_by_role("alert")).to_contain_text("ikke gyldig")
