"""Shared fixtures: real databases (an SQLite file, and PostgreSQL when configured).

Set INNOSTUDY_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres)
to run every database test on PostgreSQL too; a scratch database is created per
test session (and per xdist worker) and dropped afterwards.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from api.core.config import SHIPPED_CONTENT
from api.core.db import make_engine
from api.data import migrate
from api.data.models import metadata
from api.services.content import sync_content
from course.loader import load_course
from course.models import Course

POSTGRES_URL = os.environ.get("INNOSTUDY_TEST_POSTGRES_URL")
# Kept between tests: the shipped course, and the municipality register that migration
# 0006 seeds (a test that changes the register restores it: tests/api/municipality_helpers).
CONTENT_TABLES = {"course_module", "module_revision", "municipality", "municipality_change"}


def clear_people(connection: Connection) -> None:
    """Delete every row but the content tables': what one test leaves behind for the next."""
    for table in reversed(metadata.sorted_tables):
        if table.name not in CONTENT_TABLES:
            connection.execute(table.delete())


@pytest.fixture(scope="session", autouse=True)
def _data_dir_outside_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The default data directory is in the user's home: no test may write there."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        yield


@pytest.fixture(scope="session")
def shipped_course() -> Course:
    result = load_course(SHIPPED_CONTENT)
    assert result.course is not None, result.errors
    return result.course


class _EngineList(list[Engine]):
    """The engines of a ``Databases``; each one added is also closed after its test."""

    def append(self, engine: Engine) -> None:
        super().append(engine)
        _MADE.append(engine)


# Every engine a test made: its pooled connections are closed when the test ends, so the
# PostgreSQL server's connection limit is not used up by idle pools over a long run.
_MADE: list[Engine] = []


@pytest.fixture(autouse=True)
def _close_the_pools_a_test_opened() -> Iterator[None]:
    before = len(_MADE)
    yield
    for made in _MADE[before:]:
        made.dispose()  # the engine still works: it connects again when used
    del _MADE[before:]


class Databases:
    """Creates real, migrated databases of one kind for a test session."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind = kind
        self.tmp = tmp
        self.created: list[str] = []
        self.engines = _EngineList()

    def new_url(self) -> str:
        name = f"innostudy_test_{uuid.uuid4().hex[:12]}"
        if self.kind == "sqlite":
            return f"sqlite:///{self.tmp / (name + '.db')}"
        assert POSTGRES_URL is not None
        admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        url = make_url(POSTGRES_URL).set(database=name)
        return url.render_as_string(hide_password=False)

    def new_engine(self, course: Course | None = None) -> Engine:
        """A new migrated database, with ``course`` imported if given."""
        engine = make_engine(self.new_url())
        migrate.upgrade(engine)
        self.engines.append(engine)
        if course is not None:
            with Session(engine) as session:
                sync_content(session=session, course=course)
                session.commit()
        return engine

    def drop_all(self) -> None:
        for engine in self.engines:
            engine.dispose()
        if not self.created:
            return
        assert POSTGRES_URL is not None
        admin = create_engine(
            make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"),
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as connection:
            for name in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("INNOSTUDY_REQUIRE_POSTGRES") and not POSTGRES_URL:
        raise pytest.UsageError(
            "INNOSTUDY_REQUIRE_POSTGRES is set but INNOSTUDY_TEST_POSTGRES_URL is not"
        )


_ONLY = {"sqlite_only": "postgres", "postgres_only": "sqlite"}  # marker -> the run left out


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``sqlite_only`` check SQLite's own machinery and have no PostgreSQL run;
    tests marked ``postgres_only`` (several processes on one database) have no SQLite run."""
    left_out = [
        item
        for item in items
        if getattr(item, "callspec", None) is not None
        and any(
            item.get_closest_marker(marker) and item.callspec.params.get("databases") == kind  # type: ignore[attr-defined]
            for marker, kind in _ONLY.items()
        )
    ]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]


def _kinds() -> list[object]:
    postgres = pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(
                POSTGRES_URL is None, reason="INNOSTUDY_TEST_POSTGRES_URL is not set"
            ),
        ],
    )
    return ["sqlite", postgres]


@pytest.fixture(scope="session", params=_kinds())
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Databases]:
    dbs = Databases(str(request.param), tmp_path_factory.mktemp(str(request.param)))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def session_engine(databases: Databases, shipped_course: Course) -> Engine:
    """One migrated database per kind and session, with the shipped course imported."""
    return databases.new_engine(shipped_course)


@pytest.fixture
def engine(session_engine: Engine) -> Iterator[Engine]:
    """The session database, emptied of everything but course content and the municipality
    register after each test."""
    yield session_engine
    with session_engine.begin() as connection:
        clear_people(connection)


@pytest.fixture
def db_kind(databases: Databases) -> str:
    return databases.kind


class LiveServer:
    """A real uvicorn server on a loopback port, running the app in a thread."""

    def __init__(self, app: object) -> None:
        import socket
        import threading

        import uvicorn

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        import time

        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def restore_register(engine: Engine) -> Iterator[Engine]:
    """For a test that changes the municipality register (or adds a municipality of its own):
    the shipped one back afterwards."""
    yield engine
    from api.data import municipality_data
    from api.data.models import Municipality, MunicipalityChange

    with engine.begin() as connection:
        # Accounts refer to municipalities: away first (``engine`` would remove them anyway).
        clear_people(connection)
        connection.execute(MunicipalityChange.__table__.delete())  # type: ignore[attr-defined]
        connection.execute(Municipality.__table__.delete())  # type: ignore[attr-defined]
        connection.execute(
            Municipality.__table__.insert(),  # type: ignore[attr-defined]
            municipality_data.municipality_rows(),
        )
        connection.execute(
            MunicipalityChange.__table__.insert(),  # type: ignore[attr-defined]
            [dataclasses.asdict(c) for c in municipality_data.change_rows()],
        )


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[object]:
    """panva's oidc-provider on a loopback port, one per test session (``tests.oidc_support``)."""
    from tests.oidc_support import provider_process

    yield from provider_process()
