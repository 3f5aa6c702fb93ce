"""OpenID Connect sign-in against a real provider (panva's oidc-provider, tests/oidc_support).

The app is driven over HTTP (its ASGI app, on SQLite and PostgreSQL); the provider is a
real process the app talks to over loopback HTTP for discovery, keys and the token.
Every refusal must show a Norwegian message on the login page and create no account.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, inspect, text
from sqlmodel import select

from api.app import create_app
from api.core.config import Settings
from api.core.db import transaction
from api.data.models import (
    AuditEvent,
    Role,
    RoleAssignment,
    SignInIdentity,
    SignInProvider,
    User,
)
from api.services import privacy, sign_in_providers, sign_in_requirements
from api.services.scope import Actor
from tests.factories import PASSWORD, grant_role, make_unit, make_user
from tests.oidc_support import OidcPeer, free_port

BASE = "http://testserver"
ASKER = "3203"
FLOW_COOKIE = "innostudy_oidc_flow"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="o" * 40, base_url=BASE)


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine=engine), base_url=BASE) as test_client:
        yield test_client


def add_provider(
    engine: Engine,
    settings: Settings,
    oidc: OidcPeer,
    *,
    kind: str = "generic",
    municipalities: tuple[str, ...] = (ASKER,),
    issuer: str | None = None,
    **extra: Any,
) -> tuple[int, str]:
    """A provider with a freshly registered client: its id and the client secret."""
    client_id, secret = oidc.register(BASE)
    data = sign_in_providers.ProviderCreate(
        name="Testinnlogging",
        kind=kind,  # type: ignore[arg-type]
        issuer=issuer or oidc.url,
        client_id=client_id,
        client_secret=secret,
        municipalities=list(municipalities),
        **extra,
    )
    with transaction(engine, write=True) as session:
        view = sign_in_providers.create_provider(
            session=session, settings=settings, actor=Actor.for_operator(), data=data
        )
    return view.id, secret


def start(client: TestClient, provider_id: int) -> str:
    answer = client.get(f"/logg-inn/med/{provider_id}?neste=/profil", follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def sign_in(client: TestClient, oidc: OidcPeer, provider_id: int) -> Response:
    """The whole flow, as a browser would follow it; the app's answer to the callback."""
    callback = oidc.authorize(start(client, provider_id), BASE)
    return client.get(callback.removeprefix(BASE), follow_redirects=False)


def user_count(engine: Engine) -> int:
    with transaction(engine) as session:
        return session.exec(select(func.count()).select_from(User)).one()


def refused(answer: Response, status: int, words: str) -> None:
    assert answer.status_code == status, answer.text[:2000]
    assert "Innloggingen mislyktes" in answer.text
    assert words in answer.text


def sign_in_events(engine: Engine) -> list[AuditEvent]:
    with transaction(engine) as session:
        query = select(AuditEvent).where(AuditEvent.action == "auth.sign_in")
        return list(session.exec(query.order_by(AuditEvent.id)).all())  # type: ignore[arg-type]


def test_a_new_person_gets_an_account_in_the_providers_municipality_and_keeps_it(
    client: TestClient, engine: Engine, settings: Settings, oidc_provider: OidcPeer
) -> None:
    provider_id, secret = add_provider(engine, settings, oidc_provider)
    claims = {"email": "Ny.Person@Asker.kommune.no", "email_verified": True, "name": "Ny Person"}
    oidc_provider.next_login("person-1", claims=claims)
    answer = sign_in(client, oidc_provider, provider_id)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/profil"
    assert "innostudy_session" in client.cookies
    assert "Ny Person" in client.get("/profil").text
    with transaction(engine) as session:
        user = session.exec(select(User).where(User.email == "ny.person@asker.kommune.no")).one()
        assert user.municipality_number == ASKER
        assert user.password_hash is None
        stored = session.get(SignInProvider, provider_id)
        assert stored is not None and secret not in stored.client_secret
    views = sign_in_providers.list_providers
    with transaction(engine) as session:
        listed = views(session=session, actor=Actor.for_operator())
    assert secret not in repr(listed)
    # The second time the same person is recognised: no new account.
    client.cookies.clear()
    oidc_provider.next_login("person-1", claims=claims)
    assert sign_in(client, oidc_provider, provider_id).status_code == 303
    assert user_count(engine) == 1
    events = sign_in_events(engine)
    assert [(e.outcome, e.actor_id, e.target) for e in events] == [
        ("ok", user.id, f"user:{user.id}"),
        ("ok", user.id, f"user:{user.id}"),
    ]
    assert '"reason": "created"' in events[0].details and '"reason": "known"' in events[1].details
    assert all("asker.kommune.no" not in e.details for e in events)


PID = "24014000123"


def test_idporten_keeps_the_national_identity_number_only_as_a_keyed_hash(
    client: TestClient, engine: Engine, settings: Settings, oidc_provider: OidcPeer
) -> None:
    provider_id, _ = add_provider(engine, settings, oidc_provider, kind="idporten")
    url = start(client, provider_id)
    query = parse_qs(urlsplit(url).query)
    assert query["acr_values"] == ["idporten-loa-substantial"]
    assert query["ui_locales"] == ["nb"]
    assert query["code_challenge_method"] == ["S256"]
    assert {"state", "nonce", "code_challenge"} <= query.keys()
    oidc_provider.next_login("pairwise-sub", claims={"pid": PID}, acr="idporten-loa-high")
    callback = oidc_provider.authorize(url, BASE)
    assert client.get(callback.removeprefix(BASE), follow_redirects=False).status_code == 303
    with transaction(engine) as session:
        user = session.exec(select(User)).one()
        export = privacy.export_personal_data(session=session, user=user)
        assert session.exec(select(SignInIdentity)).one().user_id == user.id
    assert PID not in export.model_dump_json()
    assert user.municipality_number == ASKER
    assert PID not in database_dump(engine)
    # Recognised again by the pid alone, whatever ID-porten's (pairwise) sub is this time.
    client.cookies.clear()
    oidc_provider.next_login("another-sub", claims={"pid": PID}, acr="idporten-loa-substantial")
    assert sign_in(client, oidc_provider, provider_id).status_code == 303
    assert user_count(engine) == 1
    # Erasing the person forgets the identity too: signing in again makes a new account.
    with transaction(engine, write=True) as session:
        assert user.id is not None
        privacy.erase_user(session=session, actor=Actor.for_operator(), user_id=user.id)
    with transaction(engine) as session:
        assert session.exec(select(SignInIdentity)).all() == []


def database_dump(engine: Engine) -> str:
    """Every row of every table, as text."""
    lines: list[str] = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
            lines.extend(repr(tuple(row)) for row in rows)
    return "\n".join(lines)


@pytest.mark.parametrize("acr", [None, "idporten-loa-low"])
def test_idporten_refuses_a_missing_or_too_low_level(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    oidc_provider: OidcPeer,
    acr: str | None,
) -> None:
    provider_id, _ = add_provider(engine, settings, oidc_provider, kind="idporten")
    oidc_provider.next_login("low", claims={"pid": PID}, acr=acr)
    refused(sign_in(client, oidc_provider, provider_id), 403, "for lavt sikkerhetsnivå")
    assert user_count(engine) == 0
    [event] = sign_in_events(engine)
    assert (event.outcome, event.actor_id) == ("failed", None)
    assert "sign_in_level_too_low" in event.details and PID not in event.details


@pytest.mark.parametrize(
    "tamper",
    [
        {"nonce": "a-nonce-from-another-sign-in"},
        {"aud": "another-client"},
        {"exp": 1_000_000_000, "iat": 999_999_000},
        {"iss": "http://127.0.0.1:1/unknown-issuer"},
        {"otherKey": True},
    ],
    ids=["wrong-nonce", "wrong-audience", "expired", "unknown-issuer", "wrong-signature"],
)
def test_an_id_token_that_does_not_hold_is_refused(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    oidc_provider: OidcPeer,
    tamper: dict[str, Any],
) -> None:
    provider_id, _ = add_provider(engine, settings, oidc_provider)
    claims = {"email": "tuklet@asker.kommune.no", "email_verified": True}
    oidc_provider.next_login("tampered", claims=claims, tamper=tamper)
    refused(sign_in(client, oidc_provider, provider_id), 400, "ikke kunne godkjennes")
    assert user_count(engine) == 0
    assert [e.outcome for e in sign_in_events(engine)] == ["failed"]


def test_an_answer_with_another_state_is_refused(
    client: TestClient, engine: Engine, settings: Settings, oidc_provider: OidcPeer
) -> None:
    provider_id, _ = add_provider(engine, settings, oidc_provider)
    oidc_provider.next_login("state", claims={"email": "s@asker.kommune.no"})
    callback = oidc_provider.authorize(start(client, provider_id), BASE)
    parts = parse_qs(urlsplit(callback).query)
    forged = urlencode({"code": parts["code"][0], "state": "not-the-state-we-sent"})
    refused(client.get(f"/logg-inn/tilbake?{forged}"), 400, "ikke hører til en innlogging")
    # Nor without the browser's cookie (another browser's answer).
    client.cookies.delete(FLOW_COOKIE)
    refused(client.get(callback.removeprefix(BASE)), 400, "ikke hører til en innlogging")
    assert user_count(engine) == 0


def test_a_replayed_code_is_refused(
    client: TestClient, engine: Engine, settings: Settings, oidc_provider: OidcPeer
) -> None:
    provider_id, _ = add_provider(engine, settings, oidc_provider, municipalities=())
    oidc_provider.next_login("replay", claims={"kommune": ASKER})
    callback = oidc_provider.authorize(start(client, provider_id), BASE)
    flow = client.cookies[FLOW_COOKIE]
    # The claims name no municipality mapping: refused, but the code is spent all the same.
    refused(client.get(callback.removeprefix(BASE)), 403, "hvilken kommune du hører til")
    client.cookies.set(FLOW_COOKIE, flow)
    refused(client.get(callback.removeprefix(BASE)), 400, "koden er allerede brukt")
    assert user_count(engine) == 0


def test_the_municipality_can_come_from_the_claims(
    client: TestClient, engine: Engine, settings: Settings, oidc_provider: OidcPeer
) -> None:
    provider_id, _ = add_provider(
        engine,
        settings,
        oidc_provider,
        municipalities=("Asker", "Bærum"),
        claim_map={"municipality": "kommune"},
    )
    oidc_provider.next_login("b", claims={"kommune": "3201", "name": "Bærumsbruker"})
    assert sign_in(client, oidc_provider, provider_id).status_code == 303
    client.cookies.clear()
    oidc_provider.next_login("o", claims={"kommune": "0301"})  # Oslo: not served
    refused(sign_in(client, oidc_provider, provider_id), 403, "hvilken kommune du hører til")
    with transaction(engine) as session:
        assert [u.municipality_number for u in session.exec(select(User)).all()] == ["3201"]


def test_a_provider_that_is_down_gives_a_message(
    client: TestClient, engine: Engine, settings: Settings, oidc_provider: OidcPeer
) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    provider_id, _ = add_provider(engine, settings, oidc_provider, issuer=down)
    answer = client.get(f"/logg-inn/med/{provider_id}", follow_redirects=False)
    refused(answer, 502, "svarer ikke akkurat nå")
    assert user_count(engine) == 0


def test_an_existing_account_is_linked_only_by_a_verified_address(
    client: TestClient, engine: Engine, settings: Settings, oidc_provider: OidcPeer
) -> None:
    existing = make_user(engine, email="kari@asker.kommune.no", municipality_number=ASKER)
    provider_id, _ = add_provider(engine, settings, oidc_provider)
    claims: dict[str, Any] = {"email": "kari@asker.kommune.no", "email_verified": False}
    oidc_provider.next_login("kari", claims=claims)
    refused(sign_in(client, oidc_provider, provider_id), 409, "ikke bekreftet")
    with transaction(engine) as session:
        assert session.exec(select(SignInIdentity)).all() == []
    oidc_provider.next_login("kari", claims={**claims, "email_verified": True})
    assert sign_in(client, oidc_provider, provider_id).status_code == 303
    assert user_count(engine) == 1
    with transaction(engine) as session:
        assert session.exec(select(SignInIdentity)).one().user_id == existing.id
    assert '"reason": "linked"' in sign_in_events(engine)[-1].details


def test_entra_needs_the_municipalitys_tenant(
    client: TestClient, engine: Engine, settings: Settings, oidc_provider: OidcPeer
) -> None:
    provider_id, _ = add_provider(
        engine, settings, oidc_provider, kind="entra", tenant_id="asker-tenant"
    )
    oidc_provider.next_login("e", claims={"oid": "o-1", "tid": "another-tenant"})
    refused(sign_in(client, oidc_provider, provider_id), 403, "en annen organisasjon")
    assert user_count(engine) == 0
    oidc_provider.next_login("e", claims={"oid": "o-1", "tid": "asker-tenant", "name": "Entra"})
    assert sign_in(client, oidc_provider, provider_id).status_code == 303
    assert user_count(engine) == 1


def test_a_required_provider_refuses_password_login(
    client: TestClient, engine: Engine, settings: Settings, oidc_provider: OidcPeer
) -> None:
    user = make_user(engine, email="ansatt@asker.kommune.no", municipality_number=ASKER)
    other = make_user(engine, email="ansatt@baerum.kommune.no", municipality="Bærum")
    provider_id, _ = add_provider(engine, settings, oidc_provider)
    with transaction(engine, write=True) as session:
        sign_in_requirements.set_requirement(
            session=session, actor=Actor.for_operator(), municipality=ASKER,
            provider_id=provider_id,
        )  # fmt: skip
    page = client.get("/logg-inn")
    assert "Logg inn med Testinnlogging" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    form = {"epost": user.email, "passord": PASSWORD, "csrf_token": csrf.group(1)}
    answer = client.post("/logg-inn", data=form, follow_redirects=False)
    assert answer.status_code == 403
    assert "krever at du logger inn med Testinnlogging" in answer.text
    token = client.post("/api/v1/auth/token", data={"username": user.email, "password": PASSWORD})
    assert token.status_code == 403 and token.json()["code"] == "password_login_not_allowed"
    # Another municipality's people still use their password.
    ok = client.post("/api/v1/auth/token", data={"username": other.email, "password": PASSWORD})
    assert ok.status_code == 200


def test_entra_groups_give_a_unit_and_roles_that_end_with_the_groups(
    client: TestClient, engine: Engine, settings: Settings, oidc_provider: OidcPeer
) -> None:
    unit = make_unit(engine, "Helse og omsorg")
    other = make_unit(engine, "Kultur")
    group_map = {
        "g-helse": sign_in_providers.GroupMapping(unit=unit.id, role="leader"),
        "g-admin": sign_in_providers.GroupMapping(role="municipal_admin"),
    }
    provider_id, _ = add_provider(
        engine, settings, oidc_provider, kind="entra", tenant_id="t", group_map=group_map
    )
    claims: dict[str, Any] = {"oid": "o-2", "tid": "t", "name": "Gruppe Person",
                              "groups": ["g-helse", "g-admin", "g-unknown"]}  # fmt: skip
    oidc_provider.next_login("g", claims=claims)
    assert sign_in(client, oidc_provider, provider_id).status_code == 303
    with transaction(engine) as session:
        user = session.exec(select(User)).one()
        assert user.unit_id == unit.id
    assert user.id is not None
    assert held_roles(engine, user.id) == [("leader", unit.id), ("municipal_admin", None)]
    # A role given by hand stays when the groups change; the groups' roles go with them.
    grant_role(engine, user, Role.LEADER, unit=other)
    client.cookies.clear()
    oidc_provider.next_login("g", claims={**claims, "groups": ["g-admin"]})
    assert sign_in(client, oidc_provider, provider_id).status_code == 303
    assert held_roles(engine, user.id) == [("leader", other.id), ("municipal_admin", None)]
    client.cookies.clear()
    oidc_provider.next_login("g", claims={**claims, "groups": []})
    assert sign_in(client, oidc_provider, provider_id).status_code == 303
    assert held_roles(engine, user.id) == [("leader", other.id)]


def held_roles(engine: Engine, user_id: int) -> list[tuple[str, int | None]]:
    with transaction(engine) as session:
        rows = session.exec(
            select(RoleAssignment.role, RoleAssignment.unit_id).where(
                RoleAssignment.user_id == user_id
            )
        ).all()
    return sorted((role, unit_id) for role, unit_id in rows)


def test_a_replaced_client_secret_is_the_one_used_at_the_token_endpoint(
    client: TestClient, engine: Engine, settings: Settings, oidc_provider: OidcPeer
) -> None:
    provider_id, secret = add_provider(engine, settings, oidc_provider)

    def replace(value: str) -> None:
        with transaction(engine, write=True) as session:
            sign_in_providers.set_secret(session=session, settings=settings,
                                         actor=Actor.for_operator(), provider_id=provider_id,
                                         secret=value)  # fmt: skip

    replace("not-the-secret-the-provider-gave")
    oidc_provider.next_login("s", claims={"name": "Hemmelig"})
    refused(sign_in(client, oidc_provider, provider_id), 400, "godtok ikke innloggingen")
    replace(secret)
    oidc_provider.next_login("s", claims={"name": "Hemmelig"})
    assert sign_in(client, oidc_provider, provider_id).status_code == 303
    assert user_count(engine) == 1
