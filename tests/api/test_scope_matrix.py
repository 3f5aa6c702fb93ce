"""The scope matrix: every role × scope against every endpoint and page with people's data.

One small installation: two municipalities, a unit with a child unit and a sibling in
the first, a unit in the second, one learner in each place. Each caller holds one role
in one scope (own unit, its child, a sibling, a whole municipality, another
municipality, the installation, or no scope at all), and every request is checked for
the expected allow or deny, and for no name of a person outside the caller's scope in
the body. The count of combinations tried is printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.data.models import OrgUnit, Role, User
from api.http.deps import SESSION_COOKIE
from tests.api.test_roles import ENDPOINTS
from tests.factories import grant_role, login, make_unit, make_user

ASKER, OSLO = "3203", "0301"
NAMES = {ASKER: "Asker", OSLO: "Oslo"}


@dataclass
class World:
    units: dict[str, OrgUnit]
    people: dict[str, User]  # the learners whose visibility is checked, by name
    callers: dict[str, tuple[User, set[str]]] = field(default_factory=dict)  # name -> who they see


def _world(engine: Engine) -> World:
    helse = make_unit(engine, "Helse", municipality_number=ASKER)
    units = {
        "helse": helse,
        "hjemme": make_unit(engine, "Hjemmetjenesten", parent=helse),
        "skole": make_unit(engine, "Skole", municipality_number=ASKER),
        "bydel": make_unit(engine, "Bydel Frogner", municipality_number=OSLO),
    }
    placed = {"helse": ASKER, "hjemme": ASKER, "skole": ASKER, "bydel": OSLO}
    people = {
        f"Person {where}": make_user(
            engine,
            full_name=f"Person {where}",
            email=f"person.{where}@scope.no",
            municipality=NAMES[placed[where]],
            unit_id=units[where].id,
        )
        for where in placed
    }
    people["Person asker"] = make_user(
        engine, full_name="Person asker", email="person.asker@scope.no", municipality="Asker"
    )
    world = World(units, people)
    every = set(people)
    in_asker = {"Person helse", "Person hjemme", "Person skole", "Person asker"}

    def caller(
        name: str,
        sees: set[str],
        role: Role,
        *,
        municipality: str | None = None,
        unit: str | None = None,
        home: str = ASKER,
    ) -> None:
        installation = role if role in (Role.ADMIN, Role.INSTRUCTOR) else Role.LEARNER
        user = make_user(
            engine,
            role=installation,
            full_name=f"Kaller {name}",
            email=f"{name}@scope.no",
            municipality=NAMES[home],
        )
        if role in (Role.LEADER, Role.MUNICIPAL_ADMIN):
            grant_role(
                engine,
                user,
                role,
                municipality=municipality,
                unit=units[unit] if unit is not None else None,
            )
        world.callers[name] = (user, sees)

    caller("admin", every, Role.ADMIN)
    caller("instructor", set(), Role.INSTRUCTOR)
    caller("learner", set(), Role.LEARNER)
    caller("leader-unit", {"Person helse", "Person hjemme"}, Role.LEADER, unit="helse")
    caller("leader-child", {"Person hjemme"}, Role.LEADER, unit="hjemme")
    caller("leader-sibling", {"Person skole"}, Role.LEADER, unit="skole")
    caller("leader-municipality", in_asker, Role.LEADER, municipality=ASKER)
    caller("leader-other", {"Person bydel"}, Role.LEADER, unit="bydel", home=OSLO)
    caller("municipal-admin", in_asker, Role.MUNICIPAL_ADMIN, municipality=ASKER)
    caller(
        "municipal-admin-other",
        {"Person bydel"},
        Role.MUNICIPAL_ADMIN,
        municipality=OSLO,
        home=OSLO,
    )
    return world


ASKER_UNITS = {"helse", "hjemme", "skole"}
UNITS_SEEN = {
    "admin": {*ASKER_UNITS, "bydel"},
    "leader-unit": {"helse", "hjemme"},
    "leader-child": {"hjemme"},
    "leader-sibling": {"skole"},
    "leader-municipality": ASKER_UNITS,
    "leader-other": {"bydel"},
    "municipal-admin": ASKER_UNITS,
    "municipal-admin-other": {"bydel"},
}
SCOPED_CALLERS = ("leader-unit", "leader-municipality", "municipal-admin")
READERS = {"admin", "leader-unit", "leader-child", "leader-sibling", "leader-municipality"}
READERS |= {"leader-other", "municipal-admin", "municipal-admin-other"}
MANAGERS = {"admin", "municipal-admin", "municipal-admin-other"}


@dataclass
class Tally:
    tried: int = 0
    wrong: list[str] = field(default_factory=list)

    def check(self, label: str, ok: bool, detail: str = "") -> None:
        self.tried += 1
        if not ok:
            self.wrong.append(f"{label}: {detail}")


def _leaks(text: str, world: World, sees: set[str]) -> set[str]:
    return {name for name in world.people if name not in sees and name in text}


def test_every_role_and_scope_sees_and_changes_only_its_own_people(
    client: TestClient, engine: Engine
) -> None:
    world = _world(engine)
    tally = Tally()
    for name, (user, sees) in world.callers.items():
        headers = login(client, user.email)
        reads, manages = name in READERS, name in MANAGERS
        manages_people = sees if manages else set()

        def call(method: str, path: str, **kwargs: object) -> tuple[int, str]:
            response = client.request(method, path, headers=headers, **kwargs)
            assert response.status_code < 500, response.text
            return response.status_code, response.text

        def expect(label: str, status: int, text: str, allowed: bool, *, denied: int) -> None:
            wanted = "allowed" if allowed else f"denied ({denied})"
            ok = status < 300 if allowed else status == denied
            tally.check(f"{name} {label}", ok, f"{status}, expected {wanted}")
            leaked = _leaks(text, world, sees)
            tally.check(f"{name} {label} leak", not leaked, f"names outside scope: {leaked}")

        # Lists: the people in scope, and only those.
        for label, path in (
            ("GET /users", "/api/v1/users?limit=1000"),
            ("GET roster json", "/api/v1/reports/roster?format=json"),
            ("GET roster csv", "/api/v1/reports/roster?format=csv"),
        ):
            status, text = call("GET", path)
            expect(label, status, text, reads, denied=403)
            if reads:
                shown = {p for p in world.people if p in text}
                tally.check(f"{name} {label} complete", shown == sees, f"{shown} != {sees}")
        status, text = call("GET", "/api/v1/reports/municipalities")
        expect("GET municipalities summary", status, text, reads, denied=403)

        # One person at a time: not found outside the scope, never forbidden-with-a-hint.
        for person_name, person in world.people.items():
            inside = person_name in sees
            base = f"/api/v1/users/{person.id}"
            status, text = call("GET", base)
            expect(
                f"GET {person_name}", status, text, reads and inside, denied=404 if reads else 403
            )
            for label, method, path, body in (
                ("PATCH", "PATCH", base, {"full_name": person_name}),
                ("reset", "POST", f"{base}/password-reset", None),
                ("roles", "GET", f"{base}/roles", None),
            ):
                allowed = person_name in manages_people
                status, text = call(method, path, json=body)
                expect(
                    f"{label} {person_name}",
                    status,
                    text,
                    allowed,
                    denied=404 if manages else 403,
                )

        # Units: read where people may be read, change only as an administrator.
        for unit_name, unit in world.units.items():
            visible = unit_name in UNITS_SEEN.get(name, set())
            status, text = call("GET", f"/api/v1/units/{unit.id}")
            expect(f"GET unit {unit_name}", status, text, visible, denied=404 if reads else 403)
            status, text = call("GET", f"/api/v1/reports/roster?format=json&unit={unit.id}")
            expect(
                f"GET roster of {unit_name}", status, text, visible, denied=404 if reads else 403
            )
            mine = unit.municipality_number == ASKER and name == "municipal-admin"
            mine = mine or (unit.municipality_number == OSLO and name == "municipal-admin-other")
            status, text = call("PATCH", f"/api/v1/units/{unit.id}", json={"org_number": None})
            expect(
                f"PATCH unit {unit_name}",
                status,
                text,
                mine or name == "admin",
                denied=404 if manages else 403,
            )

        # Creating people and units lands only in the caller's own municipality.
        for number in (ASKER, OSLO):
            own = name == "admin" or (number == ASKER and name == "municipal-admin")
            own = own or (number == OSLO and name == "municipal-admin-other")
            body = {
                "email": f"ny.{name}.{number}@scope.no",
                "full_name": "Ny Person",
                "municipality_number": number,
            }
            status, text = call("POST", "/api/v1/users", json=body)
            expect(f"POST user in {number}", status, text, own, denied=403)
            status, text = call(
                "POST", f"/api/v1/municipalities/{number}/units", json={"name": f"Ny {name}"}
            )
            expect(f"POST unit in {number}", status, text, own, denied=403)

        # Pages show the same people (the session cookie is the same login token).
        token = headers["Authorization"].removeprefix("Bearer ")
        client.cookies.set(SESSION_COOKIE, token)
        status, text = call("GET", "/admin/kursliste")
        expect("page /admin/kursliste", status, text, reads, denied=403)
        for person_name, person in world.people.items():
            status, text = call("GET", f"/admin/brukere/{person.id}")
            allowed = person_name in manages_people
            expect(
                f"page user {person_name}", status, text, allowed, denied=404 if manages else 403
            )
        client.cookies.clear()

    # Every API endpoint, aimed at the person, unit and municipality outside each scoped
    # caller's scope: never a success on them, never a name from outside in any answer.
    outsider, far_unit = world.people["Person bydel"], world.units["bydel"]
    for name in SCOPED_CALLERS:
        user, sees = world.callers[name]
        headers = login(client, user.email)
        for method, path, body, _ in ENDPOINTS:
            aimed = (
                path.replace("/users/999999", f"/users/{outsider.id}")
                .replace("/units/999999", f"/units/{far_unit.id}")
                .replace("/municipalities/9999/", "/municipalities/0301/")
            )
            response = client.request(method, aimed, json=body, headers=headers)
            label = f"{name} {method} {aimed}"
            tally.check(label, response.status_code < 500, str(response.status_code))
            if aimed != path:
                ok = not 200 <= response.status_code < 300
                tally.check(label, ok, f"{response.status_code} on someone outside the scope")
            leaked = _leaks(response.text, world, sees)
            tally.check(f"{label} leak", not leaked, f"names outside scope: {leaked}")

    print(f"\nscope matrix: {tally.tried} role × scope × endpoint combinations tried")
    assert not tally.wrong, "\n".join(tally.wrong)


def test_the_portfolio_of_every_role_and_scope_holds_only_its_own_peoples_projects(
    client: TestClient, engine: Engine
) -> None:
    world = _world(engine)
    step = "/api/v1/modules/hvorfor-innovasjon/workbook/m01-utfordring"
    for name, person in world.people.items():
        values = {"hvordan-kan-vi": f"Utfordring for {name}"}
        saved = client.put(
            step, json={"values": values, "base_revision": 0}, headers=login(client, person.email)
        )
        assert saved.status_code == 200, saved.text
    tally = Tally()
    for caller, (user, sees) in world.callers.items():
        # A workbook is its authors' own: the installation admin's role alone shows none.
        expected = set() if caller == "admin" else {f"Utfordring for {name}" for name in sees}
        rows = client.get("/api/v1/portfolio", headers=login(client, user.email)).json()
        found = {row["challenge"] for row in rows}
        tally.check(caller, found == expected, f"{sorted(found)} != {sorted(expected)}")
    print(f"portfolio scope matrix: {tally.tried} callers")
    assert not tally.wrong, "\n".join(tally.wrong)
