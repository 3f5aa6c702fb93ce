"""The completion roster (one row per learner) and the per-municipality summary.

The whole roster is one SQL query, with each module's best quiz score as a
column; rows are streamed in batches from a connection of their own, so
memory stays flat however many learners there are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType
from sqlmodel import Session

from api.core.db import transaction
from api.core.errors import UnitNotFound
from api.data import timestamps
from api.data.models import Role, User, metadata
from api.data.timestamps import SQLITE_HOUR_PREFIX, oslo_day_end_utc, oslo_midnight_utc
from api.services import audit, municipalities, org_units, user_municipality
from api.services.content import LiveModule
from api.services.contracts import RosterFilters as RosterFilters
from api.services.scope import Actor, Capability, Scope
from course.progress import ModuleStatus, counted_slugs, progress_percent

OSLO = ZoneInfo("Europe/Oslo")
BATCH = 1000
_STATUSES = {status.value: status for status in ModuleStatus}  # faster than ModuleStatus(value)
_users = metadata.tables["user"]
_enrollments = metadata.tables["enrollment"]
_progress = metadata.tables["module_progress"]
_certificates = metadata.tables["certificate"]
_municipalities = metadata.tables["municipality"]
UNKNOWN_MUNICIPALITY = "Ukjent kommune"  # how exports and pages show accounts without one


@dataclass(frozen=True, slots=True)
class RosterModule:
    id: int
    slug: str
    title: str
    has_quiz: bool
    counted: bool = True  # counts towards completion (``course.progress.counted_slugs``)


@dataclass(frozen=True, slots=True)
class RosterRecord:
    user_id: int
    full_name: str
    email: str
    municipality: str | None  # the register's name; None: no municipality matched
    municipality_number: str | None
    county: str | None
    unit: str | None  # the primary unit's path of names
    active: bool
    enrolled_on: date | None
    status: ModuleStatus
    modules_completed: int  # of the modules that count towards completion
    modules_total: int
    percent: int  # over those, as ``course.progress.progress_percent``
    optional_completed: int
    optional_total: int
    best_scores: tuple[float | None, ...]  # one per quiz module, in course order
    completed_on: date | None
    certificate_code: str | None
    certificate_status: str | None  # "valid" or "revoked"


@dataclass(frozen=True, slots=True)
class Roster:
    """What to export: the course's modules, its version, and the filters."""

    modules: tuple[RosterModule, ...]
    course_version: str
    filters: RosterFilters
    scope: Scope  # whose rows the reader may see (``api.services.scope``)
    unit_labels: Mapping[int, str] = dataclasses.field(default_factory=dict)
    unit_path: str | None = None  # of ``filters.unit``: the subtree the roster is limited to
    county_numbers: tuple[str, ...] | None = None  # what ``filters.county`` means

    @property
    def quiz_modules(self) -> tuple[RosterModule, ...]:
        return tuple(m for m in self.modules if m.has_quiz)

    @property
    def counted_total(self) -> int:
        return sum(m.counted for m in self.modules)

    @property
    def optional_total(self) -> int:
        return len(self.modules) - self.counted_total


def roster_modules(modules: Sequence[LiveModule]) -> tuple[RosterModule, ...]:
    counted = set(counted_slugs((m.slug, m.content.required) for m in modules))
    return tuple(
        RosterModule(m.id, m.slug, m.content.title, m.content.quiz is not None, m.slug in counted)
        for m in modules
    )


def new_roster(
    *,
    session: Session,
    actor: Actor,
    modules: Sequence[LiveModule],
    course_version: str,
    filters: RosterFilters,
) -> Roster:
    """The roster's specification for the actor, with every unit's path of names (and the
    unit filtered on, which must be one the actor may see: else UnitNotFound)."""
    scope = actor.require(Capability.READ_PEOPLE)
    unit_path = None
    if filters.unit is not None:
        unit = org_units.get_unit(session=session, unit_id=filters.unit)
        if not scope.covers_unit(unit):
            raise UnitNotFound()
        unit_path = unit.path
    counties = None
    if filters.county is not None:
        counties = tuple(municipalities.counties_meant(session=session, text=filters.county))
    return Roster(
        roster_modules(modules),
        course_version,
        filters,
        scope,
        org_units.all_labels(session=session),
        unit_path,
        counties,
    )


def record_export(
    *,
    engine: Engine,
    actor: User | None,
    format: str,
    filters: RosterFilters,
    scope: Scope | None = None,
) -> None:
    """Audit a roster export (the API, the pages, the command line) with its filters.

    In a short write transaction of its own: the export itself only reads, and on
    SQLite writing in a read transaction can fail if another request committed.
    """
    with transaction(engine, write=True) as session:
        audit.record(
            session=session,
            actor=actor,
            action=audit.Action.ROSTER_EXPORT,
            target="roster",
            details={
                "format": format,
                "filters": filters.audited(),
                "scope": (scope or Scope.whole()).audited(),
            },
            municipality=single_municipality(scope),
        )


def single_municipality(scope: Scope | None) -> str | None:
    """The municipality a scope lies in, if it is one (for the audit log)."""
    if scope is None or scope.everything or scope.unit_paths or len(scope.municipalities) != 1:
        return None
    return next(iter(scope.municipalities))


def _raw(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The column as the driver returns it, for ``LocalDates`` (see there)."""
    return type_coerce(column, NullType())


def municipality_numbers(connection: Connection, filters: RosterFilters) -> list[str] | None:
    """The municipality numbers the filter means (``user_municipality.numbers_meant``), read
    from the register on ``connection``; None when the filter is not given."""
    if filters.municipality is None:
        return None
    with Session(connection) as session:
        index = user_municipality.MunicipalityIndex.load(session=session)
    return sorted(index.numbers_meant(filters.municipality))


def roster_query(roster: Roster, municipalities: list[str] | None = None) -> Select[Any]:
    """One row per learner: account, enrollment, progress counts, best scores, certificate.

    Progress rows are joined and aggregated per learner in the same query (not in
    a subquery): PostgreSQL then plans well even before the tables have statistics.
    ``municipalities`` are the numbers the municipality filter means (``municipality_numbers``).
    """
    u, e, c, p, f = _users.c, _enrollments.c, _certificates.c, _progress.c, roster.filters
    m = _municipalities.c
    counted_ids = [m.id for m in roster.modules if m.counted]
    optional_ids = [m.id for m in roster.modules if not m.counted]
    touched = or_(p.read_at.is_not(None), p.attempt_count > 0, p.completed_at.is_not(None))
    status = case(
        (e.completed_at.is_not(None), literal(ModuleStatus.COMPLETED.value)),
        (func.count(case((touched, 1))) > 0, literal(ModuleStatus.IN_PROGRESS.value)),
        else_=literal(ModuleStatus.NOT_STARTED.value),
    )
    done = func.count(case((and_(p.completed_at.is_not(None), p.module_id.in_(counted_ids)), 1)))
    optional_done = func.count(
        case((and_(p.completed_at.is_not(None), p.module_id.in_(optional_ids)), 1))
    )
    best = [func.max(case((p.module_id == m.id, p.best_score))) for m in roster.quiz_modules]
    # The learner's current certificate: the latest (a new one is issued only after a
    # revocation, so the latest is the valid one if there is one).
    newer = _certificates.alias("newer_certificate")
    latest = ~(
        select(newer.c.id)
        .where(newer.c.user_id == c.user_id, newer.c.course_version == c.course_version)
        .where(newer.c.id > c.id)
        .exists()
    )
    joined = (
        _users.outerjoin(_municipalities, m.number == u.municipality_number)
        .outerjoin(_enrollments, e.user_id == u.id)
        .outerjoin(
            _certificates,
            and_(c.user_id == u.id, c.course_version == roster.course_version, latest),
        )
        .outerjoin(_progress, p.user_id == u.id)
    )
    # The column order is read by ``records`` and by ``roster_export.csv_chunks``.
    query = (
        select(
            u.id, u.full_name, u.email, m.name, u.municipality_number, m.county_name,
            u.unit_id, u.is_active, _raw(e.enrolled_at), _raw(e.completed_at),
            status, done, optional_done,
            *best,
            c.code, _raw(c.revoked_at),
        )
        .select_from(joined)
        .where(u.role == Role.LEARNER.value, u.erased_at.is_(None), roster.scope.people())
        .group_by(u.id, m.number, e.id, c.id)
        # Accounts without a municipality ("Ukjent kommune") last, on every database.
        .order_by(m.number.is_(None), m.name, u.full_name, u.id)
    )  # fmt: skip
    if f.municipality is not None:
        numbers = municipalities or []
        query = query.where(u.municipality_number.in_(numbers) if numbers else false())
    if roster.unit_path is not None:
        query = query.where(org_units.in_subtree(roster.unit_path))
    if roster.county_numbers is not None:
        query = query.where(m.county_number.in_(roster.county_numbers))
    if f.completed_from is not None:
        query = query.where(e.completed_at >= oslo_midnight_utc(f.completed_from))
    if f.completed_to is not None:
        query = query.where(e.completed_at < oslo_day_end_utc(f.completed_to))
    if f.status is not None:
        query = query.having(status == f.status.value)
    return query


def count_roster(*, session: Session, roster: Roster) -> int:
    connection = session.connection()
    numbers = municipality_numbers(connection, roster.filters)
    query = roster_query(roster, numbers).order_by(None).subquery()
    return int(connection.execute(select(func.count()).select_from(query)).scalar_one())


def roster_page(
    *, session: Session, roster: Roster, limit: int, offset: int = 0
) -> list[RosterRecord]:
    """One page of the roster as records, in the exports' order (for the web page)."""
    connection = session.connection()
    numbers = municipality_numbers(connection, roster.filters)
    query = roster_query(roster, numbers).limit(limit).offset(offset)
    return records(connection.execute(query).all(), roster, LocalDates())


class LocalDates:
    """UTC timestamps as days in Norway, fast enough for a roster of 100,000 rows.

    The columns are read without their type processing: SQLite hands over text,
    PostgreSQL aware datetimes, each read by ``api.data.timestamps``. A UTC
    instant's date in Norway depends only on its UTC date and hour (the offset
    changes on the hour), so text is parsed once per distinct hour.
    """

    def __init__(self) -> None:
        self._by_hour: dict[str, date] = {}
        self._iso_by_hour: dict[str, str] = {}

    def __call__(self, value: str | datetime | None) -> date | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return _oslo_date(value)
        hour = value[:SQLITE_HOUR_PREFIX]
        found = self._by_hour.get(hour)
        if found is None:
            found = self._by_hour[hour] = _oslo_date(value)
        return found

    def iso(self, value: str | datetime | None) -> str:
        """The day as ``YYYY-MM-DD``, or "" for None."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            return str(self(value))
        hour = value[:SQLITE_HOUR_PREFIX]
        found = self._iso_by_hour.get(hour)
        if found is None:
            found = self._iso_by_hour[hour] = str(self(value))
        return found


def _oslo_date(stored: str | datetime) -> date:
    instant = timestamps.read(stored)
    assert instant is not None
    return instant.astimezone(OSLO).date()


def records(rows: Sequence[Any], roster: Roster, local_date: LocalDates) -> list[RosterRecord]:
    """Rows of ``roster_query`` as records."""
    total, optional_total = roster.counted_total, roster.optional_total
    quizzes = len(roster.quiz_modules)
    result = []
    for row in rows:
        uid, name, email, municipality, number, county, unit_id, active = row[:8]
        enrolled, completed, status, done, optional_done = row[8:13]
        code, revoked_at = row[13 + quizzes], row[14 + quizzes]
        result.append(
            RosterRecord(
                user_id=uid,
                full_name=name,
                email=email,
                municipality=municipality,
                municipality_number=number,
                county=county,
                unit=roster.unit_labels.get(unit_id) if unit_id is not None else None,
                active=bool(active),
                enrolled_on=local_date(enrolled),
                status=_STATUSES[status],
                modules_completed=done,
                modules_total=total,
                percent=progress_percent(done, total),
                optional_completed=optional_done,
                optional_total=optional_total,
                best_scores=tuple(row[13 : 13 + quizzes]),
                completed_on=local_date(completed),
                certificate_code=code,
                certificate_status=None if code is None else "revoked" if revoked_at else "valid",
            )
        )
    return result


def stream_rows(
    *, engine: Engine, roster: Roster, batch: int = BATCH
) -> Generator[Sequence[Any], None, None]:
    """Rows of ``roster_query`` in batches, read on a connection of their own (a
    server-side cursor on PostgreSQL). Close the iterator to end the read early."""
    with engine.connect() as connection:
        query = roster_query(roster, municipality_numbers(connection, roster.filters))
        result = connection.execution_options(yield_per=batch).execute(query)
        yield from result.partitions()


def stream(
    *, engine: Engine, roster: Roster, batch: int = BATCH
) -> Generator[list[RosterRecord], None, None]:
    """The roster as records, in batches (see ``stream_rows``)."""
    local_date = LocalDates()
    with closing(stream_rows(engine=engine, roster=roster, batch=batch)) as batches:
        for rows in batches:
            yield records(rows, roster, local_date)


@dataclass(frozen=True, slots=True)
class MunicipalityRow:
    municipality: str | None  # None: the accounts whose municipality matched nothing
    municipality_number: str | None
    county: str | None
    enrolled: int
    started: int
    completed: int

    @property
    def completion_rate(self) -> float:
        return round(self.completed / self.enrolled, 4) if self.enrolled else 0.0


def municipality_summary(
    *, session: Session, actor: Actor, county: str | None = None
) -> list[MunicipalityRow]:
    """Learners enrolled, started and completed per municipality number, erased ones
    included; those without a municipality together, last. Only the actor's people count;
    ``county`` (a name or number) keeps that county's municipalities."""
    scope = actor.require(Capability.READ_PEOPLE)
    u, e, p, m = _users.c, _enrollments.c, _progress.c, _municipalities.c
    # Correlated, so only the people in scope are looked up (not every learner's progress).
    touched = (
        select(p.user_id)
        .where(
            p.user_id == u.id,
            or_(p.read_at.is_not(None), p.attempt_count > 0, p.completed_at.is_not(None)),
        )
        .exists()
    )
    started = or_(e.completed_at.is_not(None), touched)
    query = (
        select(
            m.name,
            u.municipality_number,
            m.county_name,
            func.count(),
            func.count(case((started, 1))),
            func.count(e.completed_at),
        )
        .select_from(
            _users.join(_enrollments, e.user_id == u.id).outerjoin(
                _municipalities, m.number == u.municipality_number
            )
        )
        .where(u.role == Role.LEARNER.value, scope.people())
        .group_by(u.municipality_number, m.number)
        .order_by(m.number.is_(None), m.name, u.municipality_number)
    )
    if county is not None:
        query = query.where(
            m.county_number.in_(municipalities.counties_meant(session=session, text=county))
        )
    return [MunicipalityRow(*row) for row in session.connection().execute(query).all()]
