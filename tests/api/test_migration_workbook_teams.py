"""Migration 0017 on a database with workbook answers: each saved step gets its first
turn of writing, by the person who saved it, so the authorship shows from the start."""

from __future__ import annotations

from sqlalchemy import text

from api.core.db import make_engine
from api.data import migrate
from tests.conftest import Databases

STAMP = "2026-12-01 07:30:00.000000"


def test_saved_steps_get_their_first_turn_and_the_downgrade_removes_the_tables(
    databases: Databases,
) -> None:
    engine = make_engine(databases.new_url())
    databases.engines.append(engine)
    migrate.upgrade(engine, "0016")
    with engine.begin() as connection:
        connection.execute(
            text(
                'INSERT INTO "user" (id, email, full_name, role, is_active, created_at) '
                "VALUES (1, 'p1@k.no', 'Kari', 'learner', true, :at)"
            ),
            {"at": STAMP},
        )
        connection.execute(
            text(
                "INSERT INTO project (id, title, personal_owner_id, created_at, updated_at) "
                "VALUES (4, '', 1, :at, :at)"
            ),
            {"at": STAMP},
        )
        connection.execute(
            text(
                "INSERT INTO workbook_entry (id, project_id, step_id, field_values, revision, "
                "updated_by, created_at, updated_at) VALUES "
                "(9, 4, 'm01-prosjekt', '{\"navn\": \"Trygg\"}', 3, 1, :at, :at)"
            ),
            {"at": STAMP},
        )
    migrate.upgrade(engine, "0017")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT entry_id, revision, field_values, author_id FROM workbook_revision")
        ).all()
        assert [tuple(row) for row in rows] == [(9, 3, '{"navn": "Trygg"}', 1)]
    migrate.downgrade(engine, "0016")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM workbook_entry")).scalar() == 1
