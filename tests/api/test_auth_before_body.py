"""A malformed body is reported only to a caller who may use the route (defect 5).

FastAPI decodes the body before it runs the route's dependencies, so an anonymous
caller sending bytes that are not JSON to a staff route was told 422 (the route
exists and takes a body) instead of 401.
"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.data.models import Role
from tests.factories import user_headers

PUBLIC = {
    "/api/v1/auth/token",
    "/api/v1/auth/password-setup",
    "/api/v1/auth/password-reset-request",
}
MALFORMED = b'{"not json'
JSON = {"Content-Type": "application/json"}


def body_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every documented API operation that takes a body, with its path filled in."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation and path.startswith("/api/"):
                filled = re.sub(r"\{[^}]*id\}", "1", path)
                found.append((method.upper(), re.sub(r"\{[^}]+\}", "x", filled)))
    return sorted(found)


def test_every_api_route_with_a_body_is_covered(app: FastAPI) -> None:
    routes = body_routes(app)
    assert ("POST", "/api/v1/users") in routes and ("POST", "/api/v1/auth/token") in routes
    assert len(routes) >= 10


def test_an_anonymous_caller_is_told_to_log_in_before_anything_about_the_body(
    app: FastAPI, client: TestClient
) -> None:
    for method, path in body_routes(app):
        response = client.request(method, path, content=MALFORMED, headers=JSON)
        expected = 422 if path in PUBLIC else 401
        assert response.status_code == expected, (method, path, response.text)
        if expected == 401:
            assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("path", ["/api/v1/users", "/api/v1/users/import"])
def test_a_learner_is_refused_a_staff_route_before_anything_about_the_body(
    client: TestClient, engine: Engine, path: str
) -> None:
    learner = user_headers(client, engine, Role.LEARNER)
    refused = client.post(path, content=MALFORMED, headers={**learner, **JSON})
    assert refused.status_code == 403
    admin = user_headers(client, engine, Role.ADMIN, email="ada@k.kommune.no")
    told = client.post(path, content=MALFORMED, headers={**admin, **JSON})
    assert told.status_code in (400, 422)
