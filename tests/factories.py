"""Small helpers that build test data through the same services the API uses."""

from __future__ import annotations

import itertools

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.core.db import transaction
from api.data.models import OrgUnit, Role, User, utcnow
from api.services.contracts import UserCreate
from api.services.users import create_user

PASSWORD = "riktig-hest-batteri"
_counter = itertools.count(1)


def make_user(
    engine: Engine,
    *,
    role: Role = Role.LEARNER,
    full_name: str = "Kari Nordmann",
    email: str | None = None,
    municipality: str = "Asker",
    password: str = PASSWORD,
    municipality_number: str | None = None,
    unit_id: int | None = None,
) -> User:
    email = email or f"bruker{next(_counter)}@asker.kommune.no"
    with transaction(engine, write=True) as session:
        return create_user(
            session=session,
            data=UserCreate(
                email=email,
                full_name=full_name,
                role=role,
                municipality=municipality,
                municipality_number=municipality_number,
                unit_id=unit_id,
                password=password,
            ),
        )


def login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def user_headers(
    client: TestClient, engine: Engine, role: Role = Role.LEARNER, **kwargs: str
) -> dict[str, str]:
    user = make_user(engine, role=role, **kwargs)
    return login(client, user.email)


def complete_course(engine: Engine, user: User) -> None:
    """Read every module and pass every quiz through the learning services."""
    from api.core.config import SHIPPED_CONTENT
    from api.services import content, learning
    from course.loader import load_course

    course = load_course(SHIPPED_CONTENT).course
    assert course is not None and user.id is not None
    cache = content.RenderCache()
    with transaction(engine, write=True) as session:
        modules = content.live_modules(session=session, info=course.info, cache=cache)
        for module in modules:
            learning.mark_read(session=session, user_id=user.id, module=module, modules=modules)
            quiz = module.content.quiz
            if quiz is not None:
                answers = {q.id: sorted(q.correct_option_ids) for q in quiz.questions}
                learning.submit_attempt(
                    session=session,
                    user_id=user.id,
                    module=module,
                    answers=answers,
                    revision=None,
                    modules=modules,
                )


def make_unit(
    engine: Engine,
    name: str,
    *,
    parent: OrgUnit | None = None,
    municipality_number: str = "3203",
    org_number: str | None = None,
) -> OrgUnit:
    """An organisation unit through the service (audited as the command line)."""
    from api.services import org_units
    from api.services.contracts import UnitCreate
    from api.services.scope import Actor

    with transaction(engine, write=True) as session:
        return org_units.create_unit(
            session=session,
            actor=Actor.for_operator(),
            municipality_number=parent.municipality_number if parent else municipality_number,
            data=UnitCreate(
                name=name, parent_id=parent.id if parent else None, org_number=org_number
            ),
        )


def insert_unit(session: Session, name: str, municipality_number: str = "3203") -> int:
    """A top-level unit straight into the table, its name unchecked (older or bad data)."""
    unit = OrgUnit(
        municipality_number=municipality_number,
        name=name,
        name_key=name,
        path="",
        created_at=utcnow(),
    )
    session.add(unit)
    session.flush()
    unit.path = f"/{unit.id}/"
    session.flush()
    assert unit.id is not None
    return unit.id


def import_fixture_units(engine: Engine) -> dict[str, OrgUnit]:
    """The units that tests/api/fixtures/ansatte.csv and employees-reimport.csv name."""
    return {
        "helse": make_unit(engine, "Helse og omsorg", municipality_number="5610"),
        "oppvekst": make_unit(engine, "Oppvekst", municipality_number="5610"),
        "gamle oslo": make_unit(engine, "Bydel Gamle Oslo", municipality_number="0301"),
    }


def grant_role(
    engine: Engine,
    user: User,
    role: Role,
    *,
    municipality: str | None = None,
    unit: OrgUnit | None = None,
) -> None:
    """A role with its scope, granted through the service as the command line does."""
    from api.services import roles
    from api.services.scope import Actor

    assert user.id is not None
    with transaction(engine, write=True) as session:
        roles.grant(
            session=session,
            actor=Actor.for_operator(),
            user_id=user.id,
            role=role,
            municipality=municipality,
            unit_id=unit.id if unit is not None else None,
        )
