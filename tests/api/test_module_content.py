"""Module reads: encoded once per revision, never stale, compressed when asked."""

from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.app import create_app
from api.core.config import Settings
from api.data.models import CourseModule, Role
from api.services import authoring
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


def _order(engine: object) -> list[str]:
    with Session(engine) as session:  # type: ignore[call-overload]
        return [m.slug for m in live_modules_in_order(session)]


def live_modules_in_order(session: Session) -> list[CourseModule]:
    query = select(CourseModule).where(col(CourseModule.archived_at).is_(None))
    return list(session.exec(query.order_by(col(CourseModule.position), col(CourseModule.slug))))


def test_a_sync_keeps_an_instructors_order_until_a_file_moves(
    databases: Databases, shipped_course: Course
) -> None:
    engine = databases.new_engine(shipped_course)
    instructor = make_user(engine, role=Role.INSTRUCTOR)
    file_order = [m.slug for m in shipped_course.modules]
    assert _order(engine) == file_order
    chosen = [file_order[2], *file_order[:2], *file_order[3:]]
    with Session(engine) as session:
        authoring.reorder(session=session, slugs=chosen, actor=instructor)
        session.commit()

    # A restart imports the same files: the instructor's order stays.
    with Session(engine) as session:
        assert sync_content(session=session, course=shipped_course) == []
        session.commit()
    assert _order(engine) == chosen

    # A file that moved (renamed from NN- to a later number) moves its module, and only it.
    last = shipped_course.modules[-1].order
    moved = replace(shipped_course.modules[0], order=last + 1)
    course = replace(shipped_course, modules=(moved, *shipped_course.modules[1:]))
    with Session(engine) as session:
        assert sync_content(session=session, course=course) == []
        session.commit()
    assert _order(engine) == [s for s in chosen if s != moved.slug] + [moved.slug]
