"""The municipality's written form on the units page: saved, and a bad choice refused."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.data.models import Municipality, Role
from tests.factories import make_user
from tests.web.test_web_security import csrf_from
from tests.web.test_web_security import log_in as page_log_in


def form_of(engine: Engine, number: str) -> str:
    with Session(engine) as session:
        found = session.get(Municipality, number)
        assert found is not None
        return found.written_form


def test_the_units_page_sets_the_form(client: TestClient, restore_register: Engine) -> None:
    engine = restore_register
    admin = make_user(engine, role=Role.ADMIN)
    page_log_in(client, admin.email)
    token = csrf_from(client, "/admin/kommuner/4631/enheter")
    saved = client.post(
        "/admin/kommuner/4631/malform",
        data={"csrf_token": token, "malform": "nynorsk"},
        follow_redirects=True,
    )
    assert saved.status_code == 200
    assert "Målformen er lagret." in saved.text
    assert form_of(engine, "4631") == "nynorsk"
    assert '<option value="nynorsk" selected' in saved.text

    refused = client.post(
        "/admin/kommuner/4631/malform", data={"csrf_token": token, "malform": "svensk"}
    )
    assert refused.status_code == 422
    assert "Velg nynorsk, bokmål, nøytral eller ukjent." in refused.text
    assert form_of(engine, "4631") == "nynorsk"
