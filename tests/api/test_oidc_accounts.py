"""Two first sign-ins of the same new person at the same moment (``oidc_accounts.account``),
from two threads with their own write transactions, on SQLite and PostgreSQL.

On PostgreSQL both look the identity up before either inserts (a barrier after the
lookup), so one insert loses on the unique address and must find the winner's account.
SQLite serialises write transactions (BEGIN IMMEDIATE), so there the second waits and
finds the identity at once; the threads use an engine each, as two web processes would,
so they meet at SQLite's own lock. Both must end with one account and one identity.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func
from sqlmodel import select

from api.core.config import Settings
from api.core.db import make_engine, transaction
from api.data.models import SignInIdentity, SignInProvider, User
from api.services import sign_in_providers
from api.services.oidc_accounts import account
from api.services.oidc_metadata import Metadata
from api.services.scope import Actor

ISSUER = "https://innlogging.example.no"
METADATA = Metadata(
    issuer=ISSUER,
    authorization_endpoint=ISSUER + "/auth",
    token_endpoint=ISSUER + "/token",
    jwks_uri=ISSUER + "/jwks",
    end_session_endpoint=None,
)
CLAIMS = {"sub": "samtidig", "email": "samtidig@asker.kommune.no", "email_verified": True}


def test_two_first_sign_ins_at_once_make_one_account(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="r" * 40)
    data = sign_in_providers.ProviderCreate(name="Samtidig", kind="generic", issuer=ISSUER,
                                            client_id="klient", client_secret="hemmelig",
                                            municipalities=["3203"])  # fmt: skip
    with transaction(engine, write=True) as session:
        view = sign_in_providers.create_provider(
            session=session, settings=settings, actor=Actor.for_operator(), data=data
        )
    start = threading.Barrier(2, timeout=30)
    looked_up = threading.Barrier(2, timeout=30)
    racers: set[int] = set()
    hold = _hold_after_lookup(racers, looked_up)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "after_cursor_execute", hold)
        engines = [engine, engine]
    else:
        engines = [engine, make_engine(engine.url.render_as_string(hide_password=False))]
    results: list[tuple[int | None, str]] = []
    errors: list[BaseException] = []

    def sign_in(engine: Engine) -> None:
        try:
            start.wait()
            racers.add(threading.get_ident())
            with transaction(engine, write=True) as session:
                provider = session.get(SignInProvider, view.id)
                assert provider is not None
                user, how = account(session, settings, provider, METADATA, dict(CLAIMS))
                results.append((user.id, how))
        except BaseException as exc:  # reported below, with the thread's own traceback
            errors.append(exc)

    threads = [threading.Thread(target=sign_in, args=(each,)) for each in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if event.contains(engine, "after_cursor_execute", hold):
        event.remove(engine, "after_cursor_execute", hold)
    if engines[1] is not engine:
        engines[1].dispose()
    assert errors == []
    assert sorted(how for _, how in results) == ["created", "known"]
    assert len({user_id for user_id, _ in results}) == 1
    with transaction(engine) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 1
        [identity] = session.exec(select(SignInIdentity)).all()
        assert identity.user_id == results[0][0]


def _hold_after_lookup(racers: set[int], barrier: threading.Barrier) -> Any:
    """Each racing thread waits, after its first identity lookup, until the other has
    looked up too: both then insert, and one of them must lose."""
    passed: set[int] = set()

    def hold(*args: Any) -> None:
        me = threading.get_ident()
        if me in racers and me not in passed and "FROM sign_in_identity" in str(args[2]):
            passed.add(me)
            barrier.wait()

    return hold
