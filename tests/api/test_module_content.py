"""Module reads: encoded once per revision, never stale, compressed when asked."""

from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from api.app import create_app
from api.config import Settings
from api.services.content import sync_content
from course.models import Course
from tests.conftest import Databases
from tests.factories import login, make_user, user_headers


def test_module_json_is_gzip_encoded_only_for_clients_that_accept_it(
    client: TestClient, engine: object, shipped_course: Course
) -> None:
    headers = user_headers(client, engine)  # type: ignore[arg-type]
    slug = shipped_course.modules[0].slug
    raw = client.get(f"/api/v1/modules/{slug}", headers={**headers, "Accept-Encoding": "identity"})
    assert "Content-Encoding" not in raw.headers
    assert raw.headers["Vary"] == "Accept-Encoding"
    packed = client.stream(
        "GET", f"/api/v1/modules/{slug}", headers={**headers, "Accept-Encoding": "gzip"}
    )
    with packed as response:
        assert response.headers["Content-Encoding"] == "gzip"
        body = b"".join(response.iter_raw())
    assert gzip.decompress(body) == raw.content
    assert raw.json()["title"] == shipped_course.modules[0].title


def test_an_edit_by_another_process_is_served_at_once(
    databases: Databases, shipped_course: Course, tmp_path: Path
) -> None:
    engine = databases.new_engine(shipped_course)
    user = make_user(engine)
    # Two app instances stand for two server processes with their own caches.
    settings = Settings(data_dir=tmp_path, secret_key="k" * 40)
    first, second = create_app(settings, engine=engine), create_app(settings, engine=engine)
    module = shipped_course.modules[0]
    with TestClient(first) as a, TestClient(second) as b:
        headers = login(a, user.email)
        before = a.get(f"/api/v1/modules/{module.slug}", headers=headers).json()
        assert b.get(f"/api/v1/modules/{module.slug}", headers=headers).json() == before

        edited = module.source.replace("\n# ", "\n# Oppdatert: ", 1)
        assert edited != module.source
        new_course = replace(shipped_course, modules=(replace(module, source=edited),))
        with Session(engine) as session:
            assert sync_content(session=session, course=new_course) == [module.slug]
            session.commit()

        for client in (a, b):
            after = client.get(f"/api/v1/modules/{module.slug}", headers=headers).json()
            assert after["revision"] == before["revision"] + 1
            assert "Oppdatert: " in after["html"]
