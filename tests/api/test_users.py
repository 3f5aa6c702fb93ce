from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.data.models import Role
from tests.factories import user_headers


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:
    return user_headers(client, engine, role=Role.ADMIN)


def test_admin_creates_a_user_with_a_sami_name(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "email": "Aigin@Karasjok.kommune.no",
            "full_name": "Áigin Ŋuolla Čuđe",
            "municipality": "Kárášjohka – Karasjok",
            "municipality_number": "5610",
            "role": "learner",
            "password": "et-langt-passord",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "aigin@karasjok.kommune.no"
    assert body["full_name"] == "Áigin Ŋuolla Čuđe"
    assert "password" not in body and "password_hash" not in body
    token = client.post(
        "/api/v1/auth/token",
        data={"username": "aigin@karasjok.kommune.no", "password": "et-langt-passord"},
    )
    assert token.status_code == 200


def test_duplicate_email_in_any_case_is_409(client: TestClient, admin: dict[str, str]) -> None:
    data = {"email": "ola@asker.kommune.no", "full_name": "Ola", "municipality": "Asker"}
    assert client.post("/api/v1/users", headers=admin, json=data).status_code == 201
    again = client.post(
        "/api/v1/users", headers=admin, json={**data, "email": "OLA@asker.kommune.no"}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "email_taken"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "ikke-en-epost"}, "email"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": "x" * 201}, "full_name"),
        ({"role": "superuser"}, "role"),
        ({"municipality_number": "123"}, "municipality_number"),
        ({"municipality_number": "12a4"}, "municipality_number"),
        ({"password": "kort"}, "password"),
        ({"is_active": False}, "is_active"),
    ],
)
def test_invalid_user_bodies_get_field_level_422(
    client: TestClient, admin: dict[str, str], change: dict[str, object], field: str
) -> None:
    data = {"email": "per@asker.kommune.no", "full_name": "Per", "municipality": "Asker", **change}
    response = client.post("/api/v1/users", headers=admin, json=data)
    assert response.status_code == 422
    assert ["body", field] in [e["loc"] for e in response.json()["detail"]]
