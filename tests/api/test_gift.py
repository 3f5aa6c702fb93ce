"""GIFT through the API: export for staff, import with a dry run, failures that change nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.data.models import Role
from course.gift import export_gift, module_questions, parse_gift
from course.models import Course
from tests.factories import login, make_user, user_headers

EXPORT = "/api/v1/export/gift"
SLUG = "samskaping"
IMPORT = f"/api/v1/modules/{SLUG}/quiz/gift"
NEW_QUIZ = """// Ny quiz
$CATEGORY: samskaping

::m04-ny-sporsmal::[markdown]Hva betyr samskaping? {
\t=Å utvikle løsninger sammen med dem det gjelder #Riktig\\: sammen.
\t~Å kjøpe inn en ferdig løsning
\t####Samskaping skjer *sammen* med brukerne.
}

::Flere svar::Hvem kan delta? {
\t~%50%Brukerne
\t~%50%Frivillige
\t~%-100%Bare ansatte #Nei
\t####Alle som berøres.
}
"""


def test_staff_download_the_course_quizzes(
    client: TestClient, engine: Engine, shipped_course: Course
) -> None:
    headers = user_headers(client, engine, Role.INSTRUCTOR)
    response = client.get(EXPORT, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="innovasjon-i-kommunal-sektor.gift"'
    )
    assert response.text == export_gift(shipped_course.modules)
    one = client.get(EXPORT, params={"module": SLUG}, headers=headers)
    module = shipped_course.module(SLUG)
    assert module is not None
    assert one.text == export_gift([module])
    missing = client.get(EXPORT, params={"module": "finnes-ikke"}, headers=headers)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Modulen «finnes-ikke» finnes ikke i kurset."
    assert client.get(EXPORT, params={"module": "Ikke Slug"}, headers=headers).status_code == 422


def test_learners_may_neither_export_nor_import(client: TestClient, engine: Engine) -> None:
    assert client.get(EXPORT).status_code == 401
    learner = user_headers(client, engine, Role.LEARNER)
    assert client.get(EXPORT, headers=learner).status_code == 403
    refused = client.post(IMPORT, json={"gift": NEW_QUIZ}, headers=learner)
    assert refused.status_code == 403


def test_a_dry_run_previews_and_the_import_saves_a_revision(
    fresh_client: TestClient, fresh_engine: Engine
) -> None:
    staff = login(fresh_client, make_user(fresh_engine, role=Role.INSTRUCTOR).email)
    before = fresh_client.get(f"/api/v1/modules/{SLUG}/source", headers=staff).json()
    dry = fresh_client.post(IMPORT, json={"gift": NEW_QUIZ, "dry_run": True}, headers=staff)
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert (body["questions"], body["dry_run"], body["revision"]) == (2, True, None)
    assert "### Hvem kan delta? (Velg alle som stemmer.) {#flere-svar}" in body["markdown"]
    assert (
        "- [x] Å utvikle løsninger sammen med dem det gjelder\n  > Riktig: sammen."
        in (body["markdown"])
    )
    assert fresh_client.get(f"/api/v1/modules/{SLUG}/source", headers=staff).json() == before

    saved = fresh_client.post(IMPORT, json={"gift": NEW_QUIZ}, headers=staff)
    assert saved.status_code == 200, saved.text
    assert saved.json()["revision"] == before["revision"] + 1
    after = fresh_client.get(f"/api/v1/modules/{SLUG}/source", headers=staff).json()
    assert after["markdown"] == body["markdown"]
    questions, problems = parse_gift(NEW_QUIZ)
    assert problems == []
    assert module_questions(after["markdown"])[0] == questions[0]
    history = fresh_client.get(f"/api/v1/modules/{SLUG}/revisions", headers=staff).json()
    assert history[0]["summary"] == "Quiz importert fra GIFT (2 spørsmål)"
    admin = user_headers(fresh_client, fresh_engine, Role.ADMIN)
    events = fresh_client.get("/api/v1/audit", headers=admin).json()
    actions = [(e["action"], e["target"]) for e in events]
    assert ("module.gift_import", f"module:{SLUG}") in actions
    exported = fresh_client.get(EXPORT, params={"module": SLUG}, headers=staff).text
    assert parse_gift(exported)[0][1].text == "Hvem kan delta? (Velg alle som stemmer.)"


def test_a_failing_import_is_422_with_lines_and_leaves_the_module_unchanged(
    fresh_client: TestClient, fresh_engine: Engine
) -> None:
    staff = login(fresh_client, make_user(fresh_engine, role=Role.INSTRUCTOR).email)
    before = fresh_client.get(f"/api/v1/modules/{SLUG}/source", headers=staff).json()
    bad = NEW_QUIZ + "\n::sant::Er dette sant? {T}\n\n::m01-lokale-tall::Brukt? {=Ja ~Nei}\n"
    response = fresh_client.post(IMPORT, json={"gift": bad}, headers=staff)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "gift_import_invalid"
    assert [(e["line"], e["message"]) for e in body["errors"]] == [
        (17, "Spørsmålstypen «sant/usant» støttes ikke ennå (linje 17)"),
        (19, "spørsmåls-id «m01-lokale-tall» er allerede brukt i kurset: gi spørsmålet et "
             "annet navn med «::navn::»"),
    ]  # fmt: skip
    garbage = fresh_client.post(IMPORT, json={"gift": "{{{ ~ = #"}, headers=staff)
    assert garbage.status_code == 422
    assert garbage.json()["errors"][0]["line"] == 1
    after = fresh_client.get(f"/api/v1/modules/{SLUG}/source", headers=staff).json()
    assert after == before
    missing = fresh_client.post(
        "/api/v1/modules/finnes-ikke/quiz/gift", json={"gift": NEW_QUIZ}, headers=staff
    )
    assert missing.status_code == 404
