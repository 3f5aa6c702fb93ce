"""The learner's certificate page offers the Open Badge beside the PDF, as image and as JSON."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from certificates.badges import baking
from tests.factories import make_user
from tests.web.test_certificate_pages import _graduate_with_certificate, _revoke
from tests.web.test_web_security import log_in


def test_the_certificate_page_links_the_open_badge_beside_the_pdf(
    client: TestClient, engine: Engine
) -> None:
    learner, code = _graduate_with_certificate(engine)
    log_in(client, learner.email)
    page = client.get("/kursbevis")
    assert page.status_code == 200
    assert 'href="/kursbevis.pdf"' in page.text
    assert "Last ned Open Badge" in page.text
    assert 'href="/kursbevis/open-badge.png"' in page.text
    assert 'href="/kursbevis/open-badge.json"' in page.text

    image = client.get("/kursbevis/open-badge.png")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert f'filename="open-badge-{code}.png"' in image.headers["content-disposition"]
    baked = baking.unbake_png(image.content)
    assert baked is not None
    alone = client.get("/kursbevis/open-badge.json")
    assert alone.status_code == 200
    assert json.loads(baked) == alone.json()
    assert alone.json()["credentialSubject"]["identifier"][0]["identityHash"] == "Kari Nordman"


def test_a_revoked_certificate_has_no_open_badge(client: TestClient, engine: Engine) -> None:
    learner, code = _graduate_with_certificate(engine)
    log_in(client, learner.email)
    _revoke(engine, code)
    assert "Last ned Open Badge" not in client.get("/kursbevis").text
    for path in ("/kursbevis/open-badge.png", "/kursbevis/open-badge.json"):
        refused = client.get(path)
        assert refused.status_code == 409
        assert refused.headers["content-type"].startswith("text/html")
        assert "ikke lenger gyldig" in refused.text


def test_no_open_badge_before_the_certificate(client: TestClient, engine: Engine) -> None:
    learner = make_user(engine, email="ny@web.no")
    log_in(client, learner.email)
    refused = client.get("/kursbevis/open-badge.png")
    assert refused.status_code == 404
    assert "Hent det på siden Kursbevis" in refused.text
