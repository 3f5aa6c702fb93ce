"""One roster filter model for the three doors: the API, the roster page and the command line.

Each door names the parameters its own way (``completed_from``, ``fra``,
``--completed-from``) but validates them with ``RosterFilters``, so all three
accept and refuse the same values.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.cli.main import app
from api.data.models import Role
from api.services.contracts import RosterFilters
from course.progress import ModuleStatus
from tests.cli.test_admin_commands import cli_env as cli_env  # the fixture
from tests.factories import login, make_user
from tests.web.test_web_security import log_in

ROSTER = "/api/v1/reports/roster"
PAGE_NAMES = {
    "municipality": "kommune",
    "unit": "enhet",
    "status": "status",
    "completed_from": "fra",
    "completed_to": "til",
}
# Values every door must refuse, and the one field each refusal names.
REFUSED = [
    ({"municipality": "Asker\x07"}, "municipality"),
    ({"municipality": "x" * 101}, "municipality"),
    ({"unit": "d"}, "unit"),
    ({"unit": "0"}, "unit"),
    ({"status": "ferdig"}, "status"),
    ({"completed_from": "2026-13-01"}, "completed_from"),
    ({"completed_to": "31.02.2026"}, "completed_to"),
    ({"completed_from": "2026-05-01", "completed_to": "2026-04-30"}, "completed_to"),
]
# Values every door accepts: dates far outside the records are simply empty ranges.
ACCEPTED = [
    {"completed_from": "1900-01-01"},
    {"completed_to": "9999-12-31"},
    {"completed_from": "0001-01-01", "completed_to": "9999-12-31"},
    {"completed_from": "31.12.2026"},
    {"municipality": "3203", "status": "completed"},
]


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:
    return login(client, make_user(engine, role=Role.ADMIN, email="ada@k.kommune.no").email)


def test_the_model_reads_iso_and_norwegian_dates_and_checks_their_order() -> None:
    parsed = RosterFilters.model_validate(
        {"completed_from": "1.2.2026", "completed_to": "2026-02-01"}
    )
    assert (parsed.completed_from, parsed.completed_to) == (date(2026, 2, 1), date(2026, 2, 1))
    assert (
        RosterFilters.model_validate({"status": "in_progress"}).status is ModuleStatus.IN_PROGRESS
    )
    with pytest.raises(ValidationError) as caught:
        RosterFilters.model_validate({"completed_from": "2026-02-02", "completed_to": "1.2.2026"})
    assert [e["loc"] for e in caught.value.errors()] == [("completed_to",)]
    assert "før fra-datoen" in caught.value.errors()[0]["msg"]
    assert RosterFilters(municipality="Asker", status=ModuleStatus.COMPLETED).audited() == {
        "municipality": "Asker",
        "status": "completed",
    }


@pytest.mark.parametrize(("given", "field"), REFUSED)
def test_the_api_refuses_what_the_model_refuses(
    client: TestClient, admin: dict[str, str], given: dict[str, str], field: str
) -> None:
    response = client.get(ROSTER, headers=admin, params={"format": "json", **given})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["query", field]]


@pytest.mark.parametrize(("given", "field"), REFUSED)
def test_the_roster_page_refuses_it_in_norwegian_next_to_the_field(
    client: TestClient, engine: Engine, given: dict[str, str], field: str
) -> None:
    make_user(engine, role=Role.ADMIN, email="ada@k.kommune.no")
    log_in(client, "ada@k.kommune.no")
    params = {PAGE_NAMES[name]: value for name, value in given.items()}
    page = client.get("/admin/kursliste", params=params)
    assert page.status_code == 400
    assert f'href="#{PAGE_NAMES[field]}"' in page.text
    assert "String should" not in page.text and "Input should" not in page.text
    download = client.get("/admin/kursliste.csv", params=params)
    assert download.status_code == 422


@pytest.mark.parametrize(("given", "field"), REFUSED)
def test_the_command_line_refuses_it_naming_the_option(
    cli_env: Engine, tmp_path: Path, given: dict[str, str], field: str
) -> None:
    output = tmp_path / "roster.csv"
    options = [
        item for name, value in given.items() for item in (f"--{name.replace('_', '-')}", value)
    ]
    result = CliRunner().invoke(app, ["roster", "export", "-o", str(output), *options])
    assert result.exit_code == 2, result.output
    assert f"«--{field.replace('_', '-')}»" in result.output
    assert "Traceback" not in result.output and "Input should" not in result.output
    assert not output.exists()


@pytest.mark.parametrize("given", ACCEPTED)
def test_every_door_accepts_the_same_filters(
    client: TestClient,
    engine: Engine,
    admin: dict[str, str],
    cli_env: Engine,
    tmp_path: Path,
    given: dict[str, str],
) -> None:
    assert client.get(ROSTER, headers=admin, params={"format": "json", **given}).status_code == 200
    log_in(client, "ada@k.kommune.no")
    page = client.get("/admin/kursliste", params={PAGE_NAMES[k]: v for k, v in given.items()})
    assert page.status_code == 200
    options = [
        item for name, value in given.items() for item in (f"--{name.replace('_', '-')}", value)
    ]
    output = tmp_path / "roster.csv"
    result = CliRunner().invoke(app, ["roster", "export", "-o", str(output), *options])
    assert result.exit_code == 0, result.output
    assert output.exists()


def test_audit_log_days_far_outside_the_records_are_an_empty_range(
    client: TestClient, admin: dict[str, str]
) -> None:
    for params in ({"since": "9999-12-31"}, {"until": "0001-01-01"}):
        response = client.get("/api/v1/audit", headers=admin, params=params)
        assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize(
    ("api", "page", "field"),
    [
        ({"outcome": "maybe"}, {"utfall": "maybe"}, "utfall"),
        ({"since": "2026-02-30"}, {"fra": "30.02.2026"}, "fra"),
        ({"before_id": "0"}, {"for": "0"}, "for"),
        ({"before_id": "9223372036854775808"}, {"for": "9223372036854775808"}, "for"),
    ],
)
def test_the_audit_log_api_and_page_refuse_the_same_query(
    client: TestClient,
    engine: Engine,
    admin: dict[str, str],
    api: dict[str, str],
    page: dict[str, str],
    field: str,
) -> None:
    assert client.get("/api/v1/audit", headers=admin, params=api).status_code == 422
    log_in(client, "ada@k.kommune.no")
    shown = client.get("/admin/logg", params=page)
    assert shown.status_code == 400
    assert f'href="#{field}"' in shown.text


def test_the_audit_log_page_filters_by_outcome_and_day(
    client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    client.post("/api/v1/users/999999/deactivate", headers=admin)  # a failed action
    log_in(client, "ada@k.kommune.no")
    failed = client.get("/admin/logg", params={"utfall": "failed", "fra": "1.1.2000"})
    assert failed.status_code == 200
    assert "999999" in failed.text
    none = client.get("/admin/logg", params={"utfall": "failed", "til": "31.12.1999"})
    assert none.status_code == 200 and "999999" not in none.text
