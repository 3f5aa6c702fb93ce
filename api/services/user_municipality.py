"""Which municipality a person means: the one matcher for every door that takes one.

An account belongs to a municipality in the register by its number. People write a
municipality as a number ("0301", "301" when a spreadsheet ate the zero, an old number
that has since changed), as a number and a name ("0301 Oslo"), or as a name in any of
its official forms, with any case and accents ("oslo", "Baerum", "Guovdageaidnu",
"Kárášjohka - Karasjok"). Names are folded by ``api.core.collation.search_key``. Only
one municipality may match: "Herøy" is two, and the person must say which; a number
that was split is not guessed either.

The API, the admin pages, the command line and the CSV import all call this module;
migration 0007 holds a frozen copy of the same rules for the accounts it converted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, select

from api.core.collation import norwegian_key, search_key
from api.core.errors import MunicipalityInvalid
from api.data.models import Municipality, MunicipalityChange, User

_LEADING_NUMBER = re.compile(r"\s*(\d{3,4})(?!\d)")
_MAX_STEPS = 20  # a chain of changes longer than this is a loop in the data


@dataclass(frozen=True, slots=True)
class Match:
    """What a text means: one municipality, or none with the candidates that made it ambiguous."""

    municipality: Municipality | None
    candidates: tuple[Municipality, ...] = ()


def name_forms(municipality: Municipality) -> set[str]:
    """The folded names a municipality is known by: its name, KLASS's name and each
    language's part of it ("Guovdageaidnu - Kautokeino")."""
    forms = {municipality.name, municipality.klass_name, *municipality.klass_name.split(" - ")}
    return {search_key(form) for form in forms}


@dataclass(slots=True)
class MunicipalityIndex:
    """The register in memory (two queries), for matching one text or a whole import file."""

    by_number: dict[str, Municipality]
    successors: dict[str, list[MunicipalityChange]]
    by_name: dict[str, list[Municipality]] = field(default_factory=dict)

    @classmethod
    def load(cls, *, session: Session) -> MunicipalityIndex:
        municipalities = list(session.exec(select(Municipality)))
        successors: dict[str, list[MunicipalityChange]] = {}
        for change in session.exec(select(MunicipalityChange)):
            successors.setdefault(change.old_number, []).append(change)
        index = cls({m.number: m for m in municipalities}, successors)
        for municipality in municipalities:
            if municipality.valid_to is None:
                for form in name_forms(municipality):
                    index.by_name.setdefault(form, []).append(municipality)
        return index

    def _chain(self, number: str) -> list[set[str]]:
        """The numbers ``number`` became, step by step (itself first)."""
        steps = [{number}]
        current = number
        for _ in range(_MAX_STEPS):
            found = self.by_number.get(current)
            changes = self.successors.get(current, [])
            if (found is not None and found.valid_to is None) or not changes:
                break
            latest = max(c.changed_on for c in changes)
            following = {c.new_number for c in changes if c.changed_on == latest}
            steps.append(following)
            if len(following) != 1:
                break
            current = next(iter(following))
        return steps

    def number(self, given: str) -> Match:
        """The municipality that holds a number now, old numbers followed to their successor."""
        last = self._chain(given.strip().zfill(4))[-1]
        found = [self.by_number[n] for n in sorted(last) if n in self.by_number]
        if len(found) == 1:
            return Match(found[0])
        return Match(None, tuple(found))

    def match(self, given: str) -> Match:
        """The one municipality ``given`` names, by number (also inside the text) or by name."""
        written = _LEADING_NUMBER.match(given)
        if written is not None:
            found = self.number(written.group(1))
            if found.municipality is not None or found.candidates:
                return found
        candidates = self.by_name.get(search_key(given), [])
        if len(candidates) == 1:
            return Match(candidates[0])
        return Match(None, tuple(sorted(candidates, key=lambda m: m.number)))

    def numbers_meant(self, given: str) -> set[str]:
        """Every number a filter text may mean: a number and what it became, or each
        municipality with that name (both Herøys for "Herøy"). Empty when none."""
        text = given.strip()
        if text.isdigit():
            return set().union(*self._chain(text.zfill(4)))
        written = _LEADING_NUMBER.match(text)
        if written is not None and (found := self.numbers_meant(written.group(1))):
            return found
        return {m.number for m in self.by_name.get(search_key(text), [])}


def find(*, session: Session, given: str, index: MunicipalityIndex | None = None) -> Municipality:
    """The municipality a person means by ``given``; ``MunicipalityInvalid`` if not exactly one."""
    found = (index or MunicipalityIndex.load(session=session)).match(given)
    if found.municipality is None:
        raise MunicipalityInvalid(given, candidates=describe(found.candidates))
    return found.municipality


def describe(municipalities: Iterable[Municipality]) -> list[str]:
    """Municipalities as people tell them apart: "1515 Herøy (Møre og Romsdal)"."""
    ordered = sorted(municipalities, key=lambda m: (norwegian_key(m.name), m.number))
    return [f"{m.number} {m.name} ({m.county_name})" for m in ordered]


def assign(user: User, municipality: Municipality) -> None:
    """Set the account's municipality; whatever did not match before is then settled."""
    user.municipality = municipality
    user.municipality_number = municipality.number
    user.municipality_unmatched = None


def label(user: User) -> str:
    """The municipality as shown to people: "Oslo (0301)", or the unmatched text."""
    if user.municipality is not None:
        return f"{user.municipality.name} ({user.municipality.number})"
    return user.municipality_unmatched or ""


def certificate_name(user: User) -> str:
    """The municipality a certificate names: the register's name when it is issued (an account
    not yet fixed keeps the text it came with rather than being refused its certificate)."""
    if user.municipality is not None:
        return user.municipality.name
    return user.municipality_unmatched or ""


def account_fields(user: User) -> dict[str, str | None]:
    """The municipality fields every door shows for an account (API, privacy export)."""
    found = user.municipality
    return {
        "municipality": found.name if found else None,
        "municipality_number": user.municipality_number,
        "county": found.county_name if found else None,
        "municipality_unmatched": user.municipality_unmatched,
    }


def from_input(
    *,
    session: Session,
    name: str | None,
    number: str | None,
    index: MunicipalityIndex | None = None,
) -> Municipality:
    """The municipality a form or request names: ``number`` decides when given, and a name
    given beside it must mean the same one; ``MunicipalityInvalid`` otherwise."""
    index = index or MunicipalityIndex.load(session=session)
    if number is None:
        return find(session=session, given=name or "", index=index)
    found = find(session=session, given=number, index=index)
    if name is not None and index.match(name).municipality is not found:
        raise MunicipalityInvalid(f"{name} / {number}", conflict=True)
    return found
