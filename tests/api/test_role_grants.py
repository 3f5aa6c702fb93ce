"""Granting and revoking scoped roles through the API, and what they open up."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.data.models import AuditEvent, Role, User
from tests.factories import complete_course, grant_role, login, make_unit, make_user


def _roles(client: TestClient, headers: dict[str, str], user_id: int | None) -> list[dict]:
    response = client.get(f"/api/v1/users/{user_id}/roles", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["roles"]


def test_an_admin_grants_and_revokes_a_leader_and_the_audit_log_keeps_both(
    client: TestClient, engine: Engine
) -> None:
    admin = make_user(engine, role=Role.ADMIN, email="admin@grant.no")
    leader = make_user(engine, email="leder@grant.no")
    unit = make_unit(engine, "Helse")
    headers = login(client, admin.email)
    body = {"role": "leader", "unit_id": unit.id}
    first = client.post(f"/api/v1/users/{leader.id}/roles", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["roles"] == [
        {"role": "leader", "municipality_number": None, "unit_id": unit.id}
    ]
    again = client.post(f"/api/v1/users/{leader.id}/roles", json=body, headers=headers)
    assert again.status_code == 200  # held already: nothing new
    revoked = client.delete(
        f"/api/v1/users/{leader.id}/roles/leader?unit_id={unit.id}", headers=headers
    )
    assert revoked.status_code == 200 and revoked.json()["roles"] == []
    gone = client.delete(
        f"/api/v1/users/{leader.id}/roles/leader?unit_id={unit.id}", headers=headers
    )
    assert gone.status_code == 404 and gone.json()["code"] == "role_not_held"
    with Session(engine) as session:
        actions = session.exec(
            select(AuditEvent.action, AuditEvent.outcome, AuditEvent.municipality_number)
            .where(col(AuditEvent.action).startswith("role."))
            .order_by(col(AuditEvent.id))
        ).all()
    assert actions == [
        ("role.grant", "ok", "3203"),
        ("role.revoke", "ok", "3203"),
        ("role.revoke", "failed", None),
    ]


def test_scope_rules_are_explained_in_norwegian(client: TestClient, engine: Engine) -> None:
    admin = make_user(engine, role=Role.ADMIN, email="admin@rules.no")
    person = make_user(engine, email="person@rules.no")  # in Asker
    oslo_unit = make_unit(engine, "Bydel", municipality_number="0301")
    headers = login(client, admin.email)
    url = f"/api/v1/users/{person.id}/roles"
    cases = [
        ({"role": "learner"}, 422, "role_scope_invalid", "Alle er deltakere"),
        ({"role": "leader"}, 422, "role_scope_invalid", "enten en kommune eller en enhet"),
        (
            {"role": "municipal_admin", "unit_id": oslo_unit.id},
            422,
            "role_scope_invalid",
            "hel kommune",
        ),
        ({"role": "instructor", "municipality_number": "3203"}, 422, "role_scope_invalid", "hele"),
        ({"role": "leader", "unit_id": oslo_unit.id}, 422, "role_other_municipality", "annen"),
        ({"role": "leader", "municipality_number": "9999"}, 404, "municipality_not_found", ""),
        ({"role": "leader", "unit_id": 999_999}, 404, "unit_not_found", "enheten"),
    ]
    for body, status, code, text in cases:
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == status, (body, response.text)
        assert response.json()["code"] == code
        assert text in response.json()["detail"]
    own = client.post(
        f"/api/v1/users/{admin.id}/roles",
        json={"role": "leader", "municipality_number": "3203"},
        headers=headers,
    )
    assert own.status_code == 409 and "egne roller" in own.json()["detail"]


def test_a_municipal_admin_grants_leaders_in_their_own_municipality_only(
    client: TestClient, engine: Engine
) -> None:
    boss = make_user(engine, email="kommuneadmin@asker.no")
    grant_role(engine, boss, Role.MUNICIPAL_ADMIN, municipality="3203")
    colleague = make_user(engine, email="kollega@asker.no")
    oslo_person = make_user(engine, email="person@oslo.no", municipality="Oslo")
    helse = make_unit(engine, "Helse")
    headers = login(client, boss.email)
    url = f"/api/v1/users/{colleague.id}/roles"
    ok = client.post(url, json={"role": "leader", "unit_id": helse.id}, headers=headers)
    assert ok.status_code == 201, ok.text
    admin = client.post(url, json={"role": "admin"}, headers=headers)
    assert admin.status_code == 403  # installation roles are the installation admin's
    other = client.post(
        url, json={"role": "leader", "municipality_number": "0301"}, headers=headers
    )
    assert other.status_code == 403 and other.json()["code"] == "outside_scope"
    hidden = client.post(
        f"/api/v1/users/{oslo_person.id}/roles",
        json={"role": "leader", "municipality_number": "0301"},
        headers=headers,
    )
    assert hidden.status_code == 404  # a person of another municipality is not found
    assert "person@oslo.no" not in hidden.text

    # The new leader reads their unit's people, nobody else's, and manages nobody.
    in_helse = make_user(engine, email="pleier@asker.no", unit_id=helse.id)
    outside = make_user(engine, email="laerer@asker.no")
    complete_course(engine, in_helse)
    leader_headers = login(client, colleague.email)
    listed = client.get("/api/v1/users", headers=leader_headers).json()
    assert {u["email"] for u in listed} == {"pleier@asker.no"}
    assert client.get(f"/api/v1/users/{outside.id}", headers=leader_headers).status_code == 404
    change = client.patch(
        f"/api/v1/users/{in_helse.id}", json={"full_name": "Ny"}, headers=leader_headers
    )
    assert change.status_code == 403
    units = client.get("/api/v1/reports/units?municipality=asker", headers=leader_headers)
    assert units.status_code == 200, units.text
    assert [(row["unit"], row["enrolled"], row["completed"]) for row in units.json()] == [
        ("Helse", 1, 1)
    ]


def test_the_unit_report_adds_each_unit_below_into_its_row(
    client: TestClient, engine: Engine
) -> None:
    admin = make_user(engine, role=Role.ADMIN, email="admin@units.no")
    helse = make_unit(engine, "Helse")
    hjemme = make_unit(engine, "Hjemmetjenesten", parent=helse)
    skole = make_unit(engine, "Skole")
    done = make_user(engine, email="ferdig@units.no", unit_id=hjemme.id)
    complete_course(engine, done)
    make_user(engine, email="ny@units.no", unit_id=helse.id)
    make_user(engine, email="elev@units.no", unit_id=skole.id)
    headers = login(client, admin.email)
    rows = client.get("/api/v1/reports/units?municipality=3203", headers=headers).json()
    by_unit = {row["unit"]: row for row in rows}
    assert [row["unit"] for row in rows] == ["Helse", "Helse / Hjemmetjenesten", "Skole"]
    helse_row = by_unit["Helse"]
    counts = ("enrolled", "completed", "in_progress", "not_started", "completion_rate")
    assert tuple(helse_row[name] for name in counts) == (2, 1, 0, 1, 0.5)
    assert (by_unit["Helse / Hjemmetjenesten"]["enrolled"], by_unit["Skole"]["enrolled"]) == (1, 1)
    only = client.get(
        f"/api/v1/reports/units?municipality=3203&unit={hjemme.id}", headers=headers
    ).json()
    assert [row["unit"] for row in only] == ["Helse / Hjemmetjenesten"]
    unknown = client.get("/api/v1/reports/units?municipality=Atlantis", headers=headers)
    assert unknown.status_code == 404 and unknown.json()["detail"]


def test_the_roster_filters_by_county_and_people_are_found_by_unit(
    client: TestClient, engine: Engine
) -> None:
    admin = make_user(engine, role=Role.ADMIN, email="admin@county.no")
    helse = make_unit(engine, "Helse")
    make_user(engine, full_name="Asker Person", email="a@county.no", unit_id=helse.id)
    make_user(engine, full_name="Oslo Person", email="o@county.no", municipality="Oslo")
    headers = login(client, admin.email)
    for county in ("Akershus", "akershus", "32"):
        rows = client.get(
            f"/api/v1/reports/roster?format=json&county={county}", headers=headers
        ).json()
        assert {row["full_name"] for row in rows} == {"Asker Person"}, county
    none = client.get("/api/v1/reports/roster?format=json&county=Atlantis", headers=headers)
    assert none.status_code == 200 and none.json() == []
    summary = client.get("/api/v1/reports/municipalities?county=akershus", headers=headers)
    assert [row["municipality_number"] for row in summary.json()] == ["3203"]
    found = client.get(f"/api/v1/users?unit={helse.id}", headers=headers).json()
    assert [u["full_name"] for u in found] == ["Asker Person"]


def test_a_municipal_admin_reads_the_audit_log_of_their_own_municipality(
    client: TestClient, engine: Engine
) -> None:
    admin = make_user(engine, role=Role.ADMIN, email="admin@audit.no")
    boss = make_user(engine, email="boss@asker.no")
    grant_role(engine, boss, Role.MUNICIPAL_ADMIN, municipality="3203")
    asker_person = make_user(engine, email="p@asker.no")
    oslo_person = make_user(engine, email="p@oslo.no", municipality="Oslo")
    headers = login(client, admin.email)
    for person in (asker_person, oslo_person):
        response = client.post(f"/api/v1/users/{person.id}/deactivate", headers=headers)
        assert response.status_code == 200
    roster = client.get("/api/v1/reports/roster?format=json", headers=login(client, boss.email))
    assert roster.status_code == 200
    events = client.get("/api/v1/audit?limit=500", headers=login(client, boss.email)).json()
    targets = {(e["action"], e["target"]) for e in events}
    assert ("user.deactivate", f"user:{asker_person.id}") in targets
    assert ("user.deactivate", f"user:{oslo_person.id}") not in targets
    export = [e for e in events if e["action"] == "report.roster_export"]
    assert export and export[0]["details"]["scope"] == {"municipalities": ["3203"], "units": []}
    everything = client.get("/api/v1/audit?limit=500", headers=headers).json()
    assert ("user.deactivate", f"user:{oslo_person.id}") in {
        (e["action"], e["target"]) for e in everything
    }


def test_a_municipal_admin_cannot_take_over_an_installation_account_in_their_municipality(
    client: TestClient, engine: Engine
) -> None:
    boss = make_user(engine, email="boss@takeover.no")
    grant_role(engine, boss, Role.MUNICIPAL_ADMIN, municipality="3203")
    admin = make_user(engine, role=Role.ADMIN, email="admin@takeover.no")  # lives in Asker
    headers = login(client, boss.email)
    for method, path in (
        ("POST", f"/api/v1/users/{admin.id}/password-reset"),
        ("POST", f"/api/v1/users/{admin.id}/deactivate"),
        ("POST", f"/api/v1/users/{admin.id}/erase"),
        ("PATCH", f"/api/v1/users/{admin.id}"),
    ):
        response = client.request(method, path, json={"full_name": "Overtatt"}, headers=headers)
        assert response.status_code == 403, (path, response.text)
        assert "hele installasjonen" in response.json()["detail"]
    upload = {"file": ("a.csv", b"e-post;navn;kommune\nadmin@takeover.no;Overtatt;Asker\n")}
    imported = client.post("/api/v1/users/import", files=upload, headers=headers)
    assert imported.status_code == 422 and "hele installasjonen" in imported.text
    with Session(engine) as session:
        kept = session.get(User, admin.id)
        assert kept is not None and kept.full_name == "Kari Nordmann" and kept.is_active
