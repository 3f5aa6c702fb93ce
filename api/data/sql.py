"""Hand-written SQL: the few statements on the hot paths, and how they run.

Every other query goes through SQLModel or SQLAlchemy Core. These run on the
DBAPI connection, inside whatever transaction it is in, because a benchmark
showed the ORM's cost there (``bench/bench_api.py``: ``GET module`` and ``POST
attempt``). ``tests/api/test_sql.py`` finds every ``*_SQL`` constant here and
checks its tables and columns against ``api.data.models.metadata`` and against
migrated SQLite and PostgreSQL databases, so a rename fails a test rather than
a request.

Statements are written with ``:name`` parameters, in SQL both databases accept.
Timestamps are bound and read with ``api.data.timestamps``, as the ORM does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from api.data import timestamps

# The caller's token (``api.http.hotpath.HotPath.principal``): every authenticated hot request.
TOKEN_SQL = """
SELECT u.id, u.role, u.full_name,
  EXISTS (SELECT 1 FROM role_assignment r WHERE r.user_id = u.id AND r.role = 'leader'),
  EXISTS (SELECT 1 FROM role_assignment r WHERE r.user_id = u.id AND r.role = 'municipal_admin')
FROM auth_token t JOIN "user" u ON u.id = t.user_id
WHERE t.token_hash = :digest AND t.revoked_at IS NULL AND t.expires_at > :now AND u.is_active
"""
# A live module's current revision (``api.services.content.cached_module``): ``GET module``.
MODULE_SQL = """
SELECT id, current_revision FROM course_module WHERE slug = :slug AND archived_at IS NULL
"""
LIVE_MODULES_SQL = """
SELECT id, current_revision FROM course_module WHERE archived_at IS NULL ORDER BY position, slug
"""

# Read marks, quiz attempts and completion (``api.services.progress_writes``): ``POST attempt``.
PROGRESS_SQL = """
SELECT id, read_at, passed_at IS NOT NULL, completed_at IS NOT NULL, best_score, attempt_count
FROM module_progress WHERE user_id = :user_id AND module_id = :module_id
"""
NEW_PROGRESS_SQL = """
INSERT INTO module_progress (user_id, module_id, attempt_count) VALUES (:user_id, :module_id, 0)
ON CONFLICT (user_id, module_id) DO NOTHING
"""
# Timestamps are set once: a NULL parameter keeps the stored value.
RECORD_READ_SQL = """
UPDATE module_progress
SET read_at = COALESCE(read_at, :read_at), completed_at = COALESCE(completed_at, :completed_at)
WHERE id = :id
"""
RECORD_ATTEMPT_SQL = """
UPDATE module_progress SET attempt_count = attempt_count + 1, best_score = :best_score,
passed_at = COALESCE(passed_at, :passed_at), completed_at = COALESCE(completed_at, :completed_at)
WHERE id = :id
"""
NEW_ATTEMPT_SQL = """
INSERT INTO quiz_attempt (user_id, module_id, revision, answers, score, passed, created_at)
VALUES (:user_id, :module_id, :revision, :answers, :score, :passed, :created_at) RETURNING id
"""
COMPLETED_MODULES_SQL = """
SELECT module_id FROM module_progress WHERE user_id = :user_id AND completed_at IS NOT NULL
"""
ENROLLMENT_SQL = "SELECT completed_at IS NOT NULL FROM enrollment WHERE user_id = :user_id"
NEW_ENROLLMENT_SQL = """
INSERT INTO enrollment (user_id, enrolled_at) VALUES (:user_id, :now)
ON CONFLICT (user_id) DO NOTHING
"""
COMPLETE_COURSE_SQL = "UPDATE enrollment SET completed_at = :now WHERE user_id = :user_id"
# Whether the learner has a project whose whole plan was approved (``course.toml``
# ``[completion] require_approved_plan``); a later change does not take it back.
APPROVED_PLAN_SQL = """
SELECT 1 FROM project_review r JOIN project_member m ON m.project_id = r.project_id
WHERE m.user_id = :user_id AND r.step_id IS NULL AND r.status = 'approved' LIMIT 1
"""
# The xAPI statements of a learning event (``api.services.xapi_statements``): one row.
NEW_XAPI_OUTBOX_SQL = """
INSERT INTO xapi_outbox (user_id, statements, statement_count, created_at)
VALUES (:user_id, :statements, :statement_count, :created_at)
"""

# Webhooks for a completed course, enqueued in the same transaction
# (``api.services.webhook_events.emit_plain``): once per learner, so never hot.
WEBHOOK_TARGETS_SQL = "SELECT id, events, municipality_number FROM webhook_endpoint WHERE is_active"
LEARNER_MUNICIPALITY_SQL = 'SELECT municipality_number FROM "user" WHERE id = :user_id'
# Whether any leader wants an e-mail when someone completes (``api.services.email_outbox``).
ANY_COMPLETION_NOTICES_SQL = "SELECT 1 FROM email_preference WHERE unit_completion_notices LIMIT 1"
NEW_JOB_SQL = """
INSERT INTO job (kind, queue, priority, payload, idempotency_key, state, attempt, max_attempts,
run_after, cancel_requested, created_at)
VALUES (:kind, :queue, :priority, :payload, :idempotency_key, :state, 0, :max_attempts, :now,
FALSE, :now)
ON CONFLICT (idempotency_key) DO NOTHING
"""

_PSYCOPG = PGDialect_psycopg()  # type: ignore[no-untyped-call]


@lru_cache(maxsize=256)
def _for_psycopg(sql: str) -> str:
    """``sql`` with psycopg's ``%(name)s`` parameters, as SQLAlchemy's ``text()`` compiles it."""
    return text(sql).compile(dialect=_PSYCOPG).string


def bind_timestamp(value: datetime | None, sqlite: bool) -> object:
    """``value`` as a parameter, for callers without a ``Statements`` (``api.http.hotpath``)."""
    return timestamps.bind(value, sqlite=sqlite)


class Statements:
    """Plain SQL on a DBAPI connection, inside the transaction it is in.

    SQL is written with ``:name`` parameters; timestamps go in and come out as
    aware UTC datetimes, through the codec ``api.data.models.UTCDateTime`` uses.
    Statements run here bypass SQLAlchemy's events and the ORM's identity map.
    """

    def __init__(self, dbapi_connection: Any, *, sqlite: bool) -> None:
        self.sqlite = sqlite
        # Row locks on PostgreSQL; SQLite's write transaction already excludes other writers.
        self.for_update = "" if sqlite else " FOR UPDATE"
        self._dbapi = dbapi_connection

    @classmethod
    def of(cls, connection: Connection) -> Statements:
        """Statements in a SQLAlchemy connection's transaction (e.g. a session's)."""
        sqlite = connection.dialect.name == "sqlite"
        return cls(connection.connection.driver_connection, sqlite=sqlite)

    def _execute(self, sql: str, params: Mapping[str, object]) -> Any:
        # sqlite3 takes ``:name`` parameters as they are.
        return self._dbapi.execute(sql if self.sqlite else _for_psycopg(sql), params)

    def one(self, sql: str, params: Mapping[str, object]) -> tuple[Any, ...] | None:
        cursor = self._execute(sql, params)
        row = cursor.fetchone()
        cursor.close()
        return tuple(row) if row is not None else None

    def all(self, sql: str, params: Mapping[str, object]) -> list[tuple[Any, ...]]:
        cursor = self._execute(sql, params)
        rows = [tuple(row) for row in cursor.fetchall()]
        cursor.close()
        return rows

    def run(self, sql: str, params: Mapping[str, object]) -> None:
        self._execute(sql, params).close()

    def timestamp(self, value: datetime | None) -> object:
        """``value`` as a statement parameter."""
        return timestamps.bind(value, sqlite=self.sqlite)

    def datetime(self, value: object) -> datetime | None:
        """A timestamp column's value as an aware UTC datetime."""
        return timestamps.read(value)


# /healthz: a real read of a small table, answered while every request slot is busy.
HEALTH_SQL = "SELECT count(*) FROM course_module"
