"""What a provider may send that cannot be used (garbage instead of JSON, claims of the
wrong type, too long, an ``email`` that is no address): each a Norwegian refusal on the
login page, audited, and no account. Against the real provider (tests/oidc_support)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.core.config import Settings
from tests.api.test_oidc_sign_in import (  # noqa: F401  (the fixtures too)
    add_provider,
    client,
    refused,
    settings,
    sign_in,
    sign_in_events,
    user_count,
)
from tests.oidc_support import OidcPeer

CLAIMS = {"email": "rar@asker.kommune.no", "email_verified": True, "name": "Rar Person"}


@pytest.mark.parametrize(
    ("tamper", "words"),
    [
        ({"email_verified": "yes"}, "bekreftelse av e-postadressen i feil form"),
        ({"email": "ikke-en-adresse"}, "ikke er en gyldig e-postadresse"),
        ({"email": ["rar@asker.kommune.no"]}, "en e-postadresse i feil form"),
        ({"email": "a" * 250 + "@asker.kommune.no"}, "en e-postadresse med for mange tegn"),
        ({"name": "N" * 5000}, "et navn med for mange tegn"),
        ({"sub": "s" * 300}, "en brukeridentitet med for mange tegn"),
    ],
    ids=["verified-yes", "not-an-address", "email-list", "email-too-long", "name", "sub"],
)
def test_a_claim_that_cannot_be_used_is_refused(
    client: TestClient,  # noqa: F811
    engine: Engine,
    settings: Settings,  # noqa: F811
    oidc_provider: OidcPeer,
    tamper: dict[str, Any],
    words: str,
) -> None:
    provider_id, _ = add_provider(engine, settings, oidc_provider)
    oidc_provider.next_login("rar", claims=CLAIMS, tamper=tamper)
    refused(sign_in(client, oidc_provider, provider_id), 400, words)
    assert user_count(engine) == 0
    [event] = sign_in_events(engine)
    assert event.outcome == "failed" and "sign_in_claim_invalid" in event.details


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ("<html><body>Feil</body></html>", 502, "svarer ikke akkurat nå"),
        ("[1, 2, 3]", 502, "svarer ikke akkurat nå"),
        ('"bare tekst"', 502, "svarer ikke akkurat nå"),
        ('{"id_token": 5, "token_type": "Bearer"}', 400, "ikke kunne godkjennes"),
    ],
    ids=["html", "list", "string", "id-token-number"],
)
def test_a_token_endpoint_answering_garbage_is_refused(
    client: TestClient,  # noqa: F811
    engine: Engine,
    settings: Settings,  # noqa: F811
    oidc_provider: OidcPeer,
    body: str,
    status: int,
    words: str,
) -> None:
    provider_id, _ = add_provider(engine, settings, oidc_provider)
    oidc_provider.next_login("søppel", claims=CLAIMS, token_body=body)
    refused(sign_in(client, oidc_provider, provider_id), status, words)
    assert user_count(engine) == 0


def test_a_broken_discovery_document_or_key_set_is_refused(
    client: TestClient,  # noqa: F811
    engine: Engine,
    settings: Settings,  # noqa: F811
    oidc_provider: OidcPeer,
) -> None:
    real = httpx.get(oidc_provider.url + "/.well-known/openid-configuration").json()
    documents = {
        "not-json": "{ikke json",
        "endpoint-object": json.dumps({**real, "authorization_endpoint": {"url": 1}}),
        "logout-number": json.dumps({**real, "end_session_endpoint": 5}),
    }
    for name, document in documents.items():
        issuer = f"{oidc_provider.url}/_test/{name}"
        oidc_provider.serve(f"/_test/{name}/.well-known/openid-configuration",
                            document.replace(f'"issuer": "{real["issuer"]}"',
                                             f'"issuer": "{issuer}"'))  # fmt: skip
        provider_id, _ = add_provider(engine, settings, oidc_provider, issuer=issuer)
        answer = client.get(f"/logg-inn/med/{provider_id}", follow_redirects=False)
        refused(answer, 502, "svarer ikke akkurat nå")
    # A discovery document that holds, but whose key set is not one.
    issuer = f"{oidc_provider.url}/_test/bad-keys"
    keys = oidc_provider.serve("/_test/bad-keys/jwks", '{"keys": "ingen"}')
    document = {**real, "issuer": issuer, "jwks_uri": keys}
    oidc_provider.serve("/_test/bad-keys/.well-known/openid-configuration", json.dumps(document))
    provider_id, _ = add_provider(engine, settings, oidc_provider, issuer=issuer)
    oidc_provider.next_login("nøkler", claims=CLAIMS)
    refused(sign_in(client, oidc_provider, provider_id), 502, "svarer ikke akkurat nå")
    assert user_count(engine) == 0
