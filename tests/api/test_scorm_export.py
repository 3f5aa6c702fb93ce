"""``GET /api/v1/export/scorm``: staff only, the same package as the builder, errors typed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.data.models import Role
from course.models import Course
from course.scorm import ScormVersion
from tests.factories import user_headers
from tests.scorm_support import files, package

URL = "/api/v1/export/scorm"


def test_an_instructor_gets_the_course_package(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    headers = user_headers(client, engine, Role.INSTRUCTOR)
    response = client.get(URL, params={"version": "1.2"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == (
        'attachment; filename="innovasjon-i-kommunal-sektor-scorm12.zip"'
    )
    assert response.content == package(shipped_course, ScormVersion.V1_2)


def test_one_module_without_its_quiz(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    headers = user_headers(client, engine, Role.ADMIN)
    params = {"version": "2004", "module": "samskaping", "quiz": "false"}
    response = client.get(URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    expected = package(shipped_course, ScormVersion.V2004, slug="samskaping", include_quiz=False)
    assert response.content == expected
    assert "samskaping/index.html" in files(response.content)


def test_learners_and_strangers_get_nothing(client: TestClient, engine: Engine) -> None:
    assert client.get(URL, params={"version": "1.2"}).status_code == 401
    learner = user_headers(client, engine, Role.LEARNER)
    response = client.get(URL, params={"version": "1.2"}, headers=learner)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_bad_requests_are_typed(client: TestClient, engine: Engine) -> None:
    headers = user_headers(client, engine, Role.INSTRUCTOR)
    unknown = client.get(URL, params={"version": "1.2", "module": "finnes-ikke"}, headers=headers)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "module_not_found")
    nynorsk = client.get(URL, params={"version": "1.2", "form": "nn"}, headers=headers)
    assert (nynorsk.status_code, nynorsk.json()["code"]) == (422, "edition_not_available")
    assert "Nynorsk-utgaven av kurset finnes ikke ennå" in nynorsk.json()["detail"]
    version = client.get(URL, params={"version": "3"}, headers=headers)
    assert (version.status_code, version.json()["code"]) == (422, "invalid")
    assert client.get(URL, headers=headers).status_code == 422
