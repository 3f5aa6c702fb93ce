"""The municipality register: look-up by number (old numbers too), search, and listing.

Search folds case and accents on both sides (``api.core.collation.search_key``):
«tromso» and «TROMSØ» find Tromsø, «karasjok» and «kárášjohka» find
Kárášjohka - Karasjok, «aalesund» finds Ålesund. A query of digits matches the
start of the number. Updating the register from KLASS is ``municipality_import``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from api.core.collation import norwegian_key, search_key
from api.data.models import ChangeKind, Municipality, MunicipalityChange

_MAX_STEPS = 20  # a chain of changes longer than this is a loop in the data


@dataclass(frozen=True, slots=True)
class Resolved:
    """Where a number leads: the municipality that holds it now, and how it got there."""

    municipality: Municipality
    via: tuple[MunicipalityChange, ...]  # the changes followed, oldest first
    alternatives: tuple[Municipality, ...]  # the other successors where a number was split

    @property
    def renumbered(self) -> bool:
        return bool(self.via)


def get(*, session: Session, number: str) -> Municipality | None:
    """The register's row for exactly this number, current or ended."""
    return session.get(Municipality, number)


def _successors(session: Session, number: str) -> list[MunicipalityChange]:
    statement = (
        select(MunicipalityChange)
        .where(MunicipalityChange.old_number == number)
        .order_by(col(MunicipalityChange.changed_on).desc(), col(MunicipalityChange.new_number))
    )
    return list(session.exec(statement))


def _main_successor(changes: list[MunicipalityChange], session: Session) -> MunicipalityChange:
    """Of the successors on the latest date, the one that kept the old name (Ålesund 1507 ->
    1508 rather than Haram 1580), else the lowest number."""
    latest = [c for c in changes if c.changed_on == changes[0].changed_on]
    for change in latest:
        found = session.get(Municipality, change.new_number)
        if found is not None and search_key(found.name) == search_key(change.old_name):
            return change
    return latest[0]


def resolve(*, session: Session, number: str) -> Resolved | None:
    """The current municipality for a number, following renumbering, mergers and splits.

    ``None`` when the register knows neither the number nor a change from it. A
    number that ended without a successor resolves to its own (ended) row.
    """
    via: list[MunicipalityChange] = []
    alternatives: list[Municipality] = []
    current = number
    for _ in range(_MAX_STEPS):
        found = session.get(Municipality, current)
        if found is not None and found.valid_to is None:
            break
        changes = _successors(session, current)
        if not changes:
            break
        step = _main_successor(changes, session)
        if step.kind == ChangeKind.SPLIT:
            others = [
                c.new_number for c in changes if c.changed_on == step.changed_on and c is not step
            ]
            alternatives += [m for n in others if (m := session.get(Municipality, n)) is not None]
        via.append(step)
        current = step.new_number
    found = session.get(Municipality, current)
    if found is None:
        return None
    return Resolved(municipality=found, via=tuple(via), alternatives=tuple(alternatives))


def search(
    *,
    session: Session,
    text: str | None = None,
    county: str | None = None,
    include_ended: bool = False,
) -> list[Municipality]:
    """Municipalities whose name (any of its official forms) or number matches ``text``,
    in Norwegian alphabetical order; all of them when ``text`` is empty."""
    statement = select(Municipality)
    if county:
        statement = statement.where(Municipality.county_number == county)
    if not include_ended:
        statement = statement.where(col(Municipality.valid_to).is_(None))
    query = (text or "").strip()
    if query.isdigit():
        statement = statement.where(col(Municipality.number).startswith(query))
    elif query:
        folded = search_key(query)
        # search_key leaves only letters, digits and spaces: no LIKE wildcard gets through.
        statement = statement.where(col(Municipality.search_text).like(f"%{folded}%"))
    found = list(session.exec(statement))
    return sorted(found, key=lambda m: (norwegian_key(m.name), m.number))


def counties(*, session: Session) -> dict[str, str]:
    """County number -> name, from the current municipalities."""
    statement = select(Municipality.county_number, Municipality.county_name).where(
        col(Municipality.valid_to).is_(None)
    )
    return dict(sorted(set(session.exec(statement))))


def counties_meant(*, session: Session, text: str) -> list[str]:
    """The county numbers a filter means: a two-digit number, or a name in any case and
    with or without accents ("ostfold" is Østfold); none if nothing matches."""
    given = text.strip()
    known = counties(session=session)
    if given.isdigit():
        return [given.zfill(2)] if given.zfill(2) in known else []
    wanted = search_key(given)
    return [number for number, name in known.items() if search_key(name) == wanted]
