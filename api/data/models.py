"""Database tables. Schema changes go through Alembic (``api/data/migrations``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Index,
    LargeBinary,
    MetaData,
    Text,
    TypeDecorator,
    UniqueConstraint,
    column,
)
from sqlalchemy.orm import relationship
from sqlmodel import Field, Relationship, SQLModel

from api.data import timestamps

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database, stored by ``api.data.timestamps``.

    The codec replaces the processing of the underlying ``DateTime`` (SQLAlchemy's
    own SQLite text format) rather than adding to it, as bound parameter, result and
    inline literal, so that plain SQL (``api.data.sql.Statements``) binds and reads
    exactly as the ORM does.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], Any]:
        sqlite = dialect.name == "sqlite"
        return lambda value: timestamps.bind(value, sqlite=sqlite)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any]:
        return timestamps.read

    def literal_processor(self, dialect: Dialect) -> Callable[[datetime | None], str]:
        sqlite = dialect.name == "sqlite"
        return lambda value: timestamps.literal(value, sqlite=sqlite)


class Role(StrEnum):
    """What a person may do. ``user.role`` holds the installation-wide role (learner,
    instructor or admin); leader and municipal_admin are held only as scoped
    assignments (``RoleAssignment``), see ``api.services.scope``."""

    LEARNER = "learner"
    LEADER = "leader"
    MUNICIPAL_ADMIN = "municipal_admin"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


class AccountRole(StrEnum):
    """The installation-wide roles an account itself holds (``user.role``)."""

    LEARNER = "learner"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


INSTALLATION_ROLES = tuple(Role(role.value) for role in AccountRole)
SCOPED_ROLES = (Role.LEADER, Role.MUNICIPAL_ADMIN)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    full_name: str = Field(max_length=200)
    role: str = Field(default=Role.LEARNER, max_length=20)
    municipality_number: str | None = Field(
        default=None, max_length=4, foreign_key="municipality.number", index=True
    )
    # What was given where no municipality in the register matched (migration 0007, or an
    # account an administrator has yet to fix); cleared when a municipality is set.
    municipality_unmatched: str | None = Field(default=None, max_length=100)
    # The person's one primary organisation unit, in their municipality (``org_units``).
    unit_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True)
    # A department text from before units existed that could not be placed in one (the
    # account had no known municipality number): kept for an administrator to place.
    department_unmatched: str | None = Field(default=None, max_length=200)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = True
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Set when an administrator erased the person's data; the row stays for aggregates.
    erased_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # Loaded with the account in the same query (a join on the primary key), so a list of
    # accounts never asks for their municipalities one by one. Set it with
    # ``api.services.user_municipality.assign``, which keeps the number in step. A query that
    # locks accounts (FOR UPDATE) must name its tables with ``of=``: PostgreSQL cannot lock the
    # outer-joined side.
    # (Named as a string for SQLAlchemy: SQLModel cannot read "X | None" in a postponed annotation.)
    municipality: Municipality | None = Relationship(
        sa_relationship=relationship("Municipality", lazy="joined")
    )


class AuthToken(SQLModel, table=True):
    __tablename__ = "auth_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    client: str = Field(max_length=64, index=True)  # a keyed hash of the address
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class KnownLoginClient(SQLModel, table=True):
    """A client that signed in to the account recently (``api.services.login_throttle``).

    The address is kept only as a keyed hash: enough to recognise it again, not to read it.
    """

    __tablename__ = "login_known_client"
    __table_args__ = (UniqueConstraint("user_id", "client_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    client_hash: str = Field(max_length=64)
    last_success_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class CourseModule(SQLModel, table=True):
    __tablename__ = "course_module"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    position: int = 0
    current_revision: int = 0
    imported_sha256: str | None = Field(default=None, max_length=64)
    # The file's position when last imported: a sync moves the module only if it changed.
    imported_position: int | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    archived_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class ModuleRevision(SQLModel, table=True):
    __tablename__ = "module_revision"
    __table_args__ = (UniqueConstraint("module_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    module_id: int = Field(foreign_key="course_module.id", index=True)
    number: int
    source: str = Field(sa_column=Column(Text, nullable=False))
    source_sha256: str = Field(max_length=64)
    title: str = Field(max_length=200)
    summary: str = Field(default="", max_length=500)
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Enrollment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", unique=True, ondelete="CASCADE")
    enrolled_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class ModuleProgress(SQLModel, table=True):
    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    module_id: int = Field(foreign_key="course_module.id", index=True)
    read_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    passed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    best_score: float | None = None
    attempt_count: int = 0


class QuizAttempt(SQLModel, table=True):
    __tablename__ = "quiz_attempt"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    module_id: int = Field(foreign_key="course_module.id", index=True)
    revision: int
    answers: str = Field(sa_column=Column(Text, nullable=False))
    score: float
    passed: bool
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


_NOT_REVOKED = column("revoked_at").is_(None)


class Certificate(SQLModel, table=True):
    """An issued kursbevis. At most one valid (not revoked) per learner and course version,
    enforced by the database; a revoked one stays, and an administrator may issue a new one.

    Holder name, municipality and course title are copied at issue time, so the
    certificate verifies as it was issued even if the account changes later.
    """

    __table_args__ = (
        # A partial unique index (SQLite and PostgreSQL both have them); named like the
        # unique constraint it replaced, for the rows it covers.
        Index(
            "uq_certificate_user_id_course_version_unrevoked",
            "user_id",
            "course_version",
            unique=True,
            sqlite_where=_NOT_REVOKED,
            postgresql_where=_NOT_REVOKED,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    course_slug: str = Field(max_length=80)
    course_version: str = Field(max_length=40)
    course_title: str = Field(max_length=200)
    holder_name: str = Field(max_length=200)
    municipality: str = Field(max_length=100)
    completed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    issued_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    revoked_reason: str | None = Field(default=None, max_length=500)
    revoked_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    # Shown to the holder beside the fixed explanation; the reason above is internal.
    holder_message: str | None = Field(default=None, max_length=500)
    # Set when the holder's data was erased: the name is gone, so the code no longer verifies.
    holder_erased_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # Its entry in the Open Badges revocation lists (``api.services.open_badges``): given
    # at issue, in order; revoked and erased certificates have their bit set.
    status_index: int | None = Field(default=None, unique=True)


class BadgeKey(SQLModel, table=True):
    """An Ed25519 public key that has signed Open Badges: published for as long as the
    credentials it signed exist, so they still verify after the key is replaced."""

    __tablename__ = "badge_key"

    # The Multikey ``publicKeyMultibase`` (z6Mk…), also the key's id in its URL.
    key_id: str = Field(primary_key=True, max_length=64)
    published_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PasswordSetupToken(SQLModel, table=True):
    """A single-use code with which a person sets their own password (stored as SHA-256)."""

    __tablename__ = "password_setup_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class AuditEvent(SQLModel, table=True):
    """Who did what, when, to which target, and how it ended. Append-only (``api.services.audit``).

    Holds ids, never personal data, so erasing a person leaves the log untouched.
    """

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    actor_role: str | None = Field(default=None, max_length=20)
    action: str = Field(max_length=60, index=True)
    target: str = Field(max_length=120, index=True)
    outcome: str = Field(max_length=20)
    details: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    # The municipality the event concerns (its person, unit or scope), so that a municipal
    # administrator sees the events of their own municipality; None: the installation's.
    municipality_number: str | None = Field(default=None, max_length=4, index=True)


class JobState(StrEnum):
    QUEUED = "queued"  # waiting for its run_after, or to be taken by a worker
    RUNNING = "running"  # taken by a worker that holds its lease
    SUCCEEDED = "succeeded"
    DEAD = "dead"  # failed on its last try; last_error says why
    CANCELLED = "cancelled"


class Job(SQLModel, table=True):
    """A unit of background work, enqueued in the transaction of the change that causes it.

    Workers take a job by setting ``worker`` and a lease (``api.services.jobs``); a job whose
    lease ran out (its worker died) is taken again. ``attempt`` counts the tries so far and
    fences a worker that lost its lease: only the holder of the current try may finish it.
    """

    __table_args__ = (Index("ix_job_claim", "state", "queue", "priority", "run_after"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=60)
    queue: str = Field(max_length=30)
    priority: int = 0
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    # One job per key: enqueuing a key again returns the job that has it.
    idempotency_key: str | None = Field(default=None, max_length=200, unique=True)
    state: str = Field(default=JobState.QUEUED, max_length=20)
    attempt: int = 0
    max_attempts: int = 5
    run_after: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    worker: str | None = Field(default=None, max_length=120)
    lease_expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    cancel_requested: bool = False
    progress_percent: int | None = None
    progress_message: str | None = Field(default=None, max_length=200)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    result: str | None = Field(default=None, sa_column=Column(Text))
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class JobFile(SQLModel, table=True):
    """A file a job produced (an export, a bundle of PDFs), kept in the database until it expires.

    In the database rather than on a disk, so that every process on every machine can serve
    it without a shared file system, and so that it is backed up and removed with its job.
    """

    __tablename__ = "job_file"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id", unique=True, ondelete="CASCADE")
    filename: str = Field(max_length=200)
    media_type: str = Field(max_length=120)
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class JobWorker(SQLModel, table=True):
    """A worker process that is (or was recently) taking jobs: for readiness and the job page."""

    __tablename__ = "job_worker"

    id: str = Field(primary_key=True, max_length=120)
    queues: str = Field(max_length=200)
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WrittenForm(StrEnum):
    """A municipality's official written form (målvedtak); ``unknown`` until verified."""

    NYNORSK = "nynorsk"
    BOKMAL = "bokmål"
    NEUTRAL = "nøytral"
    UNKNOWN = "ukjent"


class ChangeKind(StrEnum):
    RENUMBERED = "renumbered"  # one number became another
    MERGED = "merged"  # several numbers became one
    SPLIT = "split"  # one number became several


class Municipality(SQLModel, table=True):
    """A municipality number in Statistics Norway's classification 131 (KLASS).

    Rows are never deleted: a number that leaves the classification gets ``valid_to``,
    so accounts and reports that hold it keep resolving (``municipality_change``).
    """

    number: str = Field(primary_key=True, max_length=4)
    name: str = Field(max_length=100)  # the Norwegian name: "Kautokeino"
    klass_name: str = Field(max_length=200)  # as KLASS writes it: "Guovdageaidnu - Kautokeino"
    county_number: str = Field(max_length=2, index=True)
    county_name: str = Field(max_length=100)
    written_form: str = Field(default=WrittenForm.UNKNOWN, max_length=10)
    # Both names folded by ``api.core.collation.search_key``: what search matches.
    search_text: str = Field(max_length=300)
    valid_from: date
    valid_to: date | None = None  # the last day the number was valid


class MunicipalityChange(SQLModel, table=True):
    """An old municipality number and the number it became (one row per successor)."""

    __tablename__ = "municipality_change"
    __table_args__ = (UniqueConstraint("old_number", "new_number", "changed_on"),)

    id: int | None = Field(default=None, primary_key=True)
    old_number: str = Field(max_length=4, index=True)
    old_name: str = Field(max_length=200)
    new_number: str = Field(max_length=4, foreign_key="municipality.number")
    changed_on: date  # the first day of the new number
    kind: str = Field(max_length=12)


_OPEN = column("closed_at").is_(None)
_TOP = column("parent_id").is_(None)


class OrgUnit(SQLModel, table=True):
    """An organisation unit in a municipality: a tree of any depth (``api.services.org_units``).

    ``path`` holds the ids from the top down ("/12/45/78/"), so a unit and everything
    below it is ``path LIKE '/12/45/%'``; the index supports that prefix match on
    PostgreSQL too (``text_pattern_ops``). A closed unit stays, for history and reports.
    """

    __tablename__ = "org_unit"
    __table_args__ = (
        Index("ix_org_unit_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
        # Open siblings have different names, however they are written (``name_key``).
        Index(
            "uq_org_unit_parent_id_name_key_open",
            "parent_id",
            "name_key",
            unique=True,
            sqlite_where=_OPEN & ~_TOP,
            postgresql_where=_OPEN & ~_TOP,
        ),
        Index(
            "uq_org_unit_municipality_number_name_key_open_top",
            "municipality_number",
            "name_key",
            unique=True,
            sqlite_where=_OPEN & _TOP,
            postgresql_where=_OPEN & _TOP,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_number: str = Field(max_length=4, foreign_key="municipality.number", index=True)
    parent_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=400)  # ``api.core.collation.search_key`` of the name
    org_number: str | None = Field(default=None, max_length=9)
    path: str = Field(max_length=1000)
    depth: int = 0  # 0 at the top level
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class RoleAssignment(SQLModel, table=True):
    """A scoped role: a leader of a unit (and all below it) or of a municipality, or a
    municipal administrator of a municipality (``api.services.scope``).

    Exactly one of ``municipality_number`` and ``unit_id`` is set; ``scope_key`` says
    which ("municipality:3203", "unit:45") so that the same assignment exists once.
    """

    __tablename__ = "role_assignment"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "scope_key"),
        CheckConstraint("(municipality_number IS NULL) <> (unit_id IS NULL)", name="one_scope"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=20)
    municipality_number: str | None = Field(
        default=None, max_length=4, foreign_key="municipality.number", index=True
    )
    unit_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True)
    scope_key: str = Field(max_length=40)
    granted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    granted_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class XapiOutbox(SQLModel, table=True):
    """The xAPI statements of one learning event, kept from the event until (and after) the
    learning record store has them (``api.services.xapi_delivery``).

    Written in the event's own transaction, so the two commit together: one row per
    event, its statements as a JSON array, appended in id order. Each statement's id is
    fixed when it is made, so sending it again never duplicates it.
    """

    __tablename__ = "xapi_outbox"
    # The events still to send, oldest first: one index range.
    __table_args__ = (Index("ix_xapi_outbox_unsent", "sent_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    statements: str = Field(sa_column=Column(Text, nullable=False))
    statement_count: int
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class WebhookEndpoint(SQLModel, table=True):
    """Where an administrator wants signed webhooks sent (``api.services.webhooks``).

    ``secret`` is the Standard Webhooks signing secret (``whsec_`` and base64), generated
    here and shown once when the endpoint is created; it is kept, sealed with a key
    derived from the installation's secret key (``api.services.webhook_secrets``), so
    deliveries can be signed, and never returned again. ``events`` holds the subscribed event types,
    separated by spaces. With a ``municipality_number``, only events about learners of
    that municipality are sent; without, every event.
    """

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=200)
    secret: str = Field(max_length=200)
    # After a rotation, messages are signed with the old secret too until it expires, so a
    # receiver can switch over without losing any (Standard Webhooks allows several).
    previous_secret: str | None = Field(default=None, max_length=200)
    previous_secret_expires_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime())
    )
    events: str = Field(max_length=500)
    municipality_number: str | None = Field(
        default=None, max_length=4, foreign_key="municipality.number", index=True
    )
    is_active: bool = True
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WebhookDelivery(SQLModel, table=True):
    """One try at sending one webhook message to one endpoint: the delivery log.

    Every try of a message has the same ``webhook_id`` (the ``webhook-id`` header), so a
    receiver deduplicates on it. ``job_id`` names the job that sent it (no foreign key:
    finished jobs are cleaned up, the log stays with its endpoint).
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_endpoint_id_id", "endpoint_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", ondelete="CASCADE")
    event_type: str = Field(max_length=60)
    webhook_id: str = Field(max_length=60, index=True)
    job_id: int | None = None
    attempt: int
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    attempted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    duration_ms: int = 0


class OutgoingEmail(SQLModel, table=True):
    """One e-mail to one account, from the change that causes it until (and after) it is sent
    (``api.services.email_outbox``).

    Holds ids only: the recipient's address and name are read, and the message rendered,
    when it is sent. ``key`` says what the message is about ("reminder:5:12"), so the same
    message is never made twice, and ``sent_at`` that it has gone, so it is never sent twice.
    """

    __tablename__ = "email_outbox"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=40)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    params: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class EmailPreference(SQLModel, table=True):
    """What a person wants by e-mail beyond what their account needs (no row: the defaults)."""

    __tablename__ = "email_preference"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    # Set when the person unsubscribed from deadline reminders (the link in a reminder).
    reminders_off_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # A leader's opt-in: a notice when someone in their units completes the course.
    unit_completion_notices: bool = False


class CompletionDeadline(SQLModel, table=True):
    """The day by which the people of a municipality or of a unit (and all below it) should
    have completed the course (``api.services.deadlines``). One per municipality or unit."""

    __tablename__ = "completion_deadline"
    __table_args__ = (
        CheckConstraint("(municipality_number IS NULL) <> (unit_id IS NULL)", name="one_scope"),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_number: str | None = Field(
        default=None, max_length=4, foreign_key="municipality.number", index=True
    )
    unit_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True)
    scope_key: str = Field(max_length=40, unique=True)  # "municipality:3203", "unit:45"
    due_on: date
    set_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    set_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PasswordResetRequest(SQLModel, table=True):
    """A "Glemt passord" request, for its rate limits: keyed hashes of the address asked
    for (whether or not an account has it) and of the client, never the values."""

    __tablename__ = "password_reset_request"

    id: int | None = Field(default=None, primary_key=True)
    account_hash: str = Field(max_length=64, index=True)
    client_hash: str = Field(max_length=64, index=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class SignInProviderKind(StrEnum):
    """What kind of OpenID Connect provider (``api.services.sign_in_providers``)."""

    IDPORTEN = "idporten"  # acr checked, pid kept only as a keyed hash
    ENTRA = "entra"  # one municipality's tenant: the ``tid`` claim must match
    GENERIC = "generic"  # any other provider (Feide, a municipality's own)


class SignInProvider(SQLModel, table=True):
    """An OpenID Connect provider an installation administrator has set up.

    ``client_secret`` is sealed with a key derived from the installation's secret key
    (``api.services.sign_in_secrets``) and never shown again. ``municipalities`` holds the
    municipality numbers it serves (space-separated, empty: any), ``claim_map`` a JSON
    object from our field names to the provider's claim names.
    """

    __tablename__ = "sign_in_provider"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=20)
    issuer: str = Field(max_length=500)
    client_id: str = Field(max_length=200)
    client_secret: str = Field(max_length=1000)
    scopes: str = Field(default="openid", max_length=500)
    claim_map: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    municipalities: str = Field(default="", max_length=2000)
    acr_values: str = Field(default="", max_length=200)
    tenant_id: str | None = Field(default=None, max_length=100)
    # Entra ID: group object id -> {"unit": id, "role": "leader" | "municipal_admin"} (JSON).
    group_map: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    is_enabled: bool = True
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class SignInIdentity(SQLModel, table=True):
    """An account's identity at a provider, as a keyed hash of the subject (for ID-porten the
    ``pid``), never the identifier itself: enough to recognise the person again."""

    __tablename__ = "sign_in_identity"
    __table_args__ = (UniqueConstraint("provider_id", "subject_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="sign_in_provider.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    subject_hash: str = Field(max_length=64)
    # The roles the provider's group mapping gave (JSON list of [role, unit id or null]), so
    # that they end when the groups do; roles given by hand are never among them.
    group_roles: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_used_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class SignInRequirement(SQLModel, table=True):
    """A municipality's administrator requires its people to sign in through this provider:
    password login is then refused for them (``api.services.users.authenticate``)."""

    __tablename__ = "sign_in_requirement"

    municipality_number: str = Field(
        primary_key=True, max_length=4, foreign_key="municipality.number"
    )
    provider_id: int = Field(foreign_key="sign_in_provider.id", index=True, ondelete="CASCADE")
    set_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    set_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


# The project workbook (``api.services.workbook``, migration 0016)


class Project(SQLModel, table=True):
    """An innovation project planned in the workbook, step by step through the course.

    Every learner gets a personal project on their first save (``personal_owner_id``,
    one each); a team project (later) has none, and its people are its members.
    """

    __tablename__ = "project"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(default="", max_length=200)
    municipality_number: str | None = Field(
        default=None, max_length=4, foreign_key="municipality.number", index=True
    )
    personal_owner_id: int | None = Field(
        default=None, foreign_key="user.id", unique=True, ondelete="CASCADE"
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ProjectMember(SQLModel, table=True):
    """Who may read and write a project: today its owner, later the team."""

    __tablename__ = "project_member"

    project_id: int = Field(foreign_key="project.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True, ondelete="CASCADE")
    role: str = Field(default="owner", max_length=20)
    joined_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WorkbookEntry(SQLModel, table=True):
    """A project's answers to one workbook step: the values as JSON, and a revision that
    every save raises, so a save from a stale page is refused instead of overwriting."""

    __tablename__ = "workbook_entry"
    __table_args__ = (UniqueConstraint("project_id", "step_id"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", ondelete="CASCADE")
    step_id: str = Field(max_length=80)
    field_values: str = Field(sa_column=Column(Text, nullable=False))
    revision: int = 1
    updated_by: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WorkbookRevision(SQLModel, table=True):
    """Who wrote what in a step: the history of saved versions with their author.

    Consecutive saves by the same author (drafts while typing) update one row, so the
    history holds each turn of writing, not each keystroke. ``author_id`` NULL: the
    author's data was erased ("Tidligere deltaker").
    """

    __tablename__ = "workbook_revision"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="workbook_entry.id", index=True, ondelete="CASCADE")
    revision: int
    field_values: str = Field(sa_column=Column(Text, nullable=False))
    author_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    saved_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ProjectInvitation(SQLModel, table=True):
    """A colleague invited into a team project, until they accept or decline."""

    __tablename__ = "project_invitation"
    __table_args__ = (UniqueConstraint("project_id", "invitee_id"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", ondelete="CASCADE")
    invitee_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    invited_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ReviewStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"  # "Godkjent"
    NEEDS_WORK = "needs_work"  # "Trenger mer arbeid"


class ReviewerKind(StrEnum):
    LEADER = "leader"  # a leader over a unit covering an author, or over the municipality
    INSTRUCTOR = "instructor"  # the course's instructors, who see nothing else of the authors


class ProjectReview(SQLModel, table=True):
    """A project's plan (``step_id`` NULL) or one step submitted for feedback, and its answer.

    ``revisions`` keeps each covered step's revision (JSON) as it was when submitted and,
    once decided, when decided: an approval whose steps have been saved since is outdated.
    """

    __tablename__ = "project_review"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True, ondelete="CASCADE")
    step_id: str | None = Field(default=None, max_length=80)
    reviewer_kind: str = Field(max_length=20)
    status: str = Field(default=ReviewStatus.SUBMITTED, max_length=20)
    submitted_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    submitted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    reviewed_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    reviewed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    revisions: str = Field(sa_column=Column(Text, nullable=False))
    comments: str = Field(default="{}", sa_column=Column(Text, nullable=False))
