from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.core.config import Settings
from api.services.content import RenderCache
from course.models import Course
from tests.conftest import Databases

_CACHES: dict[str, RenderCache] = {}  # per database kind: content rows persist for the session


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="x" * 40, base_url="https://kurs.example.no")


@pytest.fixture
def app(settings: Settings, engine: Engine, db_kind: str) -> FastAPI:
    application = create_app(settings, engine=engine)
    application.state.render_cache = _CACHES.setdefault(db_kind, RenderCache())
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def fresh_engine(databases: Databases, shipped_course: Course) -> Engine:
    """A database of its own with the shipped course, for tests that change content."""
    return databases.new_engine(shipped_course)


@pytest.fixture
def fresh_client(settings: Settings, fresh_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine=fresh_engine)) as test_client:
        yield test_client
