"""A municipality's official written form (språkvedtak: nynorsk, bokmål or nøytral).

The shipped register knows it only where a public source says so (the README tells
which). A municipality's own administrator sets it for their municipality; an
installation administrator may load a whole list (``kommunenummer;målform``), all or
nothing. Both are audited with the old and the new form.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from api.core.errors import MunicipalityNotFound, OutsideScope, WrittenFormImportInvalid
from api.data.models import Municipality, WrittenForm
from api.services import audit, klass_csv, municipalities
from api.services.scope import Actor, Capability


@dataclass(frozen=True, slots=True)
class FormChange:
    number: str
    name: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class FormImport:
    records: int
    changed: list[FormChange]
    unchanged: int
    dry_run: bool


def set_written_form(
    *, session: Session, actor: Actor, number: str, form: WrittenForm
) -> Municipality:
    """Set the municipality's written form: its own administrator or the installation's."""
    municipality = municipalities.get(session=session, number=number)
    if municipality is None or municipality.valid_to is not None:
        raise MunicipalityNotFound(f"Kommunenummeret {number} finnes ikke i kommuneregisteret.")
    if not actor.require(Capability.MANAGE_UNITS).covers_municipality(number):
        raise OutsideScope("Du kan bare endre målformen for kommuner du administrerer.")
    old = municipality.written_form
    if old != form:
        municipality.written_form = form
        session.add(municipality)
        session.flush()
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.WRITTEN_FORM_SET,
        target=audit.municipality_target(number),
        details={"from": old, "to": str(form)},
        municipality=number,
    )
    return municipality


def import_written_forms(
    *, session: Session, actor: Actor, data: bytes, dry_run: bool
) -> FormImport:
    """Apply a list of written forms to the register: every line valid, or nothing changes."""
    actor.require(Capability.INSTALLATION)
    rows, problems = klass_csv.read_written_forms(data)
    numbers = [row.number for row in rows]
    known = {
        m.number: m
        for m in session.exec(
            select(Municipality).where(
                col(Municipality.number).in_(numbers), col(Municipality.valid_to).is_(None)
            )
        )
    }
    for row in rows:
        if row.number not in known:
            problems.append(
                klass_csv.Problem(
                    row.line,
                    None,
                    f"Kommunenummer {row.number} er ikke en gjeldende kommune i registeret.",
                )
            )
    if problems:
        problems.sort(key=lambda problem: problem.line)
        raise WrittenFormImportInvalid(
            [{"line": p.line, "column": p.column, "message": p.message} for p in problems]
        )
    changed = [
        FormChange(row.number, known[row.number].name, known[row.number].written_form, row.form)
        for row in rows
        if known[row.number].written_form != row.form
    ]
    if not dry_run:
        for change in changed:
            known[change.number].written_form = change.new
            session.add(known[change.number])
        session.flush()
    result = FormImport(len(rows), changed, len(rows) - len(changed), dry_run)
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.WRITTEN_FORM_IMPORT,
        target="municipalities",
        details={"dry_run": dry_run, "records": result.records, "changed": len(changed)},
    )
    return result
