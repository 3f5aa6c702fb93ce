"""Migration 0008 on a database that has accounts: departments become units, and back."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, text

from api.core.db import make_engine
from api.data import migrate
from tests.conftest import Databases

ACCOUNTS = [
    # id, municipality number, department
    (1, "3203", "Helse og omsorg"),
    (2, "3203", "  helse OG omsorg "),  # the same unit, however it is written
    (3, "3203", "Oppvekst"),
    (4, "5610", "Helse og omsorg"),  # another municipality: a unit of its own
    (5, "9999", "Teknisk"),  # not in the register: kept as text
    (6, None, "Økonomi"),  # no number: kept as text
    (7, "3203", None),
    (8, "3203", "   "),
]


def _old_database(databases: Databases) -> Engine:
    engine = make_engine(databases.new_url())
    databases.engines.append(engine)
    migrate.upgrade(engine, "0006")
    with engine.begin() as connection:
        for user_id, number, department in ACCOUNTS:
            connection.execute(
                text(
                    'INSERT INTO "user" (id, email, full_name, role, municipality, '
                    "municipality_number, department, is_active, created_at) VALUES "
                    "(:id, :email, 'Navn', 'learner', 'Kommune', :number, :department, "
                    "true, '2026-01-05 07:30:00.000000')"
                ),
                {
                    "id": user_id,
                    "email": f"p{user_id}@k.no",
                    "number": number,
                    "department": department,
                },
            )
    return engine


def test_departments_become_units_and_the_downgrade_gives_the_text_back(
    databases: Databases,
) -> None:
    engine = _old_database(databases)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        units = connection.execute(
            text(
                "SELECT id, municipality_number, parent_id, name, path, depth FROM org_unit "
                "ORDER BY id"
            )
        ).all()
        users = dict(
            (row[0], row[1:])
            for row in connection.execute(
                text('SELECT id, unit_id, department_unmatched FROM "user" ORDER BY id')
            )
        )
    assert [(u[1], u[2], u[3], u[5]) for u in units] == [
        ("3203", None, "Helse og omsorg", 0),
        ("3203", None, "Oppvekst", 0),
        ("5610", None, "Helse og omsorg", 0),
    ]
    assert all(u[4] == f"/{u[0]}/" for u in units)
    health, schools, karasjok = (u[0] for u in units)
    assert users == {
        1: (health, None),
        2: (health, None),
        3: (schools, None),
        4: (karasjok, None),
        5: (None, "Teknisk"),
        6: (None, "Økonomi"),
        7: (None, None),
        8: (None, None),
    }
    migrate.check(engine)  # the migrated schema is the models' schema

    config = migrate.alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    with engine.connect() as connection:
        back = dict(connection.execute(text('SELECT id, department FROM "user" ORDER BY id')).all())
        tables = connection.execute(
            text("SELECT count(*) FROM enrollment")
        ).scalar_one()  # the tables that refer to "user" are untouched
    assert back == {
        1: "Helse og omsorg",
        2: "Helse og omsorg",
        3: "Oppvekst",
        4: "Helse og omsorg",
        5: "Teknisk",
        6: "Økonomi",
        7: None,
        8: None,
    }
    assert tables == 0
    migrate.upgrade(engine)  # and up again
    assert migrate.current(engine) == migrate.head()


def test_upgrading_keeps_the_rows_that_refer_to_accounts(databases: Databases) -> None:
    engine = _old_database(databases)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO enrollment (user_id, enrolled_at) VALUES "
                "(1, '2026-01-05 07:30:00.000000')"
            )
        )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM enrollment")).scalar_one() == 1
