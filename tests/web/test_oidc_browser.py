"""Signing in through an OpenID Connect provider in Chromium: the button on the login page,
the provider (panva's oidc-provider, tests/oidc_support), back logged in; logging out goes
through the provider's end_session; a refused sign-in shows its message. axe on each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from api.data.models import Role, User
from api.services import sign_in_providers
from api.services.scope import Actor
from tests.factories import make_user
from tests.oidc_support import OidcPeer
from tests.web.conftest import WebSite, check_page, check_page_at_both_widths
from tests.web.helpers import log_in

pytestmark = pytest.mark.browser


def _provider(site: WebSite, oidc: OidcPeer) -> None:
    client_id, secret = oidc.register(site.url)
    data = sign_in_providers.ProviderCreate(
        name="Testinnlogging", issuer=oidc.url, client_id=client_id, client_secret=secret,
        municipalities=["Asker"],
    )  # fmt: skip
    with Session(site.engine) as session:
        sign_in_providers.create_provider(
            session=session, settings=site.app.state.settings, actor=Actor.for_operator(),
            data=data,
        )  # fmt: skip
        session.commit()


def test_signing_in_and_out_through_the_provider(
    page: Page, own_site: WebSite, oidc_provider: OidcPeer, axe_source: str
) -> None:
    _provider(own_site, oidc_provider)
    claims = {"email": "nettleser@asker.kommune.no", "email_verified": True,
              "name": "Nina Nettleser"}  # fmt: skip
    oidc_provider.next_login("browser-1", claims=claims, tamper={"nonce": "another"})
    page.goto(own_site.url + "/logg-inn")
    check_page(page, axe_source, "logg-inn-med-tjeneste")
    page.get_by_role("link", name="Logg inn med Testinnlogging").click()
    expect(page.get_by_role("alert")).to_contain_text("ikke kunne godkjennes")
    check_page(page, axe_source, "logg-inn-med-tjeneste-feil")
    with Session(own_site.engine) as session:
        assert session.exec(select(User)).all() == []

    oidc_provider.next_login("browser-1", claims=claims)
    page.get_by_role("link", name="Logg inn med Testinnlogging").click()
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()
    expect(page.get_by_text("Nina Nettleser")).to_be_visible()
    with Session(own_site.engine) as session:
        (user,) = session.exec(select(User)).all()
        assert user.municipality_number == "3203"

    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url(oidc_provider.url + "/**")
    page.get_by_role("button", name="Ja, logg meg ut").click()
    page.wait_for_url(own_site.url + "/logg-inn?utlogget=1")
    expect(page.get_by_role("status")).to_contain_text("Du er logget ut.")
    page.goto(own_site.url + "/profil")
    expect(page.get_by_role("heading", name="Logg inn", exact=True)).to_be_visible()


def test_the_sign_in_administration_page_is_accessible(
    page: Page, own_site: WebSite, oidc_provider: OidcPeer, axe_source: str
) -> None:
    _provider(own_site, oidc_provider)
    admin = make_user(own_site.engine, role=Role.ADMIN)
    log_in(page, own_site.url, admin.email)
    page.goto(own_site.url + "/admin/innlogging")
    page.get_by_label("Kommune", exact=True).fill("Asker")
    page.get_by_label("Innloggingstjeneste", exact=True).select_option(label="Testinnlogging")
    page.get_by_role("button", name="Lagre kravet").click()
    expect(page.get_by_role("status")).to_contain_text("Kravet om innloggingstjeneste er lagret")
    expect(page.get_by_role("cell", name="Testinnlogging").first).to_be_visible()
    check_page_at_both_widths(page, axe_source, "admin-innlogging")
