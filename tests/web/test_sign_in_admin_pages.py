"""The administration's sign-in page over plain HTTP: an installation administrator adds a
provider (the secret never shown again) and switches it off; a municipal administrator
sees only the requirements and sets one for their own municipality, not another's."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.data.models import Role, SignInProvider, SignInRequirement
from tests.factories import grant_role, make_user
from tests.web.test_web_security import csrf_from, log_in

SECRET = "klienthemmeligheten-som-ikke-skal-vises"


def test_an_admin_adds_a_provider_whose_secret_is_never_shown(
    client: TestClient, engine: Engine
) -> None:
    admin = make_user(engine, role=Role.ADMIN)
    log_in(client, admin.email)
    token = csrf_from(client, "/admin/innlogging")
    form = {"csrf_token": token, "navn": "ID-porten", "type": "idporten",
            "utsteder": "https://idporten.no", "klient_id": "asker-kurs",
            "hemmelighet": SECRET, "kommuner": "Asker"}  # fmt: skip
    invalid = client.post("/admin/innlogging/ny", data={**form, "utsteder": "ftp://x"})
    assert invalid.status_code == 422 and "https-adresse" in invalid.text
    assert SECRET not in invalid.text
    added = client.post("/admin/innlogging/ny", data=form)
    assert added.status_code == 200, added.text
    assert "Innloggingstjenesten er lagt til" in added.text
    assert "asker-kurs" in added.text and "idporten-loa-substantial" in added.text
    assert SECRET not in added.text
    with Session(engine) as session:
        provider = session.exec(select(SignInProvider)).one()
    assert SECRET not in provider.client_secret
    assert "Logg inn med ID-porten" in TestClient(client.app).get("/logg-inn").text
    replaced = client.post(f"/admin/innlogging/{provider.id}/hemmelighet",
                           data={"csrf_token": token, "hemmelighet": "ny-" + SECRET})  # fmt: skip
    assert replaced.status_code == 200 and "nye klienthemmeligheten er lagret" in replaced.text
    with Session(engine) as session:
        again = session.get(SignInProvider, provider.id)
        assert again is not None and again.client_secret != provider.client_secret
    off = client.post(f"/admin/innlogging/{provider.id}/av", data={"csrf_token": token})
    assert off.status_code == 200 and "slått av" in off.text
    assert "Logg inn med ID-porten" not in TestClient(client.app).get("/logg-inn").text


def test_a_municipal_administrator_sets_the_requirement_for_their_own_municipality(
    client: TestClient, engine: Engine
) -> None:
    admin = make_user(engine, role=Role.ADMIN)
    log_in(client, admin.email)
    token = csrf_from(client, "/admin/innlogging")
    client.post("/admin/innlogging/ny", data={
        "csrf_token": token, "navn": "Asker Entra", "type": "entra", "tenant": "t-1",
        "utsteder": "https://login.microsoftonline.com/t-1/v2.0", "klient_id": "c",
        "hemmelighet": "s", "kommuner": "Asker, Bærum"})  # fmt: skip
    with Session(engine) as session:
        provider = session.exec(select(SignInProvider)).one()
    client.cookies.clear()
    local = make_user(engine, municipality="Asker")
    grant_role(engine, local, Role.MUNICIPAL_ADMIN, municipality="3203")
    log_in(client, local.email)
    token = csrf_from(client, "/admin/innlogging")
    page = client.get("/admin/innlogging")
    assert "Legg til en innloggingstjeneste" not in page.text and "Asker Entra" in page.text
    refused = client.post("/admin/innlogging/ny", data={"csrf_token": token, "navn": "x"})
    assert refused.status_code == 403
    other = client.post("/admin/innlogging/krav", data={
        "csrf_token": token, "kommune": "Bærum", "tjeneste": str(provider.id)})  # fmt: skip
    assert other.status_code == 422 and "kommuneadministrator" in other.text
    own = client.post("/admin/innlogging/krav", data={
        "csrf_token": token, "kommune": "Asker", "tjeneste": str(provider.id)})  # fmt: skip
    assert own.status_code == 200 and "Kravet om innloggingstjeneste er lagret" in own.text
    with Session(engine) as session:
        assert session.exec(select(SignInRequirement.municipality_number)).all() == ["3203"]
