"""One timestamp codec (``api.data.timestamps``) for the ORM and for plain SQL.

A timestamp written through the ORM (``UTCDateTime``) reads back equal through
``Statements`` and the other way round, on SQLite and PostgreSQL, for any offset,
microseconds and the edges of Norwegian summer time; both store the same value,
so SQL compares them alike.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.exc import StatementError
from sqlmodel import Session, select

from api.data import timestamps
from api.data.models import LoginFailure
from api.data.sql import Statements
from api.services.roster import LocalDates
from tests.conftest import Databases

OSLO = ZoneInfo("Europe/Oslo")
INSERT = "INSERT INTO login_failure (email, client, at) VALUES ('x@y.no', 'test', :at) RETURNING id"
SELECT = "SELECT at FROM login_failure WHERE id = :id"

VALUES = [
    datetime(2026, 1, 5, 7, 30, tzinfo=UTC),
    datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 3, 1, 4, 15, 0, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2026, 12, 31, 22, 0, 0, 1, tzinfo=timezone(timedelta(hours=-3))),  # next year in UTC
    datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=OSLO),  # the last instant of winter time
    datetime(2026, 3, 29, 3, 0, tzinfo=OSLO),  # the first of summer time
    datetime(2026, 10, 25, 2, 30, tzinfo=OSLO),  # 02:30 summer time (00:30 UTC) ...
    datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=OSLO),  # ... and winter time (01:30 UTC)
    datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),  # a three-digit year
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]
IDS = [value.isoformat() + (" fold" if value.fold else "") for value in VALUES]


def utc(value: datetime) -> datetime:
    """``value`` in UTC: aware values in a fold or gap never compare equal across zones."""
    return value.astimezone(UTC)


# Any aware datetime whose UTC instant Python can hold.
aware = st.datetimes(datetime(2, 1, 1), datetime(9998, 12, 31), timezones=st.timezones())


@given(aware, st.booleans())
def test_codec_reads_back_what_it_binds(value: datetime, sqlite: bool) -> None:
    read = timestamps.read(timestamps.bind(value, sqlite=sqlite))
    assert read == utc(value)
    assert read is not None and read.tzinfo is UTC


@given(aware)
def test_sqlite_text_sorts_as_time_and_starts_with_the_utc_hour(value: datetime) -> None:
    stored = timestamps.bind(value, sqlite=True)
    assert isinstance(stored, str) and len(stored) == 26
    u = utc(value)
    hour = f"{u.year:04d}-{u.month:02d}-{u.day:02d} {u.hour:02d}"
    assert stored[: timestamps.SQLITE_HOUR_PREFIX] == hour
    later = timestamps.bind(utc(value) + timedelta(microseconds=1), sqlite=True)
    assert isinstance(later, str) and later > stored


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(timestamps.NaiveDatetime):
        timestamps.bind(datetime(2026, 1, 5, 7, 30), sqlite=True)
    with pytest.raises(timestamps.NaiveDatetime):
        timestamps.bind(datetime(2026, 1, 5, 7, 30), sqlite=False)


@pytest.fixture(scope="module")
def migrated(databases: Databases) -> Engine:
    return databases.new_engine()


def _orm_write(engine: Engine, value: datetime) -> int:
    with Session(engine) as session:
        row = LoginFailure(email="x@y.no", client="test", at=value)
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def _orm_read(engine: Engine, row_id: int) -> datetime:
    with Session(engine) as session:
        row = session.get(LoginFailure, row_id)
        assert row is not None
        return row.at


def _plain_write(engine: Engine, value: datetime) -> int:
    with engine.begin() as connection:
        db = Statements.of(connection)
        inserted = db.one(INSERT, {"at": db.timestamp(value)})
        assert inserted is not None
        return int(inserted[0])


def _plain_read(engine: Engine, row_id: int) -> tuple[datetime | None, object]:
    """The value as ``Statements`` reads it, and as the driver returned it."""
    with engine.connect() as connection:
        db = Statements.of(connection)
        found = db.one(SELECT, {"id": row_id})
        assert found is not None
        return db.datetime(found[0]), found[0]


@pytest.mark.parametrize("value", VALUES, ids=IDS)
def test_a_timestamp_reads_back_equal_whichever_way_it_was_written(
    migrated: Engine, value: datetime
) -> None:
    by_orm, by_plain = _orm_write(migrated, value), _plain_write(migrated, value)

    for row_id in (by_orm, by_plain):
        orm, (plain, _) = _orm_read(migrated, row_id), _plain_read(migrated, row_id)
        assert orm == plain == utc(value)
        assert orm.tzinfo is UTC and plain is not None and plain.tzinfo is UTC
    assert _plain_read(migrated, by_orm)[1] == _plain_read(migrated, by_plain)[1]  # stored alike
    with Session(migrated) as session:
        found = session.exec(select(LoginFailure.id).where(LoginFailure.at == value)).all()
    assert {by_orm, by_plain} <= set(found)


@pytest.mark.parametrize("value", VALUES, ids=IDS)
def test_statements_inline_as_literals_compare_like_bound_values(
    migrated: Engine, value: datetime
) -> None:
    row_id = _orm_write(migrated, value)
    query = select(LoginFailure.id).where(LoginFailure.at == value)
    inline = str(query.compile(migrated, compile_kwargs={"literal_binds": True}))
    with migrated.connect() as connection:
        assert row_id in connection.exec_driver_sql(inline).scalars().all()


def test_postgres_session_time_zone_does_not_change_what_is_read(
    migrated: Engine, db_kind: str
) -> None:
    if db_kind != "postgres":
        pytest.skip("SQLite has no session time zone")
    engine = migrated
    value = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=OSLO)
    row_id = _orm_write(engine, value)
    with engine.connect() as connection:
        connection.exec_driver_sql("SET TIME ZONE 'America/St_Johns'")  # UTC-03:30 now
        db = Statements.of(connection)
        found = db.one(SELECT, {"id": row_id})
        assert found is not None and found[0].utcoffset() != timedelta(0)
        assert db.datetime(found[0]) == utc(value)
        with Session(bind=connection) as session:
            row = session.get(LoginFailure, row_id)
            assert row is not None and row.at == utc(value) and row.at.tzinfo is UTC


def test_naive_datetimes_are_refused_by_the_orm_and_by_statements(migrated: Engine) -> None:
    naive = datetime(2026, 1, 5, 7, 30)
    with pytest.raises(StatementError) as refused, Session(migrated) as session:
        session.add(LoginFailure(email="x@y.no", client="test", at=naive))
        session.flush()
    assert isinstance(refused.value.orig, timestamps.NaiveDatetime)
    with migrated.connect() as connection, pytest.raises(timestamps.NaiveDatetime):
        Statements.of(connection).timestamp(naive)


@pytest.mark.parametrize("value", VALUES[:8], ids=IDS[:8])
def test_roster_dates_read_stored_timestamps_through_the_codec(value: datetime) -> None:
    day = value.astimezone(OSLO).date()
    for sqlite in (True, False):
        stored = timestamps.bind(value, sqlite=sqlite)
        assert isinstance(stored, str | datetime)
        dates = LocalDates()
        assert dates(stored) == day
        assert dates.iso(stored) == day.isoformat()
