"""Ids in page paths are bounded to what both databases hold (defect 3)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from api.data.models import Role
from api.web.paths import MAX_ID, IdConvertor
from tests.factories import make_user
from tests.web.test_web_security import log_in

TOO_LARGE = ["2147483648", "9223372036854775808", "99999999999999999999", "0", "007"]
ID = re.compile(IdConvertor.regex + r"\Z")


@given(st.integers(min_value=-10, max_value=10**12))
def test_the_id_pattern_matches_exactly_1_to_max_id(number: int) -> None:
    assert bool(ID.match(str(number))) is (1 <= number <= MAX_ID)


@pytest.mark.parametrize("value", TOO_LARGE)
def test_out_of_range_ids_are_the_404_page_not_a_server_error(
    client: TestClient, engine: Engine, value: str
) -> None:
    make_user(engine, role=Role.ADMIN, email="ada@k.kommune.no")
    log_in(client, "ada@k.kommune.no")
    for path in (
        f"/moduler/hvorfor-innovasjon/forsok/{value}",
        f"/admin/brukere/{value}",
        f"/admin/brukere/{value}/endre",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert "Fant ikke" in response.text
    restore = client.post(f"/instruktor/moduler/hvorfor-innovasjon/historikk/{value}/gjenopprett")
    assert restore.status_code in (404, 405)
    assert restore.headers["content-type"].startswith("text/html")


def test_the_largest_id_is_looked_up_and_not_found(client: TestClient, engine: Engine) -> None:
    make_user(engine, role=Role.ADMIN, email="ada@k.kommune.no")
    log_in(client, "ada@k.kommune.no")
    for path in (f"/moduler/hvorfor-innovasjon/forsok/{MAX_ID}", f"/admin/brukere/{MAX_ID}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "text/html" in response.headers["content-type"]
