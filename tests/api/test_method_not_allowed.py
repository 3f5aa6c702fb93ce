"""A method a path does not serve gets 405 with every method it does serve (defect 5).

Starlette named only the first route whose path matched, so ``OPTIONS /api/v1/users``
answered ``Allow: GET`` although ``POST /api/v1/users`` exists in another router.
"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def documented(app: FastAPI) -> dict[str, set[str]]:
    """Each API path, filled in with example values, and the methods documented for it."""
    found: dict[str, set[str]] = {}
    for path, operations in app.openapi()["paths"].items():
        filled = re.sub(r"\{[^}]+\}", "x", re.sub(r"\{[^}]*id\}", "1", path))
        found[filled] = {method.upper() for method in operations}
    return found


def allowed(header: str) -> set[str]:
    return {method.strip() for method in header.split(",")}


def test_paths_served_by_several_routers_are_covered(app: FastAPI) -> None:
    paths = documented(app)
    assert paths["/api/v1/users"] == {"GET", "POST"}
    assert len([methods for methods in paths.values() if len(methods) > 1]) >= 3


def test_every_undocumented_method_is_refused_with_the_whole_allow_list(
    app: FastAPI, client: TestClient
) -> None:
    for path, methods in documented(app).items():
        for method in ("OPTIONS", *(m for m in METHODS if m not in methods)):
            response = client.request(method, path)
            assert response.status_code == 405, (method, path, response.text)
            assert allowed(response.headers["allow"]) == methods, (method, path)
            assert response.json()["code"] == "http_405"


@pytest.mark.parametrize(
    ("path", "methods"),
    [("/admin/brukere/ny", {"GET", "POST"}), ("/logg-inn", {"GET", "POST"}), ("/profil", {"GET"})],
)
def test_pages_name_every_method_on_the_error_page(
    client: TestClient, path: str, methods: set[str]
) -> None:
    response = client.request("PUT", path, headers={"Accept": "text/html"})
    assert response.status_code == 405
    assert allowed(response.headers["allow"]) == methods
    assert response.headers["content-type"].startswith("text/html")
