"""A 10,000-learner roster, built in the test database, exported and read back."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections import Counter

import httpx
import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.data.models import Role
from tests.api.roster_data import MUNICIPALITIES, BuiltRoster, build_roster
from tests.conftest import LiveServer
from tests.factories import login, make_user

LEARNERS = 10_000
ROSTER = "/api/v1/reports/roster"


@pytest.fixture
def built(engine: Engine) -> BuiltRoster:
    return build_roster(engine, LEARNERS)


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:
    return login(client, make_user(engine, role=Role.ADMIN, full_name="Ada Admin").email)


def test_csv_of_ten_thousand_learners_reads_back_complete(
    client: TestClient, admin: dict[str, str], built: BuiltRoster
) -> None:
    response = client.get(ROSTER, headers=admin)
    assert response.status_code == 200
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    assert len(rows) == LEARNERS
    column = {name: index for index, name in enumerate(header)}
    emails = {row[column["E-post"]] for row in rows}
    assert emails == {
        f"deltaker{uid}@k{MUNICIPALITIES[(uid - built.first_id) % 8][1]}.kommune.no"
        for uid in range(built.first_id, built.first_id + LEARNERS)
    }
    statuses = Counter(row[column["Status"]] for row in rows)
    assert statuses == {
        "Fullført": built.completed,
        "Pågår": built.in_progress,
        "Ikke startet": built.not_started,
    }
    municipalities = [row[column["Kommune"]] for row in rows]
    assert municipalities == sorted(municipalities)
    for row in rows:
        if row[column["Status"]] == "Fullført":
            assert row[column["Prosent"]] == "100" and row[column["Fullført"]]
        else:
            # The synthetic rows draw from every live module, including optional ones that
            # other tests on the same database add, so "Pågår" can already reach 100 %.
            assert int(row[column["Prosent"]]) <= 100 and not row[column["Fullført"]]


def test_xlsx_of_ten_thousand_learners_reads_back_with_typed_cells(
    client: TestClient, admin: dict[str, str], built: BuiltRoster
) -> None:
    response = client.get(ROSTER, headers=admin, params={"format": "xlsx"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = book.active
    assert sheet is not None
    rows = sheet.iter_rows(values_only=True)
    header = list(next(rows))
    data = list(rows)
    book.close()
    assert len(data) == LEARNERS
    done, enrolled = header.index("Fullførte obligatoriske moduler"), header.index("Påmeldt")
    assert {type(row[done]) for row in data} == {int}
    assert {type(row[enrolled]).__name__ for row in data} == {"datetime"}
    completed = sum(1 for row in data if row[header.index("Status")] == "Fullført")
    assert completed == built.completed


def test_xlsx_export_leaves_the_server_free_to_answer_others(
    app: FastAPI, engine: Engine, built: BuiltRoster
) -> None:
    admin = make_user(engine, role=Role.ADMIN)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=120) as http:
        token = http.post(
            "/api/v1/auth/token", data={"username": admin.email, "password": "riktig-hest-batteri"}
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        finished: list[float] = []

        def export() -> None:
            response = http.get(ROSTER, headers=headers, params={"format": "xlsx"})
            assert response.status_code == 200
            finished.append(time.monotonic())

        worker = threading.Thread(target=export)
        worker.start()
        answered: list[tuple[float, float]] = []  # (answered at, seconds taken)
        while worker.is_alive() and len(answered) < 200:
            started = time.monotonic()
            assert http.get("/healthz").status_code == 200
            answered.append((time.monotonic(), time.monotonic() - started))
            time.sleep(0.02)
        worker.join()
    assert finished, "the export did not finish"
    during = [taken for at, taken in answered if at < finished[0]]
    assert len(during) >= 3  # the export took a while, and others were served meanwhile
    # A deadlock detector, not a speed check: /healthz must keep answering (the first
    # probe on PostgreSQL may open a connection while the build holds the CPU).
    assert max(during) < 5.0


def test_csv_arrives_in_many_chunks_while_the_query_streams(
    app: FastAPI, engine: Engine, built: BuiltRoster
) -> None:
    admin = make_user(engine, role=Role.ADMIN)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=120) as http:
        token = http.post(
            "/api/v1/auth/token", data={"username": admin.email, "password": "riktig-hest-batteri"}
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        with http.stream("GET", ROSTER, headers=headers) as response:
            chunks = list(response.iter_raw())
    assert len(chunks) >= LEARNERS // 1000  # one or more per batch, never one big body
    assert sum(chunk.count(b"\r\n") for chunk in chunks) == LEARNERS + 1
