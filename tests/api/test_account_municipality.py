"""Accounts belong to a municipality in the register: given by name or number through the API
and the import, refused when none or several match, listed and fixed when unmatched."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from api.data.models import Role, User
from tests.factories import login, make_user

USERS = "/api/v1/users"


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:
    return login(client, make_user(engine, role=Role.ADMIN, full_name="Ada Administrator").email)


def unmatched_account(engine: Engine, text: str, **kwargs: str) -> User:
    """An account as migration 0007 leaves one whose municipality matched nothing."""
    user = make_user(engine, **kwargs)
    with engine.begin() as connection:
        connection.execute(
            update(User.__table__)  # type: ignore[arg-type]
            .where(User.__table__.c.id == user.id)  # type: ignore[attr-defined]
            .values(municipality_number=None, municipality_unmatched=text)
        )
    return user


def _emails(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(User.email)).all())


def _new(email: str, **municipality: str) -> dict[str, str]:
    return {"email": email, "full_name": "Kari Nordmann", **municipality}


@pytest.mark.parametrize(
    ("given", "number", "name", "county"),
    [
        ({"municipality": "baerum"}, "3201", "Bærum", "Akershus"),
        ({"municipality": "0301"}, "0301", "Oslo", "Oslo"),
        ({"municipality": "3001 Halden"}, "3101", "Halden", "Østfold"),  # an old number
        ({"municipality": "Guovdageaidnu"}, "5612", "Kautokeino", "Finnmark"),
        ({"municipality_number": "3203"}, "3203", "Asker", "Akershus"),  # the old input
        ({"municipality": "Asker", "municipality_number": "3203"}, "3203", "Asker", "Akershus"),
    ],
)
def test_create_finds_the_municipality_by_name_or_number(
    client: TestClient,
    admin: dict[str, str],
    given: dict[str, str],
    number: str,
    name: str,
    county: str,
) -> None:
    response = client.post(USERS, headers=admin, json=_new("ny@kommune.no", **given))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["municipality_number"], body["municipality"], body["county"]) == (
        number,
        name,
        county,
    )
    assert body["municipality_unmatched"] is None


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"municipality": "Sentrum"},
            "Finner ingen kommune som heter eller har nummeret «Sentrum»",
        ),
        ({"municipality": "9999"}, "«9999»"),
        ({"municipality": "Herøy"}, "«Herøy» passer med flere kommuner (1515 Herøy (Møre og"),
        # a split number: both successors named
        ({"municipality": "1507"}, "(1580 Haram (Møre og Romsdal), 1508 Ålesund"),
        ({"municipality": "Oslo", "municipality_number": "3203"}, "ikke samme kommune"),
    ],
)
def test_create_with_a_municipality_the_register_cannot_place_is_422_and_stores_nothing(
    client: TestClient,
    engine: Engine,
    admin: dict[str, str],
    given: dict[str, str],
    message: str,
) -> None:
    before = _emails(engine)
    response = client.post(USERS, headers=admin, json=_new("ukjent@kommune.no", **given))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "municipality_invalid"
    assert message in response.json()["detail"]
    assert _emails(engine) == before


def test_create_without_any_municipality_is_422(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(USERS, headers=admin, json=_new("uten@kommune.no"))
    assert response.status_code == 422
    assert "municipality" in response.text


def test_unmatched_accounts_are_listed_until_an_administrator_fixes_them(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    lost = unmatched_account(engine, "Sentrum", full_name="Siv Sentrum")
    make_user(engine, full_name="Ola Asker")
    listed = client.get(USERS, headers=admin, params={"unmatched": "true"}).json()
    assert [(u["id"], u["municipality"], u["municipality_unmatched"]) for u in listed] == [
        (lost.id, None, "Sentrum")
    ]
    one = client.get(f"{USERS}/{lost.id}", headers=admin).json()
    assert (one["municipality_number"], one["municipality_unmatched"]) == (None, "Sentrum")

    # Changing something else leaves it unmatched; an unknown municipality is refused.
    response = client.patch(
        f"{USERS}/{lost.id}", headers=admin, json={"full_name": "Siv Sentrum-Berg"}
    )
    assert response.json()["municipality_unmatched"] == "Sentrum"
    response = client.patch(f"{USERS}/{lost.id}", headers=admin, json={"municipality": "Sentrum"})
    assert response.status_code == 422 and response.json()["code"] == "municipality_invalid"

    response = client.patch(f"{USERS}/{lost.id}", headers=admin, json={"municipality": "oslo"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["municipality"], body["municipality_number"], body["municipality_unmatched"]) == (
        "Oslo",
        "0301",
        None,
    )
    assert client.get(USERS, headers=admin, params={"unmatched": "true"}).json() == []


def test_the_user_list_filters_by_name_number_or_old_number(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    halden = make_user(engine, full_name="Hanne Halden", municipality="Halden")
    make_user(engine, full_name="Ola Oslo", municipality="Oslo")
    for given in ("Halden", "HALDEN", "3101", "3001"):
        found = client.get(USERS, headers=admin, params={"municipality": given}).json()
        assert [u["id"] for u in found] == [halden.id], given


def _upload(client: TestClient, headers: dict[str, str], data: str, *, dry_run: bool) -> object:
    return client.post(
        f"{USERS}/import",
        headers=headers,
        params={"dry_run": dry_run},
        files={"file": ("ansatte.csv", data.encode(), "text/csv")},
    )


IMPORT = (
    "e-post;navn;kommune;kommunenummer\n"
    "a@kommune.no;Anne A;Bærum;\n"  # line 2: a name
    "b@kommune.no;Bjørn B;;301\n"  # line 3: a number without its zero
    "c@kommune.no;Cecilie C;Sentrum;\n"  # line 4: no such municipality
    "d@kommune.no;Dag D;Herøy;\n"  # line 5: two of them
    "e@kommune.no;Eva E;Oslo;3203\n"  # line 6: the name and the number disagree
    "f@kommune.no;Finn F;0301 Oslo;\n"  # line 7: a number in the text
)


def test_import_reports_each_municipality_it_cannot_place_by_line(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    before = _emails(engine)
    report = _upload(client, admin, IMPORT, dry_run=True)
    assert report.status_code == 200, report.text  # type: ignore[attr-defined]
    body = report.json()  # type: ignore[attr-defined]
    problems = [(e["line"], e["column"]) for e in body["errors"]]
    assert problems == [(4, "kommune"), (5, "kommune"), (6, "kommunenummer")]
    messages = [e["message"] for e in body["errors"]]
    assert "«Sentrum»" in messages[0]
    assert "flere kommuner" in messages[1] and "1818 Herøy (Nordland)" in messages[1]
    assert "ikke samme kommune" in messages[2]
    assert body["created"] == 3  # the lines that would be imported once the others are fixed

    refused = _upload(client, admin, IMPORT, dry_run=False)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert [e["line"] for e in refused.json()["errors"]] == [4, 5, 6]  # type: ignore[attr-defined]
    assert _emails(engine) == before

    good = "\n".join(line for i, line in enumerate(IMPORT.splitlines()) if i not in (3, 4, 5))
    assert _upload(client, admin, good, dry_run=False).status_code == 200  # type: ignore[attr-defined]
    with Session(engine) as session:
        numbers = dict(
            session.exec(select(User.email, User.municipality_number)).all()  # type: ignore[call-overload]
        )
    assert (numbers["a@kommune.no"], numbers["b@kommune.no"], numbers["f@kommune.no"]) == (
        "3201",
        "0301",
        "0301",
    )


def test_a_reimport_fixes_an_unmatched_account(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    lost = unmatched_account(engine, "Sentrum", email="siv@kommune.no", full_name="Siv S")
    data = "e-post;navn;kommune\nsiv@kommune.no;Siv S;Tromsø\n"
    response = _upload(client, admin, data, dry_run=False)
    assert response.json()["updated"] == 1  # type: ignore[attr-defined]
    with Session(engine) as session:
        user = session.get(User, lost.id)
        assert user is not None
        assert (user.municipality_number, user.municipality_unmatched) == ("5501", None)
