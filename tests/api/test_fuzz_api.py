"""Schemathesis generates requests from the OpenAPI document and runs every check it has.

None may produce a 500, and every answer must match what the document says:
status codes, content types, headers, response schemas (the 422 bodies too), the
``Allow`` header, unsupported methods, refused negative data, ignored auth.

One check is left out: ``positive_data_acceptance`` expects every schema-valid
request to succeed, but a module's Markdown, a quiz's answers or an import file
obey rules no JSON schema can hold, and those answer the documented 422.
"""

from __future__ import annotations

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as run_settings
from schemathesis.checks import CHECKS, load_all_checks

from api.app import create_app
from api.core.config import Settings
from api.data.models import Role
from course.models import Course
from tests.conftest import Databases
from tests.factories import user_headers

load_all_checks()
CHECKS_RUN = [check for check in CHECKS.get_all() if check.__name__ != "positive_data_acceptance"]


def test_generated_requests_pass_every_check_of_the_document(
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
            response = case.call_and_validate(
                headers={**(case.headers or {}), **headers}, checks=CHECKS_RUN
            )
            assert response.status_code < 500, (case.method, case.formatted_path, response.text)
            statuses.add(response.status_code)

        run()
    assert {200, 404, 422} <= statuses  # the run reached real work, not only the auth gate
