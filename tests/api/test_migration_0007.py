"""Migration 0007 on a database that has accounts with free-text municipalities.

Each account keeps its municipality when the number or the text names exactly one in the
register; the others keep their text in ``municipality_unmatched``; the downgrade writes the
text back. On SQLite the table is rebuilt, so the rows that refer to accounts must survive too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert, inspect, select, text

from api.core.db import make_engine
from api.data import migrate
from tests.conftest import Databases

# (free text, number as stored before 0007) -> (number after, unmatched text after)
CASES: dict[tuple[str, str | None], tuple[str | None, str | None]] = {
    ("Asker", "3203"): ("3203", None),  # a valid number
    ("Halden", "3001"): ("3101", None),  # an old number, renumbered on 1 January 2024
    ("Asker", "0301"): ("0301", None),  # the number decides over the text
    ("Haram", "1507"): ("1580", None),  # a split number is not followed; the name decides
    ("", "1507"): (None, "(1507)"),  # a split number and nothing else: not guessed
    ("Asker", "9999"): ("3203", None),  # an unknown number, a known name
    ("oslo", None): ("0301", None),
    ("OSLO ", ""): ("0301", None),
    ("Bærum", None): ("3201", None),
    ("baerum", None): ("3201", None),  # search_key folds æ and ae alike
    ("Guovdageaidnu", None): ("5612", None),  # the Sami part of "Guovdageaidnu - Kautokeino"
    ("Kárášjohka - Karasjok", None): ("5610", None),  # the Sami-Norwegian form itself
    ("karasjohka", None): ("5610", None),
    ("0301", None): ("0301", None),  # a number written as the text
    ("0301 Oslo", None): ("0301", None),
    ("301", None): ("0301", None),  # as a spreadsheet writes 0301
    ("Herøy", None): (None, "Herøy"),  # two municipalities: ambiguous
    ("Herøy (Nordland)", None): ("1818", None),  # the register's own distinguishing form
    ("Sentrum", None): (None, "Sentrum"),
    ("Sentrum", "9999"): (None, "Sentrum (9999)"),  # nothing dropped: the number is kept
    ("", None): (None, ""),
}


@pytest.fixture
def at_0006(databases: Databases) -> Iterator[Engine]:
    engine = make_engine(databases.new_url())
    databases.engines.append(engine)
    migrate.upgrade(engine, "0006")
    yield engine


def _add_accounts(engine: Engine) -> dict[int, tuple[str, str | None]]:
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    created = {}
    with engine.begin() as connection:
        for index, (municipality, number) in enumerate(CASES):
            user_id = index + 1
            connection.execute(
                text(
                    'INSERT INTO "user" (id, email, full_name, role, municipality, '
                    "municipality_number, is_active, created_at) VALUES (:id, :email, "
                    ":name, 'learner', :municipality, :number, :active, :at)"
                ),
                {
                    "id": user_id,
                    "email": f"person{user_id}@kommune.no",
                    "name": f"Person {user_id}",
                    "municipality": municipality,
                    "number": number,
                    "active": True,
                    "at": now.isoformat(" ") if engine.dialect.name == "sqlite" else now,
                },
            )
            created[user_id] = (municipality, number)
        enrollment = inspect(engine).get_columns("enrollment")  # the columns at 0006
        assert {c["name"] for c in enrollment} >= {"user_id", "enrolled_at"}
        connection.execute(
            text('INSERT INTO enrollment (user_id, enrolled_at) SELECT id, created_at FROM "user"')
        )
    return created


def test_upgrade_matches_by_number_then_name_and_keeps_what_did_not_match(
    at_0006: Engine,
) -> None:
    created = _add_accounts(at_0006)
    migrate.upgrade(at_0006)
    with at_0006.connect() as connection:
        rows = connection.execute(
            text('SELECT id, municipality_number, municipality_unmatched FROM "user"')
        ).all()
        enrollments = connection.execute(text("SELECT count(*) FROM enrollment")).scalar_one()
    found = {created[uid]: (number, unmatched) for uid, number, unmatched in rows}
    assert found == CASES
    assert enrollments == len(CASES)  # rebuilding the table on SQLite cascaded nothing
    columns = {c["name"] for c in inspect(at_0006).get_columns("user")}
    assert "municipality" not in columns and "municipality_unmatched" in columns
    keys = inspect(at_0006).get_foreign_keys("user")
    assert [k["constrained_columns"] for k in keys if k["referred_table"] == "municipality"] == [
        ["municipality_number"]
    ]
    migrate.check(at_0006)  # the models describe the migrated schema


def test_the_foreign_key_refuses_a_number_the_register_does_not_know(at_0006: Engine) -> None:
    migrate.upgrade(at_0006)
    from sqlalchemy.exc import IntegrityError

    from api.data.models import User

    with pytest.raises(IntegrityError), at_0006.begin() as connection:
        connection.execute(
            insert(User.__table__).values(  # type: ignore[arg-type]
                email="x@kommune.no",
                full_name="X",
                role="learner",
                municipality_number="9999",
                is_active=True,
                created_at=datetime.now(UTC),
            )
        )


def test_downgrade_writes_the_text_back(at_0006: Engine) -> None:
    created = _add_accounts(at_0006)
    migrate.upgrade(at_0006)
    migrate.downgrade(at_0006, "0006")
    with at_0006.connect() as connection:
        rows = connection.execute(
            text('SELECT id, municipality, municipality_number FROM "user"')
        ).all()
        names = dict(
            connection.execute(
                select(text("number"), text("name")).select_from(text("municipality"))
            ).all()
        )
    assert migrate.current(at_0006) == "0006"
    for uid, municipality, number in rows:
        after_number, unmatched = CASES[created[uid]]
        assert number == after_number
        # The register's name where one matched ("oslo" comes back as "Oslo"), else the text.
        assert municipality == (names[after_number] if after_number else unmatched)
