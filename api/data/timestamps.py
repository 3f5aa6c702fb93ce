"""How timestamps are stored: the one codec for the ORM and for plain SQL.

``api.data.models.UTCDateTime`` (every timestamp column) and ``api.data.sql.Statements``
both bind and read through ``bind`` and ``read``, so a row written one way
reads back equal the other way, and both compare alike in SQL.

In Python a timestamp is always an aware datetime; it is stored as UTC. PostgreSQL
keeps ``timestamptz`` itself (psycopg binds and returns aware datetimes). SQLite has
no timestamp type: it stores naive UTC text, ``YYYY-MM-DD HH:MM:SS.ffffff``, fixed
width so that text order is time order (SQLAlchemy's own format for SQLite).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The stored text up to the hour ("YYYY-MM-DD HH"): equal prefixes are the same UTC hour.
SQLITE_HOUR_PREFIX = 13
_SQLITE_WIDTH = 26  # "YYYY-MM-DD HH:MM:SS.ffffff"
_OSLO = ZoneInfo("Europe/Oslo")
# Records are dated within these days; a filter's day outside them is moved to the nearer
# one (the same rows, and no date arithmetic that overflows).
EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)


class NaiveDatetime(ValueError):
    """A datetime without a zone: which instant it means is unknown, so it is not stored."""

    def __init__(self, value: datetime) -> None:
        super().__init__(f"naive datetime {value!r}: timestamps must be timezone-aware")


def bind(value: datetime | None, *, sqlite: bool) -> datetime | str | None:
    """``value`` as a statement parameter for a timestamp column."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise NaiveDatetime(value)
    utc = value.astimezone(UTC)
    # isoformat always writes four-digit years and six-digit microseconds; drop "+00:00".
    return utc.isoformat(" ", "microseconds")[:_SQLITE_WIDTH] if sqlite else utc


def read(value: object) -> datetime | None:
    """A timestamp column's value, as either database returns it, as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"not a stored timestamp: {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def literal(value: datetime | None, *, sqlite: bool) -> str:
    """``value`` as an SQL literal (for statements compiled with their values inline)."""
    stored = bind(value, sqlite=sqlite)
    if stored is None:
        return "NULL"
    return f"'{stored if isinstance(stored, str) else stored.isoformat()}'"


def oslo_midnight_utc(day: date) -> datetime:
    """The midnight in Norway that starts ``day`` (kept within EARLIEST–LATEST), in UTC."""
    return datetime.combine(min(max(day, EARLIEST), LATEST), time(), _OSLO).astimezone(UTC)


def oslo_day_end_utc(day: date) -> datetime:
    """The midnight in Norway that ends ``day`` (kept within EARLIEST–LATEST), in UTC."""
    following = min(max(day, EARLIEST), LATEST) + timedelta(days=1)
    return datetime.combine(following, time(), _OSLO).astimezone(UTC)


def oslo_today() -> date:
    """Today's date in Norway."""
    return datetime.now(_OSLO).date()
