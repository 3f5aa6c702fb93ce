"""Login throttling that slows an attacker without locking the owner or a town hall out.

Real HTTP through the app; each TestClient here is one client address (``client=``).
Time is moved by backdating the recorded failures, never by waiting.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.core.config import Settings
from api.data.models import KnownLoginClient, LoginFailure
from api.services.login_throttle import LoginPolicy, client_hash
from tests.factories import PASSWORD, make_user

WRONG = "feil-passord"


@pytest.fixture
def from_address(app: FastAPI, client: TestClient) -> Iterator[object]:
    """A TestClient per client address (the app's lifespan runs in ``client``)."""
    made: list[TestClient] = []

    def make(host: str) -> TestClient:
        made.append(TestClient(app, raise_server_exceptions=False, client=(host, 50000)))
        return made[-1]

    yield make


def _hashed(app: FastAPI, *addresses: str) -> set[str]:
    """The stored form of each address: a keyed hash, never the address itself."""
    policy = LoginPolicy.from_settings(app.state.settings)
    return {client_hash(policy=policy, client=address) for address in addresses}


def _try(client: TestClient, email: str, password: str = PASSWORD, **headers: str) -> int:
    response = client.post(
        "/api/v1/auth/token", data={"username": email, "password": password}, headers=headers
    )
    return response.status_code


def _retry_after(client: TestClient, email: str, password: str = WRONG) -> int:
    response = client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 429, response.text
    assert "For mange mislykkede innlogginger" in response.json()["detail"]
    return int(response.headers["Retry-After"])


def _backdate(engine: Engine, seconds: int) -> None:
    with Session(engine) as session:
        for row in session.exec(select(LoginFailure)).all():
            row.at -= timedelta(seconds=seconds)
        session.commit()


def test_an_attackers_failures_do_not_stop_the_owner_from_their_usual_client(
    engine: Engine, from_address: object
) -> None:
    owner = make_user(engine)
    office = from_address("192.0.2.10")  # type: ignore[operator]
    assert _try(office, owner.email) == 200  # the owner's usual client is now known
    for bot in range(1, 6):  # five attacking addresses, one failure each
        attacker = from_address(f"198.51.100.{bot}")  # type: ignore[operator]
        assert _try(attacker, owner.email, WRONG) == 401
    assert _try(from_address("198.51.100.6"), owner.email, WRONG) == 429  # type: ignore[operator]
    # Over the account's limit: a client the account has never signed in from must wait,
    # even with the right password ...
    stranger = from_address("203.0.113.50")  # type: ignore[operator]
    assert _retry_after(stranger, owner.email, PASSWORD) > 0
    # ... but the owner's own client still gets in, again and again.
    assert _try(office, owner.email) == 200
    assert _try(office, owner.email) == 200
    # The attacker's failures were not wiped by the owner's sign-in.
    assert _try(stranger, owner.email) == 429
    with Session(engine) as session:
        known = session.exec(select(KnownLoginClient)).all()
    assert [row.user_id for row in known] == [owner.id]
    assert "192.0.2.10" not in known[0].client_hash  # a keyed hash, not the address
    assert len(known[0].client_hash) == 64


def test_fifty_accounts_behind_one_address_sign_in_while_one_is_hammered(
    engine: Engine, from_address: object
) -> None:
    town_hall = from_address("192.0.2.200")  # type: ignore[operator]
    victim = make_user(engine)
    colleagues = [make_user(engine) for _ in range(50)]
    refused = 0
    for _ in range(40):  # the attacker sits behind the same NAT address
        status = _try(town_hall, victim.email, WRONG)
        assert status in (401, 429)
        refused += status == 429
    assert refused > 0  # slowed down
    for colleague in colleagues:
        assert _try(town_hall, colleague.email) == 200, colleague.email


def test_the_per_address_limit_still_stops_a_spray_over_many_accounts(
    app: FastAPI, engine: Engine, from_address: object
) -> None:
    app.state.settings.login_max_failures_per_client = 12
    sprayer = from_address("198.51.100.77")  # type: ignore[operator]
    for index in range(12):
        assert _try(sprayer, f"ukjent{index}@asker.kommune.no", WRONG) == 401
    user = make_user(engine)
    assert _retry_after(sprayer, user.email, PASSWORD) > 0
    # Another address is not affected.
    assert _try(from_address("198.51.100.78"), user.email) == 200  # type: ignore[operator]


def test_delays_grow_for_one_account_and_client_pair(
    app: FastAPI, engine: Engine, from_address: object
) -> None:
    app.state.settings.login_max_failures_per_account = 100  # the pair's delays alone
    user = make_user(engine)
    attacker = from_address("198.51.100.9")  # type: ignore[operator]
    for _ in range(3):  # the first few failures are free
        assert _try(attacker, user.email, WRONG) == 401
    waits = []
    for _ in range(4):
        wait = _retry_after(attacker, user.email)
        waits.append(wait)
        _backdate(engine, wait)  # as if the attacker waited that long
        assert _try(attacker, user.email, WRONG) == 401
    assert waits == sorted(waits)
    assert waits[-1] > waits[0] * 4  # doubling each time
    # The same account from another client is not delayed by this pair.
    assert _try(from_address("192.0.2.33"), user.email, WRONG) == 401  # type: ignore[operator]


def test_forwarded_for_is_ignored_from_an_untrusted_peer(
    app: FastAPI, engine: Engine, from_address: object
) -> None:
    user = make_user(engine)
    peer = from_address("203.0.113.5")  # type: ignore[operator]
    for spoofed in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        assert _try(peer, user.email, WRONG, **{"X-Forwarded-For": spoofed}) == 401
    assert _try(peer, user.email, WRONG, **{"X-Forwarded-For": "192.0.2.4"}) == 429
    with Session(engine) as session:
        clients = set(session.exec(select(LoginFailure.client)).all())
    assert clients == _hashed(app, "203.0.113.5")
    assert not any("203.0.113" in c or "192.0.2" in c for c in clients)


def test_forwarded_for_is_used_from_a_trusted_proxy(
    app: FastAPI, engine: Engine, from_address: object
) -> None:
    settings = app.state.settings
    settings.trusted_proxies = "10.0.0.0/8, 2001:db8::1"
    settings.__dict__.pop("trusted_proxy_networks", None)
    user = make_user(engine)
    proxy = from_address("10.0.0.2")  # type: ignore[operator]
    # The client's own claim (left) is not believed; the right-most untrusted hop is.
    chain = "198.51.100.7, 192.0.2.1, 10.0.0.3"
    for _ in range(3):
        assert _try(proxy, user.email, WRONG, **{"X-Forwarded-For": chain}) == 401
    assert _try(proxy, user.email, WRONG, **{"X-Forwarded-For": "192.0.2.1"}) == 429
    assert _try(proxy, user.email, WRONG, **{"X-Forwarded-For": "192.0.2.2"}) == 401
    with Session(engine) as session:
        clients = set(session.exec(select(LoginFailure.client)).all())
    assert clients == _hashed(app, "192.0.2.1", "192.0.2.2")


def test_a_trusted_proxy_that_is_not_an_address_is_refused_in_norwegian(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="er ikke en IP-adresse eller et nettverk"):
        Settings(data_dir=tmp_path, trusted_proxies="10.0.0.1, proxy.kommune.no")
    assert Settings(data_dir=tmp_path).trusted_proxy_networks == ()
