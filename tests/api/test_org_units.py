"""Organisation units over HTTP: the tree, create, rename, move, close, the rules, and roles."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from api.core.org_numbers import check_digit
from api.data.models import AuditEvent, OrgUnit, Role, User
from api.services import org_units
from tests.factories import login, make_unit, make_user, user_headers

ASKER = "/api/v1/municipalities/3203/units"


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:
    return login(client, make_user(engine, role=Role.ADMIN, full_name="Ada Admin").email)


def create(
    client: TestClient,
    headers: dict[str, str],
    name: str,
    parent: int | None = None,
    **extra: object,
) -> httpx.Response:
    return client.post(ASKER, headers=headers, json={"name": name, "parent_id": parent, **extra})


def created(
    client: TestClient, headers: dict[str, str], name: str, parent: int | None = None
) -> int:
    response = create(client, headers, name, parent)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def paths(engine: Engine) -> dict[str, tuple[str, int]]:
    with Session(engine) as session:
        return {u.name: (u.path, u.depth) for u in session.exec(select(OrgUnit))}


def test_a_tree_is_built_renamed_and_listed_parent_first(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    health = created(client, admin, "Helse og omsorg")
    home = created(client, admin, "Hjemmetjenesten", health)
    north = created(client, admin, "Sone nord", home)
    created(client, admin, "Barnehage")
    renamed = client.patch(f"/api/v1/units/{home}", headers=admin, json={"name": "Hjemmetjeneste"})
    assert renamed.status_code == 200
    assert renamed.json()["label"] == "Helse og omsorg / Hjemmetjeneste"

    tree = client.get(ASKER, headers=admin).json()
    assert [(u["label"], u["depth"]) for u in tree] == [
        ("Barnehage", 0),
        ("Helse og omsorg", 0),
        ("Helse og omsorg / Hjemmetjeneste", 1),
        ("Helse og omsorg / Hjemmetjeneste / Sone nord", 2),
    ]
    assert tree[3]["path"] == f"/{health}/{home}/{north}/"
    with Session(engine) as session:
        events = session.exec(
            select(AuditEvent.action, AuditEvent.target, AuditEvent.details)
        ).all()
    assert [(a, t) for a, t, _ in events if a.startswith("unit.")] == [
        ("unit.create", f"unit:{health}"),
        ("unit.create", f"unit:{home}"),
        ("unit.create", f"unit:{north}"),
        ("unit.create", f"unit:{tree[0]['id']}"),
        ("unit.rename", f"unit:{home}"),
    ]
    assert all('"municipality": "3203"' in d for a, _, d in events if a.startswith("unit."))


def test_a_move_rewrites_the_whole_subtree_in_one_statement(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    health = created(client, admin, "Helse og omsorg")
    home = created(client, admin, "Hjemmetjenesten", health)
    north = created(client, admin, "Sone nord", home)
    leaf = created(client, admin, "Team 1", north)
    care = created(client, admin, "Omsorg")
    moved = client.patch(f"/api/v1/units/{home}", headers=admin, json={"parent_id": care})
    assert moved.status_code == 200, moved.text
    assert paths(engine) == {
        "Helse og omsorg": (f"/{health}/", 0),
        "Omsorg": (f"/{care}/", 0),
        "Hjemmetjenesten": (f"/{care}/{home}/", 1),
        "Sone nord": (f"/{care}/{home}/{north}/", 2),
        "Team 1": (f"/{care}/{home}/{north}/{leaf}/", 3),
    }
    to_top = client.patch(f"/api/v1/units/{north}", headers=admin, json={"parent_id": None})
    assert to_top.status_code == 200
    assert paths(engine)["Team 1"] == (f"/{north}/{leaf}/", 1)
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "unit.move").limit(1))
    assert '"units": 3' in event.details and f'"to_parent_id": {care}' in event.details


def test_a_unit_cannot_move_under_itself_or_its_own_units(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    health = created(client, admin, "Helse og omsorg")
    home = created(client, admin, "Hjemmetjenesten", health)
    north = created(client, admin, "Sone nord", home)
    before = paths(engine)
    for target in (health, north):
        response = client.patch(
            f"/api/v1/units/{health}", headers=admin, json={"parent_id": target}
        )
        assert response.status_code == 409
        assert response.json()["code"] == "unit_move_into_itself"
        assert "under seg selv" in response.json()["detail"]
    assert paths(engine) == before
    with Session(engine) as session:
        outcomes = session.exec(
            select(AuditEvent.outcome).where(AuditEvent.action == "unit.update")
        ).all()
    assert outcomes == ["denied", "denied"]


def test_units_of_two_municipalities_do_not_mix(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    asker = created(client, admin, "Helse og omsorg")
    oslo = client.post(
        "/api/v1/municipalities/0301/units", headers=admin, json={"name": "Bydel Frogner"}
    ).json()["id"]
    move = client.patch(f"/api/v1/units/{oslo}", headers=admin, json={"parent_id": asker})
    assert (move.status_code, move.json()["code"]) == (422, "unit_other_municipality")
    child = create(client, admin, "Sone", oslo)
    assert (child.status_code, child.json()["code"]) == (422, "unit_other_municipality")
    person = make_user(engine, municipality_number="3203")
    placed = client.patch(f"/api/v1/users/{person.id}", headers=admin, json={"unit_id": oslo})
    assert (placed.status_code, placed.json()["code"]) == (422, "unit_other_municipality")
    ok = client.patch(f"/api/v1/users/{person.id}", headers=admin, json={"unit_id": asker})
    assert (ok.status_code, ok.json()["unit_id"]) == (200, asker)
    elsewhere = client.patch(
        f"/api/v1/users/{person.id}", headers=admin, json={"municipality_number": "0301"}
    )
    assert elsewhere.status_code == 422  # the unit would be in another municipality
    unknown = client.get("/api/v1/municipalities/9999/units", headers=admin)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "municipality_not_found")


def test_sibling_names_are_unique_however_they_are_written(
    client: TestClient, admin: dict[str, str]
) -> None:
    health = created(client, admin, "Helse og omsorg")
    created(client, admin, "Bø skole", health)
    for name in ("HELSE OG OMSORG", "Helse-og-omsorg"):
        response = create(client, admin, name)
        assert (response.status_code, response.json()["code"]) == (409, "unit_name_taken")
    same = create(client, admin, "bo SKOLE", health)
    assert same.status_code == 409 and "«Bø skole»" in same.json()["detail"]
    assert create(client, admin, "Bø skole").status_code == 201  # another place in the tree
    closed = created(client, admin, "Gamle Oppvekst")
    assert client.post(f"/api/v1/units/{closed}/close", headers=admin).status_code == 200
    assert create(client, admin, "gamle oppvekst").status_code == 201  # only open ones count
    reopen = client.post(f"/api/v1/units/{closed}/reopen", headers=admin)
    assert (reopen.status_code, reopen.json()["code"]) == (409, "unit_name_taken")
    no_slash = create(client, admin, "Helse/omsorg")
    assert no_slash.status_code == 422


def test_closing_refuses_open_children_unless_the_whole_branch_closes(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    health = created(client, admin, "Helse og omsorg")
    home = created(client, admin, "Hjemmetjenesten", health)
    north = created(client, admin, "Sone nord", home)
    person = make_user(engine, unit_id=north)
    refused = client.post(f"/api/v1/units/{health}/close", headers=admin)
    assert (refused.status_code, refused.json()["code"]) == (409, "unit_has_open_children")
    closed = client.post(f"/api/v1/units/{health}/close", headers=admin, params={"subtree": True})
    assert closed.status_code == 200 and closed.json()["closed_at"] is not None
    tree = client.get(ASKER, headers=admin).json()
    assert all(u["closed_at"] is not None for u in tree)  # still listed, for history
    assert client.get(ASKER, headers=admin, params={"include_closed": False}).json() == []
    with Session(engine) as session:
        assert session.get_one(User, person.id).unit_id == north  # people keep their unit
    child = create(client, admin, "Sone sør", home)
    assert (child.status_code, child.json()["code"]) == (409, "unit_closed")
    other = make_user(engine)
    placed = client.patch(f"/api/v1/users/{other.id}", headers=admin, json={"unit_id": north})
    assert (placed.status_code, placed.json()["code"]) == (409, "unit_closed")
    again = client.post(f"/api/v1/units/{north}/close", headers=admin)
    assert again.status_code == 409
    orphan = client.post(f"/api/v1/units/{north}/reopen", headers=admin)
    assert (orphan.status_code, orphan.json()["code"]) == (409, "unit_closed")  # parent closed
    assert client.post(f"/api/v1/units/{health}/reopen", headers=admin).status_code == 200


@pytest.mark.parametrize(
    ("number", "ok"),
    [("974760673", True), ("974 760 673", True), ("974760674", False), ("97476067", False)],
)
def test_organisation_numbers_are_checked_with_the_mod_11_digit(
    client: TestClient, admin: dict[str, str], number: str, ok: bool
) -> None:
    response = create(client, admin, "Rådhuset", org_number=number)
    if ok:
        assert (response.status_code, response.json()["org_number"]) == (201, "974760673")
    else:
        body = response.json()
        assert (response.status_code, body["code"]) == (422, "invalid_org_number")
        assert "Organisasjonsnummeret" in body["detail"]


def test_check_digit_follows_bronnoysund() -> None:
    assert check_digit("97476067") == 3
    assert check_digit("92360901") == 6
    assert check_digit("00000000") == 0
    # A remainder of 1 leaves no valid check digit: no number starting so exists.
    assert check_digit("40000000") is None


def test_in_subtree_finds_people_in_a_unit_and_everything_below_it(engine: Engine) -> None:
    health = make_unit(engine, "Helse og omsorg")
    home = make_unit(engine, "Hjemmetjenesten", parent=health)
    north = make_unit(engine, "Sone nord", parent=home)
    school = make_unit(engine, "Oppvekst")
    people = {
        name: make_user(engine, full_name=name, unit_id=unit.id).id
        for name, unit in (("Hanne", health), ("Nora", north), ("Siri", school))
    }
    make_user(engine, full_name="Uten enhet")
    with Session(engine) as session:
        found = session.exec(
            select(User.full_name).where(org_units.in_subtree(health.path)).order_by(User.full_name)
        ).all()
        below_home = session.exec(select(User.id).where(org_units.in_subtree(home.path))).all()
    assert found == ["Hanne", "Nora"]
    assert below_home == [people["Nora"]]


def test_the_path_index_serves_prefix_matches_on_postgresql(engine: Engine, db_kind: str) -> None:
    if db_kind != "postgres":
        pytest.skip("PostgreSQL's operator class")
    with engine.connect() as connection:
        definition = connection.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_org_unit_path'")
        ).scalar_one()
    assert "text_pattern_ops" in definition


def test_learners_and_instructors_are_refused(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    unit = created(client, admin, "Helse og omsorg")
    for role in (Role.LEARNER, Role.INSTRUCTOR):
        headers = user_headers(client, engine, role)
        for method, path in (
            ("GET", ASKER),
            ("POST", ASKER),
            ("GET", f"/api/v1/units/{unit}"),
            ("PATCH", f"/api/v1/units/{unit}"),
            ("POST", f"/api/v1/units/{unit}/close"),
        ):
            response = client.request(method, path, headers=headers, json={"name": "X"})
            assert response.status_code == 403, (role, method, path)
    assert client.get(ASKER).status_code == 401
    with Session(engine) as session:
        denied = session.exec(
            select(AuditEvent.action).where(col(AuditEvent.outcome) == "denied")
        ).all()
    assert {"unit.create", "unit.update", "unit.close"} <= set(denied)


def test_unplaced_departments_are_listed_for_administrators(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    person = make_user(engine, full_name="Uplassert Person")
    with Session(engine) as session:
        session.get_one(User, person.id).department_unmatched = "Gammel avdeling"
        session.commit()
    listed = client.get("/api/v1/users", headers=admin, params={"department_unmatched": True})
    assert [(u["id"], u["department_unmatched"]) for u in listed.json()] == [
        (person.id, "Gammel avdeling")
    ]
    unit = created(client, admin, "Ny enhet")
    client.patch(f"/api/v1/users/{person.id}", headers=admin, json={"unit_id": unit})
    again = client.get("/api/v1/users", headers=admin, params={"department_unmatched": True})
    assert again.json() == []  # placed now
