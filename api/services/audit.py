"""The audit log: who did what, when, to which target, and how it ended.

Rows are only ever added. The application has no way to change or delete one:
the ORM refuses updates and deletes of ``AuditEvent`` (see ``_refuse_changes``),
and no service or route offers them. Rows hold ids and codes, never personal
data, so erasing a person leaves the log as it was.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from api.data.models import AuditEvent, User, utcnow
from api.data.timestamps import oslo_day_end_utc, oslo_midnight_utc
from api.services.contracts import NO_CONTROL_CHARACTERS, Day
from api.services.scope import Actor, Capability, find_by_email


class Action(StrEnum):
    """Actions recorded by this codebase (``record`` accepts any string)."""

    USER_CREATE = "user.create"
    USER_UPDATE = "user.update"
    USER_DEACTIVATE = "user.deactivate"
    USER_REACTIVATE = "user.reactivate"
    USER_ROLE_CHANGE = "user.role_change"
    USER_PASSWORD_RESET = "user.password_reset"
    USER_PASSWORD_SETUP = "user.password_setup"
    USER_PASSWORD_CHANGE = "user.password_change"
    USER_SESSIONS_END = "user.sessions_end"
    USER_INVITE = "user.invite"
    USER_PASSWORD_RESET_REQUEST = "user.password_reset_request"
    USER_EMAIL_PREFERENCES = "user.email_preferences"
    USER_IMPORT = "user.import"
    USER_ERASE = "user.erase"
    CERTIFICATE_ISSUE = "certificate.issue"
    CERTIFICATE_REVOKE = "certificate.revoke"
    CERTIFICATE_REISSUE = "certificate.reissue"
    ROSTER_EXPORT = "report.roster_export"
    MODULE_CREATE = "module.create"
    MODULE_EDIT = "module.edit"
    MODULE_RESTORE = "module.restore"
    MODULE_GIFT_IMPORT = "module.gift_import"
    MODULE_ARCHIVE = "module.archive"
    MODULE_UNARCHIVE = "module.unarchive"
    MODULE_REORDER = "module.reorder"
    CERTIFICATES_RENDER_ALL = "certificate.render_all"
    JOB_CANCEL = "job.cancel"
    JOB_RETRY = "job.retry"
    JOB_FILE_DOWNLOAD = "job.file_download"
    MUNICIPALITY_IMPORT = "municipality.import"
    WRITTEN_FORM_SET = "municipality.written_form"
    WRITTEN_FORM_IMPORT = "municipality.written_form_import"
    UNIT_CREATE = "unit.create"
    UNIT_RENAME = "unit.rename"
    UNIT_UPDATE = "unit.update"
    UNIT_MOVE = "unit.move"
    UNIT_CLOSE = "unit.close"
    UNIT_REOPEN = "unit.reopen"
    UNIT_IMPORT = "unit.import"
    ROLE_GRANT = "role.grant"
    ROLE_REVOKE = "role.revoke"
    WEBHOOK_CREATE = "webhook.create"
    WEBHOOK_UPDATE = "webhook.update"
    WEBHOOK_DELETE = "webhook.delete"
    WEBHOOK_TEST = "webhook.test"
    WEBHOOK_ROTATE_SECRET = "webhook.rotate_secret"
    DEADLINE_SET = "deadline.set"
    DEADLINE_REMOVE = "deadline.remove"
    SIGN_IN = "auth.sign_in"
    SIGN_IN_PROVIDER_CREATE = "sign_in_provider.create"
    SIGN_IN_PROVIDER_UPDATE = "sign_in_provider.update"
    SIGN_IN_PROVIDER_DELETE = "sign_in_provider.delete"
    SIGN_IN_REQUIREMENT_SET = "sign_in_requirement.set"
    WORKBOOK_SUBMIT = "workbook.submitted"
    WORKBOOK_REVIEW = "workbook.reviewed"
    WORKBOOK_PORTFOLIO_EXPORT = "workbook.portfolio_exported"


class Outcome(StrEnum):
    OK = "ok"
    DENIED = "denied"  # refused: no permission, or a rule forbids it (403, 409)
    FAILED = "failed"  # could not be done as asked (404, 422, ...)


class AuditLogIsAppendOnly(RuntimeError):
    pass


def user_target(user_id: int | None) -> str:
    return f"user:{user_id}"


def unit_target(unit_id: int | None) -> str:
    return f"unit:{unit_id}"


def municipality_target(number: str) -> str:
    return f"municipality:{number}"


def record(
    *,
    session: Session,
    actor: User | None,
    action: str,
    target: str,
    outcome: str = Outcome.OK,
    details: dict[str, object] | None = None,
    municipality: str | None = None,
) -> None:
    """Add an audit row to the session's transaction (never commits).

    ``actor`` is None for the command line and other system work. Keep personal
    data out of ``details``: ids, counts, codes and field names only. ``municipality``
    is the number of the municipality the event concerns, if one (``list_events``).
    """
    session.add(
        AuditEvent(
            at=utcnow(),
            actor_id=actor.id if actor is not None else None,
            actor_role=actor.role if actor is not None else None,
            action=action[:60],
            target=target[:120],
            outcome=outcome[:20],
            details=json.dumps(details or {}, ensure_ascii=False, default=str, sort_keys=True),
            municipality_number=municipality,
        )
    )


def outcome_for(status_code: int) -> Outcome:
    return Outcome.DENIED if status_code in (403, 409) else Outcome.FAILED


@dataclass(frozen=True, slots=True)
class AuditFilters:
    actor_id: int | None = None
    action: str | None = None
    target: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None


class AuditQuery(BaseModel):
    """Which audit events to list, as the API and the log page ask: every filter must match."""

    model_config = ConfigDict(frozen=True)

    actor_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    action: str | None = Field(
        default=None, max_length=60, pattern=NO_CONTROL_CHARACTERS, examples=["user.erase"]
    )
    target: str | None = Field(
        default=None, max_length=120, pattern=NO_CONTROL_CHARACTERS, examples=["user:42"]
    )
    outcome: Outcome | None = None
    since: Day | None = Field(default=None, description="From this day (Norway), included")
    until: Day | None = Field(default=None, description="To this day (Norway), included")
    before_id: int | None = Field(
        default=None, ge=1, le=2_147_483_647, description="Next page: the last id of this one"
    )

    def filters(self) -> AuditFilters:
        return AuditFilters(
            actor_id=self.actor_id,
            action=self.action,
            target=self.target,
            outcome=self.outcome,
            since=oslo_midnight_utc(self.since) if self.since else None,
            until=oslo_day_end_utc(self.until) if self.until else None,
            before_id=self.before_id,
        )


def list_events(
    *, session: Session, actor: Actor, filters: AuditFilters, limit: int
) -> Sequence[tuple[AuditEvent, str | None]]:
    """Events matching every given filter, newest first, with the actor's e-mail address.

    A municipal administrator sees the events of their own municipalities only. Page
    backwards with ``before_id`` set to the last id of the previous page.
    """
    scope = actor.require(Capability.READ_AUDIT)
    query = select(AuditEvent, User.email).outerjoin(User, col(User.id) == AuditEvent.actor_id)
    if not scope.everything:
        wanted = sorted(scope.municipalities)
        query = query.where(col(AuditEvent.municipality_number).in_(wanted))
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action is not None:
        query = query.where(AuditEvent.action == filters.action)
    if filters.target is not None:
        query = query.where(AuditEvent.target == filters.target)
    if filters.outcome is not None:
        query = query.where(AuditEvent.outcome == filters.outcome)
    if filters.since is not None:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.at < filters.until)
    if filters.before_id is not None:
        query = query.where(col(AuditEvent.id) < filters.before_id)
    return session.exec(query.order_by(col(AuditEvent.id).desc()).limit(limit)).all()


def find_actor(*, session: Session, reader: Actor, email: str) -> User | None:
    """The account to filter the log by, among the people the reader's log covers (a
    municipal administrator cannot probe other municipalities' addresses this way)."""
    scope = reader.require(Capability.READ_AUDIT)
    return find_by_email(session=session, scope=scope, email=email.strip().lower())


def details_of(event_row: AuditEvent) -> dict[str, Any]:
    value = json.loads(event_row.details)
    return value if isinstance(value, dict) else {}


@event.listens_for(OrmSession, "before_flush")
def _refuse_changes(session: OrmSession, _context: Any, _instances: Any) -> None:
    for instance in (*session.dirty, *session.deleted):
        if isinstance(instance, AuditEvent) and (
            instance in session.deleted or session.is_modified(instance)
        ):
            raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")


@event.listens_for(OrmSession, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEvent for mapper in state.all_mappers
    ):
        raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")
