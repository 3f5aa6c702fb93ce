"""The shipped municipality register, look-up by old numbers, and search."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import Engine
from sqlmodel import Session, select

from api.data.models import Municipality, MunicipalityChange
from api.services import municipalities

COUNTIES = {
    "03": "Oslo",
    "11": "Rogaland",
    "15": "Møre og Romsdal",
    "18": "Nordland",
    "31": "Østfold",
    "32": "Akershus",
    "33": "Buskerud",
    "34": "Innlandet",
    "39": "Vestfold",
    "40": "Telemark",
    "42": "Agder",
    "46": "Vestland",
    "50": "Trøndelag",
    "55": "Troms",
    "56": "Finnmark",
}


def test_a_fresh_database_holds_the_357_municipalities_of_2024_in_15_counties(
    engine: Engine,
) -> None:
    with Session(engine) as session:
        rows = session.exec(select(Municipality)).all()
    assert len(rows) == 357
    assert len({m.number for m in rows}) == 357
    assert {(m.county_number, m.county_name) for m in rows} == set(COUNTIES.items())
    assert all(re.fullmatch(r"\d{4}", m.number) for m in rows)
    assert all(m.number[:2] == m.county_number for m in rows)
    assert all(m.valid_to is None and m.valid_from.isoformat() == "2024-01-01" for m in rows)
    per_county = Counter(m.county_number for m in rows)
    assert per_county["03"] == 1 and per_county["34"] == 46 and per_county["46"] == 43


def test_known_municipalities_have_their_official_forms(engine: Engine) -> None:
    expected = {
        "0301": ("Oslo", "Oslo"),
        "3203": ("Asker", "Asker"),
        "5501": ("Tromsø", "Tromsø"),
        "1580": ("Haram", "Haram"),
        "1508": ("Ålesund", "Ålesund"),
        "5612": ("Kautokeino", "Guovdageaidnu - Kautokeino"),
        "5622": ("Porsanger", "Porsanger - Porsáŋgu - Porsanki"),
        "5041": ("Snåsa", "Snåase - Snåsa"),
        "5610": ("Karasjok", "Kárášjohka - Karasjok"),
        "3114": ("Våler", "Våler (Østfold)"),
    }
    with Session(engine) as session:
        for number, (name, klass_name) in expected.items():
            found = municipalities.get(session=session, number=number)
            assert found is not None, number
            assert (found.name, found.klass_name) == (name, klass_name)
        assert municipalities.get(session=session, number="1507") is None


def test_the_written_form_is_shipped_only_where_a_source_says_it(engine: Engine) -> None:
    # Språkrådet's county summary of språkvedtak names one form for Oslo (its only
    # municipality); for every other county it gives counts, not municipalities.
    with Session(engine) as session:
        forms = {m.number: m.written_form for m in session.exec(select(Municipality))}
    assert forms.pop("0301") == "nøytral"
    assert set(forms.values()) == {"ukjent"}


def test_old_numbers_resolve_to_the_2024_municipality(engine: Engine) -> None:
    with Session(engine) as session:
        asker = municipalities.resolve(session=session, number="3025")
        tromso = municipalities.resolve(session=session, number="5401")
        alesund = municipalities.resolve(session=session, number="1507")
        oslo = municipalities.resolve(session=session, number="0301")
        unknown = municipalities.resolve(session=session, number="9998")
        changes = session.exec(select(MunicipalityChange)).all()
    assert asker is not None and asker.municipality.number == "3203"
    assert [c.kind for c in asker.via] == ["renumbered"]
    assert tromso is not None and tromso.municipality.number == "5501"
    # Ålesund 1507 was split in 2024: the part that kept the name, and Haram beside it.
    assert alesund is not None and alesund.municipality.number == "1508"
    assert [m.number for m in alesund.alternatives] == ["1580"]
    assert oslo is not None and not oslo.renumbered
    assert unknown is None
    assert len(changes) == 115
    assert Counter(c.kind for c in changes) == {"renumbered": 113, "split": 2}


def test_search_ignores_case_and_accents(engine: Engine) -> None:
    def numbers(text: str) -> list[str]:
        with Session(engine) as session:
            return [m.number for m in municipalities.search(session=session, text=text)]

    assert numbers("tromso") == numbers("TROMSØ") == numbers("Tromsoe") == ["5501"]
    assert numbers("karasjok") == numbers("KÁRÁŠJOHKA") == numbers("karasjohka") == ["5610"]
    assert numbers("porsangu") == ["5622"]
    assert numbers("aalesund") == numbers("ålesund") == ["1508"]
    assert numbers("baerum") == numbers("Bærum") == ["3201"]
    assert numbers("nord fron") == numbers("Nord-Fron") == ["3436"]
    assert numbers("guovdageaidnu") == ["5612"]
    assert numbers("560") == ["5601", "5603", "5605", "5607"]
    assert numbers("finnes ikke") == []


def test_listing_by_county_is_in_norwegian_alphabetical_order(engine: Engine) -> None:
    with Session(engine) as session:
        finnmark = municipalities.search(session=session, county="56")
    names = [m.name for m in finnmark]
    assert len(finnmark) == 18
    assert names[:3] == ["Alta", "Berlevåg", "Båtsfjord"]
    assert names[-1] == "Vardø"
