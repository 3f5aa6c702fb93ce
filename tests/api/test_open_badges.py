"""Every certificate is an Open Badges 3.0 credential that Digital Bazaar's verifier accepts,
until it is tampered with, revoked, or its holder's data is erased.

The verifier (tests/certificates/badge_verifier.py) runs in node, offline, and loads
the issuer profile, the key and the status list from the app over real HTTP.
"""

from __future__ import annotations

import copy
import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.app import create_app
from api.core.config import Settings
from api.core.db import make_engine
from api.data.models import Certificate, Role, User
from api.services import open_badges
from certificates.badges import baking, status_list
from tests.certificates.badge_verifier import verify
from tests.conftest import LiveServer
from tests.factories import PASSWORD, complete_course, login, make_user, user_headers

BASE = "https://kurs.example.no"  # the ``settings`` fixture's base URL


@pytest.fixture
def graduate(engine: Engine) -> User:
    user = make_user(engine, full_name="Kari Nordmann")
    complete_course(engine, user)
    return user


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:
    return user_headers(client, engine, Role.ADMIN)


def _badge(client: TestClient, user: User) -> dict[str, Any]:
    headers = login(client, user.email)
    assert client.post("/api/v1/certificate", headers=headers).status_code in (200, 201)
    response = client.get("/api/v1/certificate/open-badge", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.headers["cache-control"] == "no-store"  # it holds the learner's name
    credential: dict[str, Any] = response.json()
    return credential


def test_a_badge_verifies_and_fails_when_tampered_with_or_revoked(
    app: FastAPI, client: TestClient, graduate: User, admin: dict[str, str]
) -> None:
    credential = _badge(client, graduate)
    renamed = copy.deepcopy(credential)
    renamed["credentialSubject"]["identifier"][0]["identityHash"] = "Ola Nordmann"
    other_course = copy.deepcopy(credential)
    other_course["credentialSubject"]["achievement"]["name"] = "Et annet kurs"
    other_index = copy.deepcopy(credential)
    other_index["credentialStatus"]["statusListIndex"] = "7"
    unsigned = {k: v for k, v in credential.items() if k != "proof"}

    with LiveServer(app) as server:
        verdicts, fetched = verify(
            [credential, renamed, other_course, other_index, unsigned],
            base=BASE,
            server=server.url,
        )
        good, *tampered = verdicts
        assert good.verified, good.error
        assert good.revoked is False
        for verdict in tampered:
            assert not verdict.verified
        assert "signature" in tampered[0].error.lower()
        assert {f"{BASE}/badges/issuer", f"{BASE}/badges/status/1"} <= set(fetched)
        assert credential["proof"]["verificationMethod"] in fetched

        code = credential["description"].split()[3].rstrip(".")
        body = {"reason": "Feil navn"}
        revoked = client.post(f"/api/v1/certificates/{code}/revoke", json=body, headers=admin)
        assert revoked.status_code == 200, revoked.text
        reissued = client.post(f"/api/v1/certificates/{code}/reissue", headers=admin)
        assert reissued.status_code == 201, reissued.text
        new = _badge(client, graduate)  # the new certificate's badge: a status entry of its own
        (after, renewed), _ = verify([credential, new], base=BASE, server=server.url)
    assert not after.verified
    assert after.revoked is True
    assert "revoked" in after.error
    assert renewed.verified, renewed.error
    assert (
        new["credentialStatus"]["statusListIndex"]
        != credential["credentialStatus"]["statusListIndex"]
    )


def test_the_badge_image_carries_the_same_credential(
    app: FastAPI, client: TestClient, graduate: User
) -> None:
    credential = _badge(client, graduate)
    headers = login(client, graduate.email)
    response = client.get("/api/v1/certificate/open-badge.png", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    baked = baking.unbake_png(response.content)
    assert baked is not None
    assert json.loads(baked) == credential
    with LiveServer(app) as server:
        (verdict,), _ = verify([json.loads(baked)], base=BASE, server=server.url)
    assert verdict.verified, verdict.error


def test_the_credential_holds_the_name_and_no_contact_details(
    client: TestClient, graduate: User
) -> None:
    credential = _badge(client, graduate)
    text = json.dumps(credential, ensure_ascii=False)
    assert "Kari Nordmann" in text
    assert graduate.email not in text
    assert not re.search(r"[\w.+-]+@[\w-]+\.\w", text)  # no e-mail address at all
    subject = credential["credentialSubject"]
    assert "id" not in subject  # no account id either
    assert subject["identifier"] == [
        {"type": "IdentityObject", "identityType": "name", "hashed": False,
         "identityHash": "Kari Nordmann"}
    ]  # fmt: skip
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["issuer"]["id"] == f"{BASE}/badges/issuer"
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["proof"]["proofPurpose"] == "assertionMethod"


def test_erasing_the_holder_makes_the_badge_fail(
    app: FastAPI, client: TestClient, graduate: User, admin: dict[str, str]
) -> None:
    credential = _badge(client, graduate)
    erased = client.post(f"/api/v1/users/{graduate.id}/erase", headers=admin)
    assert erased.status_code == 200, erased.text
    with LiveServer(app) as server:
        (verdict,), _ = verify([credential], base=BASE, server=server.url)
    assert not verdict.verified
    assert verdict.revoked is True


def test_after_key_rotation_old_badges_verify_and_new_ones_use_the_new_key(
    app: FastAPI, client: TestClient, engine: Engine, graduate: User, settings: Settings
) -> None:
    old = _badge(client, graduate)
    rotation = open_badges.rotate_key(engine=engine, settings=settings)
    assert old["proof"]["verificationMethod"] == f"{BASE}/badges/keys/{rotation.old_key_id}"

    second = make_user(engine, full_name="Per Hansen")
    complete_course(engine, second)
    new = _badge(client, second)
    assert new["proof"]["verificationMethod"] == f"{BASE}/badges/keys/{rotation.new_key_id}"

    issuer = client.get("/badges/issuer").json()
    assert issuer["assertionMethod"] == [
        f"{BASE}/badges/keys/{rotation.old_key_id}",
        f"{BASE}/badges/keys/{rotation.new_key_id}",
    ]
    with LiveServer(app) as server:
        verdicts, _ = verify([old, new], base=BASE, server=server.url)
    assert [v.verified for v in verdicts] == [True, True], [v.error for v in verdicts]


def test_the_status_list_has_131072_entries_and_one_index_per_certificate(
    client: TestClient, engine: Engine, graduate: User
) -> None:
    first = _badge(client, graduate)
    second_user = make_user(engine, full_name="Per Hansen")
    complete_course(engine, second_user)
    second = _badge(client, second_user)
    indices = {int(c["credentialStatus"]["statusListIndex"]) for c in (first, second)}
    assert len(indices) == 2

    response = client.get("/badges/status/1")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    listed = response.json()
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    bits = status_list.decode(listed["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == 131_072
    assert not any(status_list.is_set(bits, i) for i in indices)


def test_the_public_documents_answer_and_refuse_what_does_not_exist(
    client: TestClient, settings: Settings
) -> None:
    issuer = client.get("/badges/issuer")
    assert issuer.status_code == 200
    assert issuer.headers["content-type"].startswith("application/ld+json")
    (key_url,) = issuer.json()["assertionMethod"]
    key = client.get(key_url.removeprefix(BASE)).json()
    assert key["type"] == "Multikey"
    assert key["controller"] == f"{BASE}/badges/issuer"
    assert key["publicKeyMultibase"].startswith("z6Mk")

    missing_key = client.get("/badges/keys/z6MkfinnesIkke")
    assert (missing_key.status_code, missing_key.json()["code"]) == (404, "badge_key_not_found")
    missing_list = client.get("/badges/status/2")
    assert (missing_list.status_code, missing_list.json()["code"]) == (404, "status_list_not_found")
    for bad in ("0", "x", "99999999999999999999"):
        assert client.get(f"/badges/status/{bad}").status_code == 422


def test_no_badge_before_a_certificate_and_none_after_revocation(
    client: TestClient, graduate: User, admin: dict[str, str]
) -> None:
    headers = login(client, graduate.email)
    before = client.get("/api/v1/certificate/open-badge", headers=headers)
    assert (before.status_code, before.json()["code"]) == (404, "certificate_not_found")
    assert "Hent det på siden Kursbevis" in before.json()["detail"]

    code = client.post("/api/v1/certificate", headers=headers).json()["code"]
    client.post(f"/api/v1/certificates/{code}/revoke", json={"reason": "Feil"}, headers=admin)
    for path in ("/api/v1/certificate/open-badge", "/api/v1/certificate/open-badge.png"):
        after = client.get(path, headers=headers)
        assert (after.status_code, after.json()["code"]) == (409, "certificate_revoked")


def test_the_key_is_made_once_in_the_data_folder(settings: Settings) -> None:
    key = open_badges.signing_key(settings)
    path = settings.data_dir / "badge-signing-key.pem"
    assert path.stat().st_mode & 0o777 == 0o600
    again = Settings(data_dir=settings.data_dir, secret_key="x" * 40)
    assert open_badges.signing_key(again).key_id == key.key_id


def test_learners_issuing_at_once_on_two_servers_get_distinct_status_indices(
    app: FastAPI, engine: Engine, settings: Settings
) -> None:
    learners = [make_user(engine, full_name=f"Deltaker {i}") for i in range(12)]
    for learner in learners:
        complete_course(engine, learner)
    # A second app with its own engine and pool stands for a second server process.
    other_engine = make_engine(engine.url.render_as_string(hide_password=False))
    other = create_app(settings, engine=other_engine)
    with LiveServer(app) as one, LiveServer(other) as two, httpx.Client(timeout=60) as http:

        def issue(number: int) -> httpx.Response:
            server = (one, two)[number % 2].url
            form = {"username": learners[number].email, "password": PASSWORD}
            token = http.post(f"{server}/api/v1/auth/token", data=form).json()["access_token"]
            return http.post(
                f"{server}/api/v1/certificate", headers={"Authorization": f"Bearer {token}"}
            )

        with ThreadPoolExecutor(max_workers=12) as pool:
            responses = list(pool.map(issue, range(len(learners))))
    other_engine.dispose()
    assert [r.status_code for r in responses] == [201] * len(learners)
    with Session(engine) as session:
        indices = session.exec(select(Certificate.status_index)).all()
    assert sorted(i for i in indices if i is not None) == list(range(len(learners)))
