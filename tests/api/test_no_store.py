"""Answers of the API are never stored by a browser or a proxy (defect 6)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.factories import PASSWORD, complete_course, login, make_user


def test_token_personal_export_and_certificate_pdf_are_not_stored(
    client: TestClient, engine: Engine
) -> None:
    learner = make_user(engine, email="kari@asker.kommune.no")
    complete_course(engine, learner)
    token = client.post(
        "/api/v1/auth/token", data={"username": learner.email, "password": PASSWORD}
    )
    assert token.status_code == 200 and token.headers["cache-control"] == "no-store"
    headers = login(client, learner.email)
    assert client.post("/api/v1/certificate", headers=headers).status_code in (200, 201)
    for path in (
        "/api/v1/me/export",
        "/api/v1/certificate.pdf",
        "/api/v1/modules/hvorfor-innovasjon",
    ):
        response = client.get(path, headers=headers)
        assert response.headers["cache-control"] == "no-store", path
    refused = client.get("/api/v1/me/export")
    assert refused.status_code == 401 and refused.headers["cache-control"] == "no-store"
