"""The roster and the summary read the municipality from the register: the filter matches a
name however it is written, a number or an old number; the county is a column; accounts
without a municipality are "Ukjent kommune"."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.data.models import Role
from tests.api.test_account_municipality import unmatched_account
from tests.api.test_roster import ROSTER, read_csv
from tests.factories import login, make_user


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:
    admin = make_user(engine, role=Role.ADMIN, full_name="Ada Admin", municipality="Asker")
    make_user(engine, full_name="Olga Oslo", municipality="oslo")
    make_user(engine, full_name="Oskar Oslo", municipality="0301")
    make_user(engine, full_name="Hanne Halden", municipality="Halden")  # 3101, was 3001
    make_user(engine, full_name="Kari Karasjok", municipality="Kárášjohka - Karasjok")
    unmatched_account(engine, "Sentrum", full_name="Siv Sentrum")
    return login(client, admin.email)


def _names(client: TestClient, admin: dict[str, str], municipality: str) -> list[str]:
    response = client.get(
        ROSTER, headers=admin, params={"format": "json", "municipality": municipality}
    )
    assert response.status_code == 200, response.text
    return [row["full_name"] for row in response.json()]


@pytest.mark.parametrize("given", ["OSLO", "oslo", "Oslo", "0301", "301", "0301 Oslo"])
def test_the_filter_finds_oslo_however_it_is_written(
    client: TestClient, admin: dict[str, str], given: str
) -> None:
    assert _names(client, admin, given) == ["Olga Oslo", "Oskar Oslo"]


@pytest.mark.parametrize("given", ["3001", "3101", "halden"])
def test_an_old_number_finds_the_people_of_its_successor(
    client: TestClient, admin: dict[str, str], given: str
) -> None:
    assert _names(client, admin, given) == ["Hanne Halden"]


@pytest.mark.parametrize("given", ["karasjok", "KÁRÁŠJOHKA", "Kárášjohka – Karasjok"])
def test_the_filter_takes_each_official_form_of_a_sami_name(
    client: TestClient, admin: dict[str, str], given: str
) -> None:
    assert _names(client, admin, given) == ["Kari Karasjok"]


@pytest.mark.parametrize("given", ["Sentrum", "9999", "Herøy (Nordland)"])
def test_a_filter_that_names_no_one_finds_no_one(
    client: TestClient, admin: dict[str, str], given: str
) -> None:
    assert _names(client, admin, given) == []


def test_csv_and_json_have_the_name_the_number_and_the_county(
    client: TestClient, admin: dict[str, str]
) -> None:
    header, *rows = read_csv(client.get(ROSTER, headers=admin))
    assert header[2:5] == ["Kommune", "Kommunenummer", "Fylke"]
    by_name = {row[0]: row[2:5] for row in rows}
    assert by_name["Hanne Halden"] == ["Halden", "3101", "Østfold"]
    assert by_name["Kari Karasjok"] == ["Karasjok", "5610", "Finnmark"]
    assert by_name["Siv Sentrum"] == ["Ukjent kommune", "", ""]
    assert [row[0] for row in rows][-1] == "Siv Sentrum"  # the unknown ones last

    rows_json = client.get(ROSTER, headers=admin, params={"format": "json"}).json()
    halden = next(r for r in rows_json if r["full_name"] == "Hanne Halden")
    assert (halden["municipality"], halden["municipality_number"], halden["county"]) == (
        "Halden",
        "3101",
        "Østfold",
    )
    sentrum = next(r for r in rows_json if r["full_name"] == "Siv Sentrum")
    assert (sentrum["municipality"], sentrum["municipality_number"], sentrum["county"]) == (
        None,
        None,
        None,
    )


def test_xlsx_has_the_county_column(client: TestClient, admin: dict[str, str]) -> None:
    import io

    import openpyxl

    response = client.get(ROSTER, headers=admin, params={"format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][2:5] == ("Kommune", "Kommunenummer", "Fylke")
    assert ("Oskar Oslo", "Oslo", "0301", "Oslo") in {(r[0], *r[2:5]) for r in rows[1:]}


def test_the_summary_groups_by_number_with_the_unknown_last(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.get("/api/v1/reports/municipalities", headers=admin)
    assert response.status_code == 200, response.text
    rows = [(r["municipality_number"], r["municipality"], r["county"], r["enrolled"])
            for r in response.json()]  # fmt: skip
    assert ("0301", "Oslo", "Oslo", 2) in rows  # "oslo" and "0301": one municipality
    assert rows[-1] == (None, None, None, 1)
