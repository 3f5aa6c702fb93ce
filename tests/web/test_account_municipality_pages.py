"""The administration pages: one municipality field (a name or a number), refused at the field
when the register cannot place it, and the accounts without one on /admin/kommuner."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.data.models import User
from tests.api.test_account_municipality import unmatched_account
from tests.web.test_admin_user_edit import _admin, _error_at, _user


def _new_user(client: TestClient, token: str, municipality: str) -> object:
    return client.post(
        "/admin/brukere/ny",
        data={
            "csrf_token": token,
            "epost": "ny@kommune.no",
            "navn": "Ny Person",
            "kommune": municipality,
            "enhet": "",
            "rolle": "learner",
        },
        follow_redirects=False,
    )


def _created(engine: Engine) -> User | None:
    with Session(engine) as session:
        return session.exec(select(User).where(User.email == "ny@kommune.no")).first()


def test_a_new_account_takes_a_name_or_a_number(client: TestClient, engine: Engine) -> None:
    _, token = _admin(client, engine)
    response = _new_user(client, token, "Kárášjohka")
    assert response.status_code == 303  # type: ignore[attr-defined]
    created = _created(engine)
    assert created is not None and created.municipality_number == "5610"
    page = client.get(f"/admin/brukere/{created.id}").text
    assert "Karasjok" in page and "5610" in page and "Finnmark" in page


def test_an_unknown_municipality_is_refused_at_its_field(
    client: TestClient, engine: Engine
) -> None:
    _, token = _admin(client, engine)
    response = _new_user(client, token, "Sentrum")
    assert response.status_code == 422  # type: ignore[attr-defined]
    message = _error_at(response.text, "kommune")  # type: ignore[attr-defined]
    assert "Finner ingen kommune som heter eller har nummeret «Sentrum»" in message
    assert _created(engine) is None
    blank = _new_user(client, token, "")
    assert blank.status_code == 422  # type: ignore[attr-defined]
    assert "kommunenavnet eller kommunenummeret" in _error_at(blank.text, "kommune")  # type: ignore[attr-defined]


def test_the_municipalities_page_lists_unmatched_accounts_until_they_are_fixed(
    client: TestClient, engine: Engine
) -> None:
    _, token = _admin(client, engine)
    lost = unmatched_account(engine, "Sentrum", full_name="Siv Sentrum")
    page = client.get("/admin/kommuner").text
    section = page[page.index('id="uten-kommune"') :]
    assert "Siv Sentrum" in section and "Sentrum" in section
    link = f'href="/admin/brukere/{lost.id}#endre-tittel"'
    assert link in section
    account_page = client.get(f"/admin/brukere/{lost.id}").text
    assert "Kontoen har ingen gyldig kommune" in account_page
    assert re.search(r'name="kommune"[^>]*value="Sentrum"', account_page) or re.search(
        r'value="Sentrum"[^>]*name="kommune"', account_page
    )

    form = {
        "csrf_token": token,
        "epost": lost.email,
        "navn": "Siv Sentrum-Berg",
        "kommune": "Sentrum",  # as the form shows it: not changed, so left as it is
    }
    saved = client.post(f"/admin/brukere/{lost.id}/endre", data=form, follow_redirects=False)
    assert saved.status_code == 303
    kept = _user(engine, lost.id)
    assert (kept.full_name, kept.municipality_unmatched) == ("Siv Sentrum-Berg", "Sentrum")

    fixed = client.post(
        f"/admin/brukere/{lost.id}/endre",
        data={**form, "kommune": "Herøy (Nordland)"},
        follow_redirects=False,
    )
    assert fixed.status_code == 303
    settled = _user(engine, lost.id)
    assert (settled.municipality_number, settled.municipality_unmatched) == ("1818", None)
    after = client.get("/admin/kommuner").text
    assert "Siv Sentrum" not in after[after.index('id="uten-kommune"') :]
    assert "Alle kontoer har en kommune fra kommuneregisteret." in after


def test_the_register_can_be_searched_on_the_page(client: TestClient, engine: Engine) -> None:
    _admin(client, engine)
    page = client.get("/admin/kommuner", params={"sok": "porsangu"}).text
    assert "5622" in page and "Porsanger - Porsáŋgu - Porsanki" in page
    assert "Ingen kommune passer" in client.get("/admin/kommuner", params={"sok": "xyz"}).text
