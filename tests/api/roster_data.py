"""A large, varied roster written straight into the tables (Core executemany; COPY on PostgreSQL).

Used by the 10,000-learner tests and by ``bench/bench_roster.py``: going through
the services would hash a password per learner and take minutes.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, func, select, text

from api.data.models import (
    Certificate,
    CourseModule,
    Enrollment,
    ModuleProgress,
    OrgUnit,
    User,
)
from api.services.unit_paths import name_key

# As the register names them (the name and the number a certificate and the roster show).
MUNICIPALITIES = (
    ("Oslo", "0301"),
    ("Asker", "3203"),
    ("Bergen", "4601"),
    ("Tromsø", "5501"),
    ("Kautokeino", "5612"),
    ("Karasjok", "5610"),
    ("Bø", "1867"),
    ("Våler", "3419"),
)
DEPARTMENTS = ("Helse og omsorg", "Oppvekst", "Teknisk", "Økonomi", None)
FIRST = ("Áigin", "Kari", "Ola", "Ingrid", "Máret", "Ørjan", "Łukasz", "Siv", "Nils", "Åse")
LAST = ("Ŋuolla", "Nordmann", "Sæther", "Ødegård", "Čuđe", "Haugen", "Müller", "Berg")
START = datetime(2026, 1, 5, 7, 30, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class BuiltRoster:
    learners: int
    completed: int
    in_progress: int
    not_started: int
    first_id: int


def _tables() -> tuple[Table, Table, Table, Table]:
    return (
        cast(Table, User.__table__),
        cast(Table, Enrollment.__table__),
        cast(Table, ModuleProgress.__table__),
        cast(Table, Certificate.__table__),
    )


def _insert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), list(rows))
        return
    columns = list(rows[0])
    raw: Any = connection.connection.driver_connection
    quoted = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _chunks(rows: list[dict[str, Any]], size: int = 20_000) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _units(connection: Connection) -> dict[tuple[str, str | None], int]:
    """A top-level unit per municipality and department name: (number, name) -> id."""
    table = cast(Table, OrgUnit.__table__)
    found: dict[tuple[str, str | None], int] = {}
    for _, number in MUNICIPALITIES:
        for name in DEPARTMENTS:
            if name is None:
                continue
            existing = connection.execute(
                select(table.c.id).where(
                    table.c.municipality_number == number,
                    table.c.name == name,
                    table.c.parent_id.is_(None),
                    table.c.closed_at.is_(None),
                )
            ).scalar()
            if existing is None:
                existing = connection.execute(
                    table.insert()
                    .values(
                        municipality_number=number,
                        name=name,
                        name_key=name_key(name),
                        path="",
                        depth=0,
                        created_at=START,
                    )
                    .returning(table.c.id)
                ).scalar_one()
                connection.execute(
                    table.update().where(table.c.id == existing).values(path=f"/{existing}/")
                )
            found[(number, name)] = int(existing)
    return found


def build_roster(engine: Engine, learners: int, *, seed: int = 7) -> BuiltRoster:
    """Add ``learners`` learners: about 30 % completed, 45 % in progress, 25 % not started.

    Completed learners have progress on every live module and most have a
    certificate (every tenth of those revoked); ids are consecutive from ``first_id``.
    """
    rng = random.Random(seed)
    users, enrollments, progress, certificates = _tables()
    with engine.begin() as connection:
        modules = [
            int(row[0])
            for row in connection.execute(
                select(CourseModule.id)  # type: ignore[call-overload]
                .where(CourseModule.archived_at.is_(None))  # type: ignore[union-attr]
                .order_by(CourseModule.position)
            )
        ]
        first_id = (
            int(connection.execute(select(func.coalesce(func.max(users.c.id), 0))).scalar_one()) + 1
        )
        units = _units(connection)
        counts = {"completed": 0, "in_progress": 0, "not_started": 0}
        user_rows, enrollment_rows, progress_rows, certificate_rows = [], [], [], []
        for offset in range(learners):
            uid = first_id + offset
            name, number = MUNICIPALITIES[offset % len(MUNICIPALITIES)]
            enrolled = START + timedelta(days=rng.randrange(0, 200), minutes=rng.randrange(0, 600))
            user_rows.append(
                {
                    "id": uid,
                    "email": f"deltaker{uid}@k{number}.kommune.no",
                    "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)} {uid}",
                    "role": "learner",
                    "municipality_number": number,
                    "unit_id": units.get((number, DEPARTMENTS[offset % len(DEPARTMENTS)])),
                    "password_hash": None,
                    "is_active": offset % 50 != 0,
                    "created_at": enrolled,
                    "erased_at": None,
                }
            )
            draw = rng.random()
            state = "completed" if draw < 0.30 else "in_progress" if draw < 0.75 else "not_started"
            counts[state] += 1
            done_count = {
                "completed": len(modules),
                "in_progress": rng.randrange(0, len(modules)),
                "not_started": 0,
            }[state]
            touched = done_count + (1 if state == "in_progress" else 0)
            moment = enrolled
            for position, module_id in enumerate(modules[:touched]):
                moment += timedelta(hours=rng.randrange(1, 72))
                done = position < done_count
                progress_rows.append(
                    {
                        "user_id": uid,
                        "module_id": module_id,
                        "read_at": moment,
                        "passed_at": moment if done else None,
                        "completed_at": moment if done else None,
                        "best_score": round(rng.uniform(0.8 if done else 0.2, 1.0), 3),
                        "attempt_count": rng.randrange(1, 4),
                    }
                )
            completed_at = moment if state == "completed" else None
            enrollment_rows.append(
                {"user_id": uid, "enrolled_at": enrolled, "completed_at": completed_at}
            )
            if completed_at is not None and offset % 3 != 0:
                certificate_rows.append(
                    {
                        "code": f"T{uid:09d}"[-11:],
                        "user_id": uid,
                        "course_slug": "innovasjon",
                        "course_version": "2026.1",
                        "course_title": "Innovasjon i kommunal sektor",
                        "holder_name": user_rows[-1]["full_name"],
                        "municipality": name,
                        "completed_at": completed_at,
                        "issued_at": completed_at,
                        "revoked_at": completed_at if offset % 10 == 1 else None,
                        "revoked_reason": "Feil" if offset % 10 == 1 else None,
                        "revoked_by": None,
                        "holder_erased_at": None,
                    }
                )
        for table, rows in (
            (users, user_rows),
            (enrollments, enrollment_rows),
            (progress, progress_rows),
            (certificates, certificate_rows),
        ):
            for chunk in _chunks(rows):
                _insert(connection, table, chunk)
        if connection.dialect.name == "postgresql":
            for table in ("user", "enrollment", "module_progress", "certificate"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f'(SELECT coalesce(max(id), 1) FROM "{table}"))'
                    )
                )
    return BuiltRoster(
        learners=learners,
        completed=counts["completed"],
        in_progress=counts["in_progress"],
        not_started=counts["not_started"],
        first_id=first_id,
    )
