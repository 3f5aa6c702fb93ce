"""Migration 0010 on a database with certificates: each gets a status index, in issue order."""

from __future__ import annotations

from sqlalchemy import Engine, text

from api.core.db import make_engine
from api.data import migrate
from tests.conftest import Databases

STAMP = "2026-01-05 07:30:00.000000"


def _old_database(databases: Databases) -> Engine:
    engine = make_engine(databases.new_url())
    databases.engines.append(engine)
    migrate.upgrade(engine, "0009")
    with engine.begin() as connection:
        connection.execute(
            text(
                'INSERT INTO "user" (id, email, full_name, role, is_active, '
                "created_at) VALUES (1, 'p1@k.no', 'Navn', 'learner', true, :at)"
            ),
            {"at": STAMP},
        )
        for certificate_id, code, version in ((7, "AAAA-AAAA-AA1", "1"), (3, "AAAA-AAAA-AA2", "2")):
            connection.execute(
                text(
                    "INSERT INTO certificate (id, code, user_id, course_slug, course_version, "
                    "course_title, holder_name, municipality, completed_at, issued_at) VALUES "
                    "(:id, :code, 1, 'kurs', :version, 'Kurs', 'Kari', 'Asker', :at, :at)"
                ),
                {"id": certificate_id, "code": code, "version": version, "at": STAMP},
            )
    return engine


def test_existing_certificates_get_status_indices_and_the_downgrade_removes_them(
    databases: Databases,
) -> None:
    engine = _old_database(databases)
    migrate.upgrade(engine, "0010")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, status_index FROM certificate ORDER BY id")
        ).all()
        assert [tuple(row) for row in rows] == [(3, 0), (7, 1)]
        assert connection.execute(text("SELECT count(*) FROM badge_key")).scalar() == 0
    migrate.downgrade(engine, "0009")
    with engine.connect() as connection:
        columns = connection.execute(text("SELECT * FROM certificate")).keys()
        assert "status_index" not in columns
