"""A body over the size limit is a documented 413: JSON on the API, an HTML page elsewhere."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from api.core.config import Settings


def _chunks(size: int) -> Iterator[bytes]:
    sent = 0
    while sent < size:
        chunk = b"x" * min(65_536, size - sent)
        sent += len(chunk)
        yield chunk


def _post_oversized(
    client: TestClient, settings: Settings, path: str, *, chunked: bool
) -> httpx.Response:
    """A form post one byte over the limit, with a Content-Length or chunked (without one)."""
    size = settings.max_body_bytes + 1
    body = _chunks(size) if chunked else b"x" * size
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return client.post(path, content=body, headers=headers)


@pytest.mark.parametrize("chunked", [False, True])
def test_oversized_api_body_is_a_json_413(
    client: TestClient, settings: Settings, chunked: bool
) -> None:
    response = _post_oversized(client, settings, "/api/v1/auth/token", chunked=chunked)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"detail": "Forespørselen er for stor.", "code": "payload_too_large"}


@pytest.mark.parametrize("chunked", [False, True])
def test_oversized_form_post_is_an_html_413_page(
    client: TestClient, settings: Settings, chunked: bool
) -> None:
    response = _post_oversized(client, settings, "/logg-inn", chunked=chunked)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "For stor forespørsel" in response.text


def test_routes_with_a_body_document_the_413(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert "413" in operation["responses"], (method, path)
                schema = operation["responses"]["413"]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}
