"""Schemathesis generates requests from the OpenAPI document: none may produce a 500."""

from __future__ import annotations

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as run_settings

from api.app import create_app
from api.core.config import Settings
from api.data.models import Role
from course.models import Course
from tests.conftest import Databases
from tests.factories import user_headers


def test_generated_requests_never_cause_a_server_error(
    databases: Databases, shipped_course: Course, settings: Settings
) -> None:
    # Its own database: generated requests archive and reorder modules.
    engine = databases.new_engine(shipped_course)
    app = create_app(settings, engine=engine)
    with TestClient(app) as client:
        headers = user_headers(client, engine, Role.ADMIN)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    # Logging out would revoke the token the rest of the run uses.
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path != "/api/v1/auth/logout"]
    assert len(operations) >= 12
    statuses: set[int] = set()

    for operation in operations:

        @given(case=operation.as_strategy())
        @run_settings(
            max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers={**(case.headers or {}), **headers})
            assert response.status_code < 500, (case.method, case.formatted_path, response.text)
            statuses.add(response.status_code)

        run()
    assert {200, 404, 422} <= statuses  # the run reached real work, not only the auth gate
