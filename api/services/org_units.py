"""Organisation units: a tree of any depth per municipality, and each person's primary unit.

Each unit keeps the ids of its ancestors and itself as ``path`` ("/12/45/78/"), so "a
unit and everything below it" is one prefix match (``unit_subtree``, ``in_subtree``),
and a move rewrites the paths of the whole subtree in one UPDATE. Open siblings have
different names, compared as ``api.core.collation.search_key`` folds them. A closed
unit stays for history and reports, and its people keep it as their unit, but nobody
new is placed in it and it gets no new children. ``actor`` is who acts
(``api.services.scope``): only an administrator of the unit's municipality or of the
installation changes it. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import String, func, literal, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from api.core.collation import norwegian_key
from api.core.errors import (
    InvalidOrgNumber,
    MunicipalityInvalid,
    MunicipalityNotFound,
    OutsideScope,
    UnitClosed,
    UnitHasOpenChildren,
    UnitMoveIntoItself,
    UnitNameTaken,
    UnitNotClosed,
    UnitNotFound,
    UnitOtherMunicipality,
)
from api.core.org_numbers import normalise, problem
from api.data.models import Municipality, OrgUnit, User, utcnow
from api.services import audit, municipalities, user_municipality
from api.services.contracts import UnitCreate, UnitUpdate
from api.services.scope import Actor, Capability
from api.services.unit_paths import SEPARATOR, name_key, split_path


def unit_subtree(unit_path: str) -> ColumnElement[bool]:
    """Units that are the unit with this ``path``, or below it (an indexed prefix match)."""
    if not (unit_path.startswith("/") and unit_path.endswith("/")):
        raise ValueError(f"not a unit path: {unit_path!r}")
    # Paths hold only digits and slashes, so no LIKE wildcard can be in the prefix.
    return col(OrgUnit.path).like(unit_path + "%")


def in_subtree(unit_path: str) -> ColumnElement[bool]:
    """People whose primary unit is the unit with this ``path`` or any unit below it."""
    return col(User.unit_id).in_(select(OrgUnit.id).where(unit_subtree(unit_path)))


def ancestor_ids(unit: OrgUnit) -> list[int]:
    """The ids from the top down, the unit's own last."""
    return ids_in_path(unit.path)


def ids_in_path(path: str) -> list[int]:
    """The ids a unit path ("/12/45/") names, from the top down."""
    return [int(part) for part in path.strip("/").split("/") if part]


def get_unit(*, session: Session, unit_id: int) -> OrgUnit:
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise UnitNotFound()
    return unit


def check_manages(actor: Actor, municipality_number: str) -> None:
    """Only an administrator of the municipality (or of the installation) changes its tree."""
    if not actor.require(Capability.MANAGE_UNITS).covers_municipality(municipality_number):
        raise OutsideScope("Du kan bare endre enhetene i kommuner du administrerer.")


def managed_unit(*, session: Session, actor: Actor, unit_id: int) -> OrgUnit:
    """A unit the actor may change; a unit of another municipality is not found."""
    unit = get_unit(session=session, unit_id=unit_id)
    if not actor.require(Capability.MANAGE_UNITS).covers_municipality(unit.municipality_number):
        raise UnitNotFound()
    return unit


def visible_unit(*, session: Session, actor: Actor, unit_id: int) -> OrgUnit:
    """A unit inside the part of the tree the actor may read people in; else not found."""
    unit = get_unit(session=session, unit_id=unit_id)
    if not actor.require(Capability.READ_PEOPLE).covers_unit(unit):
        raise UnitNotFound()
    return unit


def get_municipality(*, session: Session, number: str) -> Municipality:
    found = municipalities.get(session=session, number=number)
    if found is None:
        raise MunicipalityNotFound(f"Kommunenummeret {number} finnes ikke i kommuneregisteret.")
    return found


def find_municipality(*, session: Session, text: str) -> Municipality:
    """A municipality by number, old number or a name that means exactly one.

    The same rules as for a person's municipality (``user_municipality.find``).
    """
    try:
        return user_municipality.find(session=session, given=text)
    except MunicipalityInvalid as exc:
        raise MunicipalityNotFound(exc.detail) from exc


def labels(*, session: Session, units: Iterable[OrgUnit]) -> dict[int, str]:
    """Each unit's path of names ("Helse og omsorg / Hjemmetjenesten"), in one query."""
    wanted = list(units)
    ids = {i for unit in wanted for i in ancestor_ids(unit)}
    rows = session.exec(select(OrgUnit.id, OrgUnit.name).where(col(OrgUnit.id).in_(ids))).all()
    names = {unit_id: name for unit_id, name in rows}
    return {
        unit.id: SEPARATOR.join(names.get(i, "?") for i in ancestor_ids(unit))
        for unit in wanted
        if unit.id is not None
    }


def label(*, session: Session, unit_id: int | None) -> str | None:
    unit = session.get(OrgUnit, unit_id) if unit_id is not None else None
    return None if unit is None else labels(session=session, units=[unit])[unit.id or 0]


def all_labels(*, session: Session) -> dict[int, str]:
    """Every unit's path of names, for a report over many people (thousands of units)."""
    rows = session.exec(select(OrgUnit.id, OrgUnit.name, OrgUnit.path)).all()
    names = {unit_id: name for unit_id, name, _ in rows}
    return {
        unit_id: SEPARATOR.join(names.get(int(i), "?") for i in path.strip("/").split("/") if i)
        for unit_id, _, path in rows
        if unit_id is not None
    }


@dataclass(frozen=True, slots=True)
class TreeNode:
    unit: OrgUnit
    label: str  # the path of names
    people: int  # accounts (not erased) with this as their primary unit
    open_children: int


def tree(
    *,
    session: Session,
    municipality_number: str,
    include_closed: bool = True,
    count_people: bool = True,
) -> list[TreeNode]:
    """The municipality's units, each after its parent, siblings in Norwegian alphabetical order.

    One query for the units (ordered by path) and, with ``count_people``, one for the head
    counts (without, every ``people`` is 0).
    """
    query = select(OrgUnit).where(OrgUnit.municipality_number == municipality_number)
    if not include_closed:
        query = query.where(col(OrgUnit.closed_at).is_(None))
    units = list(session.exec(query.order_by(col(OrgUnit.path))))
    counts: dict[int | None, int] = {}
    if count_people:
        counts = dict(
            session.exec(
                select(User.unit_id, func.count())
                .join(OrgUnit, col(OrgUnit.id) == User.unit_id)
                .where(OrgUnit.municipality_number == municipality_number)
                .where(col(User.erased_at).is_(None))
                .group_by(col(User.unit_id))
            ).all()
        )
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    names = {unit.id: unit.name for unit in units}
    ordered: list[TreeNode] = []

    def visit(parent_id: int | None, prefix: str) -> None:
        below = sorted(children.get(parent_id, []), key=lambda u: (norwegian_key(u.name), u.id))
        for unit in below:
            text = prefix + unit.name
            kids = children.get(unit.id, [])
            open_kids = sum(1 for kid in kids if kid.closed_at is None)
            ordered.append(TreeNode(unit, text, counts.get(unit.id, 0), open_kids))
            visit(unit.id, text + SEPARATOR)

    roots = {u.parent_id for u in units if u.parent_id is None or u.parent_id not in names}
    for root in sorted(roots, key=lambda r: -1 if r is None else r):
        visit(root, "")  # a closed parent left out leaves its open children at the top
    return ordered


def visible_tree(
    *,
    session: Session,
    actor: Actor,
    municipality_number: str,
    include_closed: bool = True,
    count_people: bool = True,
) -> list[TreeNode]:
    """The municipality's tree as far as the actor may read people in it (a leader: their
    units and all below them)."""
    scope = actor.require(Capability.READ_PEOPLE)
    get_municipality(session=session, number=municipality_number)
    nodes = tree(
        session=session,
        municipality_number=municipality_number,
        include_closed=include_closed,
        count_people=count_people,
    )
    if scope.covers_municipality(municipality_number):
        return nodes
    return [node for node in nodes if scope.covers_unit(node.unit)]


class Resolver:
    """The open units of one municipality by (parent, folded name), loaded once: for paths."""

    def __init__(self, session: Session, municipality_number: str) -> None:
        self.municipality_number = municipality_number
        rows = session.exec(
            select(OrgUnit)
            .where(OrgUnit.municipality_number == municipality_number)
            .where(col(OrgUnit.closed_at).is_(None))
        )
        self.units = {(u.parent_id, u.name_key): u for u in rows}

    def find(self, names: Sequence[str]) -> OrgUnit | None:
        """The open unit at this path of names, or None if any level is missing."""
        unit: OrgUnit | None = None
        for name in names:
            unit = self.units.get((unit.id if unit else None, name_key(name)))
            if unit is None:
                return None
        return unit


def resolve_path(*, session: Session, municipality_number: str, path: str) -> OrgUnit | None:
    """The open unit at "Helse og omsorg/Hjemmetjenesten/Sone nord" in the municipality."""
    names = split_path(path)
    if not all(names):
        return None
    return Resolver(session, municipality_number).find(names)


def checked_org_number(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    number = normalise(value)
    wrong = problem(number)
    if wrong is not None:
        raise InvalidOrgNumber(wrong)
    return number


def _open_sibling(
    session: Session, municipality_number: str, parent_id: int | None, key: str
) -> OrgUnit | None:
    query = select(OrgUnit).where(
        OrgUnit.municipality_number == municipality_number,
        OrgUnit.name_key == key,
        col(OrgUnit.closed_at).is_(None),
    )
    parent = col(OrgUnit.parent_id)
    query = query.where(parent.is_(None) if parent_id is None else parent == parent_id)
    return session.exec(query).first()


def _refuse_taken(session: Session, unit: OrgUnit, parent_id: int | None, key: str) -> None:
    other = _open_sibling(session, unit.municipality_number, parent_id, key)
    if other is not None and other.id != unit.id:
        raise UnitNameTaken(
            f"Det finnes allerede en åpen enhet som heter «{other.name}» på samme sted i treet."
        )


def _open_parent(
    session: Session, parent_id: int | None, municipality_number: str
) -> OrgUnit | None:
    if parent_id is None:
        return None
    parent = get_unit(session=session, unit_id=parent_id)
    if parent.municipality_number != municipality_number:
        raise UnitOtherMunicipality("Enheten og den overordnede enheten må høre til samme kommune.")
    if parent.closed_at is not None:
        raise UnitClosed(f"«{parent.name}» er nedlagt og kan ikke få nye underenheter.")
    return parent


def add_unit(
    *,
    session: Session,
    municipality_number: str,
    name: str,
    parent: OrgUnit | None,
    org_number: str | None = None,
) -> OrgUnit:
    """Insert a unit under an open ``parent`` (checked by the caller), without an audit row."""
    unit = OrgUnit(
        municipality_number=municipality_number,
        parent_id=parent.id if parent else None,
        name=name,
        name_key=name_key(name),
        org_number=org_number,
        path="",
        depth=parent.depth + 1 if parent else 0,
        created_at=utcnow(),
    )
    session.add(unit)
    session.flush()  # the id goes into the path
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    session.flush()
    return unit


def create_unit(
    *, session: Session, actor: Actor, municipality_number: str, data: UnitCreate
) -> OrgUnit:
    """A new open unit at the top level or under an open parent in the same municipality."""
    get_municipality(session=session, number=municipality_number)
    check_manages(actor, municipality_number)
    parent = _open_parent(session, data.parent_id, municipality_number)
    org_number = checked_org_number(data.org_number)
    other = _open_sibling(session, municipality_number, data.parent_id, name_key(data.name))
    if other is not None:
        raise UnitNameTaken(
            f"Det finnes allerede en åpen enhet som heter «{other.name}» på samme sted i treet."
        )
    unit = add_unit(
        session=session,
        municipality_number=municipality_number,
        name=data.name,
        parent=parent,
        org_number=org_number,
    )
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.UNIT_CREATE,
        target=audit.unit_target(unit.id),
        details={"municipality": municipality_number, "parent_id": unit.parent_id},
        municipality=municipality_number,
    )
    return unit


def update_unit(*, session: Session, actor: Actor, unit_id: int, data: UnitUpdate) -> OrgUnit:
    """Rename, set or clear the organisation number, or move: each audited as what it is."""
    unit = managed_unit(session=session, actor=actor, unit_id=unit_id)
    given = data.model_dump(exclude_unset=True)
    if "parent_id" in given and given["parent_id"] != unit.parent_id:
        move_unit(session=session, actor=actor, unit_id=unit_id, parent_id=given["parent_id"])
    if "name" in given and given["name"] != unit.name:
        rename_unit(session=session, actor=actor, unit_id=unit_id, name=given["name"])
    if "org_number" in given:
        number = checked_org_number(given["org_number"])
        if number != unit.org_number:
            unit.org_number = number
            audit.record(
                session=session,
                actor=actor.user,
                action=audit.Action.UNIT_UPDATE,
                target=audit.unit_target(unit.id),
                details={"municipality": unit.municipality_number, "fields": ["org_number"]},
                municipality=unit.municipality_number,
            )
    session.flush()
    return unit


def rename_unit(*, session: Session, actor: Actor, unit_id: int, name: str) -> OrgUnit:
    unit = managed_unit(session=session, actor=actor, unit_id=unit_id)
    key = name_key(name)
    if unit.closed_at is None:
        _refuse_taken(session, unit, unit.parent_id, key)
    unit.name, unit.name_key = name, key
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.UNIT_RENAME,
        target=audit.unit_target(unit.id),
        details={"municipality": unit.municipality_number},
        municipality=unit.municipality_number,
    )
    session.flush()
    return unit


def move_unit(*, session: Session, actor: Actor, unit_id: int, parent_id: int | None) -> OrgUnit:
    """Put the unit (and everything below it) under another open unit of the same
    municipality, or at the top level; the subtree's paths change in one statement."""
    unit = managed_unit(session=session, actor=actor, unit_id=unit_id)
    if parent_id is not None:
        target = get_unit(session=session, unit_id=parent_id)
        if target.path.startswith(unit.path):
            raise UnitMoveIntoItself()
    parent = _open_parent(session, parent_id, unit.municipality_number)
    if unit.closed_at is None:
        _refuse_taken(session, unit, parent_id, unit.name_key)
    old_path, old_parent = unit.path, unit.parent_id
    new_path = f"{parent.path if parent else '/'}{unit.id}/"
    shift = (parent.depth + 1 if parent else 0) - unit.depth
    unit.parent_id = parent_id
    session.flush()
    moved = session.exec(
        update(OrgUnit)
        .where(unit_subtree(old_path))
        .values(
            path=literal(new_path, String).concat(func.substr(OrgUnit.path, len(old_path) + 1)),
            depth=OrgUnit.depth + shift,
        )
        .execution_options(synchronize_session="fetch")
    )
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.UNIT_MOVE,
        target=audit.unit_target(unit.id),
        details={
            "municipality": unit.municipality_number,
            "from_parent_id": old_parent,
            "to_parent_id": parent_id,
            "units": moved.rowcount,
        },
        municipality=unit.municipality_number,
    )
    session.flush()
    return unit


def close_unit(*, session: Session, actor: Actor, unit_id: int, subtree: bool = False) -> OrgUnit:
    """Close the unit; with open units below it, only if ``subtree`` (then all of them)."""
    unit = managed_unit(session=session, actor=actor, unit_id=unit_id)
    if unit.closed_at is not None:
        raise UnitClosed("Enheten er allerede nedlagt.")
    below = session.exec(
        select(func.count())
        .select_from(OrgUnit)
        .where(
            unit_subtree(unit.path), col(OrgUnit.id) != unit.id, col(OrgUnit.closed_at).is_(None)
        )
    ).one()
    if below and not subtree:
        raise UnitHasOpenChildren()
    now = utcnow()
    session.exec(
        update(OrgUnit)
        .where(unit_subtree(unit.path), col(OrgUnit.closed_at).is_(None))
        .values(closed_at=now)
        .execution_options(synchronize_session="fetch")
    )
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.UNIT_CLOSE,
        target=audit.unit_target(unit.id),
        details={"municipality": unit.municipality_number, "units": below + 1},
        municipality=unit.municipality_number,
    )
    session.flush()
    return unit


def reopen_unit(*, session: Session, actor: Actor, unit_id: int) -> OrgUnit:
    """Open a closed unit again (not what was below it): its parent must be open."""
    unit = managed_unit(session=session, actor=actor, unit_id=unit_id)
    if unit.closed_at is None:
        raise UnitNotClosed()
    _open_parent(session, unit.parent_id, unit.municipality_number)
    _refuse_taken(session, unit, unit.parent_id, unit.name_key)
    unit.closed_at = None
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.UNIT_REOPEN,
        target=audit.unit_target(unit.id),
        details={"municipality": unit.municipality_number},
        municipality=unit.municipality_number,
    )
    session.flush()
    return unit


def check_placement(
    *, session: Session, unit_id: int | None, municipality_number: str | None
) -> OrgUnit | None:
    """The unit a person may have as primary unit: open, and in their municipality."""
    if unit_id is None:
        return None
    unit = get_unit(session=session, unit_id=unit_id)
    if unit.municipality_number != municipality_number:
        raise UnitOtherMunicipality(
            "Enheten hører til en annen kommune enn personen. Velg en enhet i kommune "
            f"{municipality_number}."
            if municipality_number
            else "Personen har ikke kommunenummer, så hun eller han kan ikke plasseres i en enhet."
        )
    if unit.closed_at is not None:
        raise UnitClosed(f"«{unit.name}» er nedlagt: ingen nye personer kan legges i den.")
    return unit


def unmatched_departments(
    *, session: Session, actor: Actor, limit: int | None = None
) -> Sequence[User]:
    """Accounts whose old department text could not be placed in a unit, by name."""
    scope = actor.require(Capability.MANAGE_PEOPLE)
    query = (
        select(User)
        .where(
            col(User.department_unmatched).is_not(None),
            col(User.erased_at).is_(None),
            scope.people(),
        )
        .order_by(func.lower(User.full_name), col(User.id))
    )
    return session.exec(query.limit(limit) if limit is not None else query).all()


def labels_of(*, session: Session, unit_ids: Iterable[int | None]) -> dict[int, str]:
    """The path of names of each of these units (two queries however many)."""
    ids = {unit_id for unit_id in unit_ids if unit_id is not None}
    if not ids:
        return {}
    units = session.exec(select(OrgUnit).where(col(OrgUnit.id).in_(ids))).all()
    return labels(session=session, units=units)


def unit_for_path(*, session: Session, municipality_number: str | None, path: str) -> OrgUnit:
    """The open unit a path names in the municipality; a Norwegian 404 if there is none."""
    if municipality_number is None:
        raise UnitNotFound("En enhet krever kommunenummer: enheten finnes bare i sin kommune.")
    unit = resolve_path(session=session, municipality_number=municipality_number, path=path)
    if unit is None:
        shown = SEPARATOR.join(split_path(path))
        raise UnitNotFound(f"Fant ingen åpen enhet «{shown}» i kommune {municipality_number}.")
    return unit


def choices(*, session: Session, municipality_number: str | None) -> list[tuple[int, str]]:
    """(id, path of names) of the open units a person in the municipality can be placed in."""
    if municipality_number is None:
        return []
    nodes = tree(session=session, municipality_number=municipality_number, include_closed=False)
    return [(node.unit.id or 0, node.label) for node in nodes]


def node(*, session: Session, unit_id: int) -> TreeNode:
    """One unit as the tree shows it: its path of names, its people and open children."""
    unit = get_unit(session=session, unit_id=unit_id)
    people = session.exec(
        select(func.count())
        .select_from(User)
        .where(User.unit_id == unit_id, col(User.erased_at).is_(None))
    ).one()
    open_children = session.exec(
        select(func.count())
        .select_from(OrgUnit)
        .where(OrgUnit.parent_id == unit_id, col(OrgUnit.closed_at).is_(None))
    ).one()
    text = labels(session=session, units=[unit])[unit_id]
    return TreeNode(unit, text, people, open_children)


def get_unit_in(*, session: Session, unit_id: int, municipality_number: str) -> OrgUnit:
    """The unit, if it belongs to the municipality (a page of one municipality changes only
    its own units); else 404."""
    unit = get_unit(session=session, unit_id=unit_id)
    if unit.municipality_number != municipality_number:
        raise UnitNotFound(f"Kommune {municipality_number} har ingen enhet med id {unit_id}.")
    return unit
