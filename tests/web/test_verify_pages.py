"""The public verification pages: a working example code, typing errors told apart from
unknown codes, and the form again to try once more."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.core.config import SHIPPED_CONTENT
from api.core.db import transaction
from api.services import certificates as certificate_service
from certificates.codes import EXAMPLE_CODE, new_code, normalize_code
from course.loader import load_course
from tests.factories import complete_course, make_user

_EXAMPLE = re.compile(r"For eksempel ([0-9A-Z-]+)\.")


def _field_value(page: str) -> str:
    match = re.search(r'<input id="kode" name="kode" type="text" value="([^"]*)"', page)
    assert match is not None, page
    return html.unescape(match.group(1))


def test_the_example_code_on_the_form_is_valid_but_belongs_to_no_certificate(
    client: TestClient,
) -> None:
    form = client.get("/verify")
    shown = _EXAMPLE.findall(form.text)
    assert shown == [EXAMPLE_CODE]
    assert normalize_code(shown[0]) == shown[0]  # typed as shown, it parses

    page = client.get("/verify", params={"kode": shown[0]})
    assert page.status_code == 404
    assert "Ukjent kode" in page.text
    assert "Dette er eksempelkoden" in page.text
    api = client.get(f"/api/v1/certificates/{shown[0]}")
    assert (api.status_code, api.json()["code"]) == (404, "certificate_not_found")


def test_a_typing_error_is_told_apart_from_an_unknown_code_and_the_form_comes_again(
    client: TestClient, engine: Engine
) -> None:
    course = load_course(SHIPPED_CONTENT).course
    assert course is not None
    learner = make_user(engine)
    complete_course(engine, learner)
    with transaction(engine, write=True) as session:
        code = certificate_service.issue(session=session, user=learner, info=course.info)
    real = code.certificate.code
    typo = real[:5] + ("0" if real[5] != "0" else "1") + real[6:]  # one character off

    mistyped = client.get(f"/verify/{typo}")
    assert mistyped.status_code == 422
    assert "Koden er skrevet feil" in mistyped.text
    assert "kontrolltegnet stemmer ikke" in mistyped.text
    assert "Ukjent kode" not in mistyped.text
    assert _field_value(mistyped.text) == typo  # prefilled, to correct
    api = client.get(f"/api/v1/certificates/{typo}")
    assert (api.status_code, api.json()["code"]) == (422, "code_mistyped")
    assert "kontrolltegnet stemmer ikke" in api.json()["detail"]

    not_a_code = client.get("/verify/tull")
    assert not_a_code.status_code == 422
    assert "ikke en kode fra et kursbevis" in not_a_code.text
    assert _field_value(not_a_code.text) == "tull"

    unknown = new_code()
    missing = client.get(f"/verify/{unknown.lower()}")
    assert missing.status_code == 404
    assert "Ukjent kode" in missing.text
    assert "Fant ikke noe kursbevis med denne koden" in missing.text
    assert _field_value(missing.text) == unknown.lower()

    corrected = client.get("/verify", params={"kode": real.lower()})  # the form, sent again
    assert corrected.status_code == 200
    assert "Gyldig kursbevis" in corrected.text


def test_a_hostile_code_is_shown_escaped_in_the_form(client: TestClient) -> None:
    hostile = '"><img src=x onerror=alert(1)>'
    page = client.get(f"/verify/{hostile}")
    assert page.status_code == 422
    assert hostile not in page.text
    assert _field_value(page.text) == hostile
