"""Instructors edit modules through the API; learners are never hurt by an edit."""

from __future__ import annotations

import html.parser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from api.data.models import ModuleRevision, QuizAttempt, Role
from course.models import Course
from tests.api.helpers import correct_answers
from tests.factories import login, make_user, user_headers

SLUG = "hvorfor-innovasjon"


@pytest.fixture
def instructor(fresh_client: TestClient, fresh_engine: Engine) -> dict[str, str]:
    user = make_user(fresh_engine, role=Role.INSTRUCTOR, full_name="Ivar Instruktør")
    return login(fresh_client, user.email)


def _source(client: TestClient, headers: dict[str, str], slug: str = SLUG) -> dict[str, object]:
    response = client.get(f"/api/v1/modules/{slug}/source", headers=headers)
    assert response.status_code == 200
    return dict(response.json())


def _put(
    client: TestClient, headers: dict[str, str], markdown: str, base: object, slug: str = SLUG
) -> object:
    return client.put(
        f"/api/v1/modules/{slug}/source",
        headers=headers,
        json={"markdown": markdown, "base_revision": base, "summary": "Test"},
    )


def test_source_is_the_imported_file_byte_for_byte(
    fresh_client: TestClient, instructor: dict[str, str], shipped_course: Course
) -> None:
    source = _source(fresh_client, instructor)
    assert source == {"slug": SLUG, "markdown": shipped_course.modules[0].source, "revision": 1}


def test_an_edit_becomes_a_new_revision_that_learners_see(
    fresh_client: TestClient, fresh_engine: Engine, instructor: dict[str, str]
) -> None:
    original = str(_source(fresh_client, instructor)["markdown"])
    edited = original.replace("\n## ", "\n## Nytt avsnitt\n\nHelt ny tekst her.\n\n## ", 1)
    saved = _put(fresh_client, instructor, edited, 1)
    assert saved.status_code == 200  # type: ignore[attr-defined]
    assert saved.json() == {"slug": SLUG, "revision": 2, "warnings": []}  # type: ignore[attr-defined]

    learner = user_headers(fresh_client, fresh_engine)
    module = fresh_client.get(f"/api/v1/modules/{SLUG}", headers=learner).json()
    assert module["revision"] == 2
    assert "Helt ny tekst her." in module["html"]

    history = fresh_client.get(f"/api/v1/modules/{SLUG}/revisions", headers=instructor).json()
    assert [(r["number"], r["author"], r["summary"]) for r in history] == [
        (2, "Ivar Instruktør", "Test"),
        (1, None, "Importert fra fil"),
    ]
    first = fresh_client.get(f"/api/v1/modules/{SLUG}/revisions/1", headers=instructor).json()
    assert first["markdown"] == original
    missing = fresh_client.get(f"/api/v1/modules/{SLUG}/revisions/99", headers=instructor)
    assert missing.status_code == 404

    unchanged = _put(fresh_client, instructor, edited, 2)
    assert unchanged.json()["revision"] == 2  # type: ignore[attr-defined]  # no empty revisions


def test_a_stale_base_revision_is_409_and_overwrites_nothing(
    fresh_client: TestClient, fresh_engine: Engine, instructor: dict[str, str]
) -> None:
    original = str(_source(fresh_client, instructor)["markdown"])
    assert _put(fresh_client, instructor, original + "\nFørste.\n", 1).status_code == 200  # type: ignore[attr-defined]
    late = _put(fresh_client, instructor, original + "\nAndre.\n", 1)
    assert late.status_code == 409  # type: ignore[attr-defined]
    assert late.json()["code"] == "stale_revision"  # type: ignore[attr-defined]
    source = _source(fresh_client, instructor)
    assert source["revision"] == 2
    assert "Første." in str(source["markdown"]) and "Andre." not in str(source["markdown"])


@pytest.mark.parametrize(
    ("breakage", "line", "message"),
    [
        (
            lambda md: md.replace("::: quiz", "::: quiz", 1).rsplit(":::", 1)[0],
            None,
            "quizblokken er ikke lukket med «:::»",
        ),
        (
            lambda md: md.replace("title:", "tittel:", 1),
            2,
            "mangler tittel: legg til «title: …» i front matter",
        ),
        (
            lambda md: md + "\nSe [modulen](99-finnes-ikke.md).\n",
            None,
            "lenke til en modul som ikke finnes: «99-finnes-ikke.md»",
        ),
        (lambda md: md.replace("- [x]", "- [ ]"), None, "har ikke noe riktig svar (merk ett med"),
        (
            lambda md: md + "\n::: quiz\n### Hvem? {#hvem-flere}\n- [x] A\n- [x] B\n> F.\n:::\n",
            None,
            "har 2 riktige svar: skriv «(Velg alle som stemmer.)» til slutt i overskriften",
        ),
        (
            lambda md: md + "\nNUL: \x00\n",
            None,
            "inneholder et NUL-tegn (tegnkode 0), som ikke er tillatt",
        ),
        (
            lambda md: md.replace("---\n", "---\nslug: annen\n", 1),
            1,
            f"slug «annen» i front matter stemmer ikke med modulen «{SLUG}»",
        ),
    ],
)
def test_invalid_markdown_is_422_with_validator_lines_and_nothing_is_stored(
    fresh_client: TestClient,
    fresh_engine: Engine,
    instructor: dict[str, str],
    breakage: object,
    line: int | None,
    message: str,
) -> None:
    original = str(_source(fresh_client, instructor)["markdown"])
    broken = breakage(original)  # type: ignore[operator]
    response = _put(fresh_client, instructor, broken, 1)
    assert response.status_code == 422  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["code"] == "invalid_content"
    matching = [e for e in body["errors"] if message in e["message"]]
    assert matching, body["errors"]
    assert all(isinstance(e["line"], int) and e["line"] >= 1 for e in body["errors"])
    if line is not None:
        assert matching[0]["line"] == line
    with Session(fresh_engine) as session:
        assert (
            session.exec(
                select(func.count()).select_from(ModuleRevision).where(ModuleRevision.number > 1)
            ).one()
            == 0
        )


HOSTILE = """---
title: "<script>alert('tittel')</script> Farlig"
---

# Overskrift <img src=x onerror=alert(1)>

<script>alert(1)</script>
<style>body { display: none }</style>
<a href="javascript:alert(1)">rå lenke</a>

[lenke](javascript:alert(1)) [to](JaVaScRiPt:alert(1)) [tre](&#106;avascript:alert(1))
[fire](vbscript:msgbox(1)) [fem](data:text/html;base64,PHNjcmlwdD4=) <javascript:alert(1)>
[seks]: javascript:alert(1)
[seks]

::: quiz
### Spørsmål <b onmouseover=alert(1)>x</b>?
- [x] <script>alert(2)</script> svar
- [ ] [lenke](javascript:alert(3))
> <iframe src="https://evil.example"></iframe> forklaring
:::
"""


class _Collector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)


def _assert_harmless(fragment: str) -> None:
    collector = _Collector()
    collector.feed(fragment)
    assert not {"script", "style", "iframe", "img"} & set(collector.tags), collector.tags
    for name, value in collector.attrs:
        assert not name.startswith("on"), name
        assert not (value or "").strip().lower().startswith(("javascript:", "vbscript:", "data:"))


def test_hostile_markdown_is_stored_as_written_and_always_rendered_harmless(
    fresh_client: TestClient, fresh_engine: Engine, instructor: dict[str, str]
) -> None:
    preview = fresh_client.post("/api/v1/preview", headers=instructor, json={"markdown": HOSTILE})
    assert preview.status_code == 200
    body = preview.json()
    assert not [e for e in body["errors"] if e["severity"] == "error"]
    _assert_harmless(body["html"])
    for question in body["quiz"]["questions"]:
        _assert_harmless(question["html"] + question["explanation_html"])
        for option in question["options"]:
            _assert_harmless(option["html"])

    created = fresh_client.post(
        "/api/v1/modules", headers=instructor, json={"slug": "farlig", "markdown": HOSTILE}
    )
    assert created.status_code == 201, created.text
    assert _source(fresh_client, instructor, "farlig")["markdown"] == HOSTILE
    learner = user_headers(fresh_client, fresh_engine)
    module = fresh_client.get("/api/v1/modules/farlig", headers=learner).json()
    _assert_harmless(module["html"])
    for question in module["quiz"]["questions"]:
        _assert_harmless(question["html"])
        for option in question["options"]:
            _assert_harmless(option["html"])
    assert "<script>" not in module["html"]


def test_preview_shows_answers_and_every_problem_without_saving(
    fresh_client: TestClient, instructor: dict[str, str]
) -> None:
    markdown = (
        "---\ntitle: Prøve\n---\nTekst.\n\n::: quiz\n### Hva?\n- [x] Ja\n- [ ] Nei\n> Fordi.\n:::\n"
    )
    body = fresh_client.post(
        "/api/v1/preview", headers=instructor, json={"markdown": markdown}
    ).json()
    assert body["title"] == "Prøve"
    options = body["quiz"]["questions"][0]["options"]
    assert [(o["id"], o["correct"]) for o in options] == [("a", True), ("b", False)]
    assert body["quiz"]["questions"][0]["explanation_html"] == "<p>Fordi.</p>\n"

    broken = fresh_client.post(
        "/api/v1/preview", headers=instructor, json={"markdown": "---\n---\n::: quiz\n- [x] a\n"}
    ).json()
    assert broken["html"] is None
    messages = {(e["line"], e["message"]) for e in broken["errors"]}
    assert (2, "mangler tittel: legg til «title: …» i front matter") in messages
    assert (3, "quizblokken er ikke lukket med «:::»") in messages
    assert fresh_client.get("/api/v1/modules", headers=instructor).json()[0]["revision"] == 1


def test_create_archive_and_reorder_modules(
    fresh_client: TestClient,
    fresh_engine: Engine,
    instructor: dict[str, str],
    shipped_course: Course,
) -> None:
    learner = user_headers(fresh_client, fresh_engine)
    markdown = (
        "---\ntitle: Digitale tjenester\nestimated_minutes: 20\n---\n"
        "Ny tekst om [prosessen](03-innovasjonsprosessen.md).\n"
    )
    created = fresh_client.post(
        "/api/v1/modules",
        headers=instructor,
        json={"slug": "digitale-tjenester", "markdown": markdown},
    )
    assert created.status_code == 201
    again = fresh_client.post(
        "/api/v1/modules",
        headers=instructor,
        json={"slug": "digitale-tjenester", "markdown": markdown},
    )
    assert again.status_code == 409
    outline = fresh_client.get("/api/v1/course", headers=learner).json()
    assert outline["modules"][-1]["slug"] == "digitale-tjenester"
    assert outline["progress"]["total_modules"] == len(shipped_course.modules) + 1
    html = fresh_client.get("/api/v1/modules/digitale-tjenester", headers=learner).json()["html"]
    assert 'href="/moduler/innovasjonsprosessen"' in html

    slugs = [m["slug"] for m in outline["modules"]]
    reordered = [slugs[-1], *slugs[:-1]]
    assert (
        fresh_client.put(
            "/api/v1/course/modules", headers=instructor, json={"slugs": reordered}
        ).status_code
        == 200
    )
    assert [
        m["slug"] for m in fresh_client.get("/api/v1/course", headers=learner).json()["modules"]
    ] == reordered
    bad = fresh_client.put(
        "/api/v1/course/modules", headers=instructor, json={"slugs": [*reordered[:-1], "ukjent"]}
    )
    assert bad.status_code == 422
    assert (
        "missing" in bad.json()["detail"][0]["msg"] and "ukjent" in bad.json()["detail"][0]["msg"]
    )

    assert (
        fresh_client.delete("/api/v1/modules/digitale-tjenester", headers=instructor).status_code
        == 204
    )
    assert (
        fresh_client.get("/api/v1/modules/digitale-tjenester", headers=learner).status_code == 404
    )
    listed = fresh_client.get("/api/v1/modules", headers=instructor).json()
    assert listed[-1]["slug"] == "digitale-tjenester" and listed[-1]["archived_at"] is not None
    assert (
        len(fresh_client.get("/api/v1/course", headers=learner).json()["modules"]) == len(slugs) - 1
    )


def test_restore_makes_an_old_revision_the_newest(
    fresh_client: TestClient, instructor: dict[str, str]
) -> None:
    original = str(_source(fresh_client, instructor)["markdown"])
    _put(fresh_client, instructor, original + "\nEndring.\n", 1)
    restored = fresh_client.post(f"/api/v1/modules/{SLUG}/revisions/1/restore", headers=instructor)
    assert restored.status_code == 200
    assert restored.json()["revision"] == 3
    assert _source(fresh_client, instructor)["markdown"] == original
    history = fresh_client.get(f"/api/v1/modules/{SLUG}/revisions", headers=instructor).json()
    assert history[0]["summary"] == "Gjenopprettet revisjon 1"


def test_learners_are_never_hurt_by_an_edit(
    fresh_client: TestClient,
    fresh_engine: Engine,
    instructor: dict[str, str],
    shipped_course: Course,
) -> None:
    module = shipped_course.modules[0]
    finished = login(fresh_client, make_user(fresh_engine).email)
    halfway = login(fresh_client, make_user(fresh_engine).email)
    url = f"/api/v1/modules/{SLUG}"
    fresh_client.post(f"{url}/read", headers=finished)
    passed = fresh_client.post(
        f"{url}/attempts", headers=finished, json={"answers": correct_answers(module)}
    ).json()
    assert passed["module_completed"] is True
    fresh_client.post(f"{url}/read", headers=halfway)

    new_question = "\n### Et nytt spørsmål? {#nytt}\n- [ ] Nei\n- [x] Ja\n> Slik er det.\n:::"
    edited = module.source.rstrip().removesuffix(":::") + new_question.lstrip("\n") + "\n"
    assert _put(fresh_client, instructor, edited, 1).status_code == 200  # type: ignore[attr-defined]

    # The finished learner stays completed, with the old score on the old revision.
    statuses = fresh_client.get("/api/v1/course", headers=finished).json()["modules"]
    assert statuses[0]["status"] == "completed"
    attempts = fresh_client.get("/api/v1/progress", headers=finished).json()["modules"][0][
        "attempts"
    ]
    assert [(a["revision"], a["score"], a["passed"]) for a in attempts] == [(1, 1.0, True)]

    # The learner halfway sees the new quiz and must pass it.
    quiz = fresh_client.get(url, headers=halfway).json()
    assert quiz["revision"] == 2
    assert "nytt" in [q["id"] for q in quiz["quiz"]["questions"]]
    stale = fresh_client.post(
        f"{url}/attempts", headers=halfway, json={"answers": correct_answers(module), "revision": 1}
    )
    assert stale.status_code == 409
    answers = {**correct_answers(module), "nytt": ["b"]}
    result = fresh_client.post(
        f"{url}/attempts", headers=halfway, json={"answers": answers, "revision": 2}
    ).json()
    assert result["passed"] is True and result["revision"] == 2
    with Session(fresh_engine) as session:
        revisions = session.exec(select(QuizAttempt.revision).order_by(QuizAttempt.id)).all()
    assert revisions == [1, 2]


def test_oversized_and_non_utf8_bodies_are_refused(
    fresh_client: TestClient, instructor: dict[str, str]
) -> None:
    big = fresh_client.post(
        "/api/v1/preview", headers=instructor, json={"markdown": "x" * 1_100_000}
    )
    assert big.status_code == 413
    bad = fresh_client.post(
        "/api/v1/preview",
        content=b'{"markdown": "\xff\xfe"}',
        headers={**instructor, "Content-Type": "application/json"},
    )
    assert bad.status_code == 422
    assert _source(fresh_client, instructor)["revision"] == 1


def test_instructor_actions_are_in_the_audit_log(
    fresh_client: TestClient, fresh_engine: Engine, instructor: dict[str, str]
) -> None:
    original = str(_source(fresh_client, instructor)["markdown"])
    _put(fresh_client, instructor, original + "\nEndring.\n", 1)
    _put(fresh_client, instructor, original + "\nForeldet.\n", 1)  # stale: refused
    fresh_client.post(f"/api/v1/modules/{SLUG}/revisions/1/restore", headers=instructor)
    fresh_client.delete("/api/v1/modules/spredning", headers=instructor)
    admin = user_headers(fresh_client, fresh_engine, Role.ADMIN)
    events = fresh_client.get("/api/v1/audit", headers=admin).json()
    module_events = [
        (e["action"], e["target"], e["outcome"], e["actor_role"])
        for e in reversed(events)
        if e["action"].startswith("module.")
    ]
    assert module_events == [
        ("module.edit", f"module:{SLUG}", "ok", "instructor"),
        ("module.edit", f"module:{SLUG}", "denied", "instructor"),
        ("module.restore", f"module:{SLUG}", "ok", "instructor"),
        ("module.archive", "module:spredning", "ok", "instructor"),
    ]


def test_an_archived_module_comes_back_last_with_the_learners_history(
    fresh_client: TestClient,
    fresh_engine: Engine,
    instructor: dict[str, str],
    shipped_course: Course,
) -> None:
    module = shipped_course.modules[0]
    learner = user_headers(fresh_client, fresh_engine)
    fresh_client.post(f"/api/v1/modules/{module.slug}/read", headers=learner)
    fresh_client.post(
        f"/api/v1/modules/{module.slug}/attempts",
        headers=learner,
        json={"answers": correct_answers(module)},
    )
    url = f"/api/v1/modules/{module.slug}/unarchive"
    assert fresh_client.post(url, headers=instructor).status_code == 404  # not archived
    assert (
        fresh_client.delete(f"/api/v1/modules/{module.slug}", headers=instructor).status_code == 204
    )
    outline = fresh_client.get("/api/v1/course", headers=learner).json()["modules"]
    assert module.slug not in [m["slug"] for m in outline]

    back = fresh_client.post(url, headers=instructor)
    assert back.status_code == 200
    body = back.json()
    assert (body["slug"], body["title"], body["revision"], body["archived_at"]) == (
        module.slug,
        module.title,
        1,
        None,
    )
    assert body["position"] == max(m.order for m in shipped_course.modules[1:]) + 1
    outline = fresh_client.get("/api/v1/course", headers=learner).json()["modules"]
    assert (outline[-1]["slug"], outline[-1]["status"]) == (module.slug, "completed")
    assert len(outline) == len(shipped_course.modules)
    assert fresh_client.post(url, headers=instructor).status_code == 404  # already back
    missing = fresh_client.post("/api/v1/modules/finnes-ikke/unarchive", headers=instructor)
    assert missing.status_code == 404

    admin = user_headers(fresh_client, fresh_engine, Role.ADMIN)
    events = fresh_client.get("/api/v1/audit", headers=admin).json()
    unarchived = [
        (e["target"], e["outcome"], e["details"])
        for e in reversed(events)
        if e["action"] == "module.unarchive"
    ]
    assert unarchived == [
        (f"module:{module.slug}", "failed", {"code": "module_not_found", "status": 404}),
        (f"module:{module.slug}", "ok", {"position": body["position"]}),
        (f"module:{module.slug}", "failed", {"code": "module_not_found", "status": 404}),
        ("module:finnes-ikke", "failed", {"code": "module_not_found", "status": 404}),
    ]
