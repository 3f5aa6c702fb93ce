from __future__ import annotations

import pytest
from sqlalchemy import Engine

from api.data.models import Role, User
from tests.api.conftest import app, client, settings  # noqa: F401  (the API fixtures)
from tests.factories import make_user


@pytest.fixture
def admin(engine: Engine) -> User:
    return make_user(engine, role=Role.ADMIN, email="admin@asker.kommune.no")
