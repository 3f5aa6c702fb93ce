"""NaN, Infinity and 1e400 in a JSON body are a 422 like any other bad value (defect 2).

Python's JSON reader turns them into floats that the JSON writer then refuses, so
echoing them in the 422 failed the answer itself with a 500, even before login.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.data.models import Role
from tests.factories import user_headers

JSON = {"Content-Type": "application/json"}
VALUES = ["NaN", "Infinity", "-Infinity", "1e400", '[NaN, {"x": -Infinity}]']


@pytest.mark.parametrize("value", VALUES)
def test_password_setup_without_login_answers_422_in_json(client: TestClient, value: str) -> None:
    body = f'{{"token": {value}, "password": "x"}}'.encode()
    response = client.post("/api/v1/auth/password-setup", content=body, headers=JSON)
    assert response.status_code == 422
    errors = json.loads(response.text)["detail"]  # strict JSON: no NaN or Infinity in it
    assert any(error["loc"] == ["body", "token"] for error in errors)
    assert "NaN" not in response.text and "Infinity" not in response.text


@pytest.mark.parametrize("value", VALUES)
def test_authenticated_bodies_answer_422_in_json(
    client: TestClient, engine: Engine, value: str
) -> None:
    learner = user_headers(client, engine, Role.LEARNER)
    attempt = f'{{"revision": {value}, "answers": {{"q1": {value}}}}}'.encode()
    response = client.post(
        "/api/v1/modules/hvorfor-innovasjon/attempts", content=attempt, headers={**learner, **JSON}
    )
    assert response.status_code == 422
    json.loads(response.text)
    admin = user_headers(client, engine, Role.ADMIN, email="ada@k.kommune.no")
    user = f'{{"email": {value}, "full_name": {value}, "municipality": "Asker"}}'.encode()
    created = client.post("/api/v1/users", content=user, headers={**admin, **JSON})
    assert created.status_code == 422
    json.loads(created.text)
