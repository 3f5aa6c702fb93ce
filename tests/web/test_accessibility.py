"""axe-core on every page at desktop and phone width, with a screenshot of each."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from api.data.models import Role
from course.models import Course
from tests.factories import complete_course, make_user
from tests.web.conftest import WebSite, check_page_at_both_widths
from tests.web.helpers import answer_quiz, log_in

pytestmark = pytest.mark.browser


def test_public_pages_have_no_serious_accessibility_violations(
    page: Page, site: WebSite, axe_source: str
) -> None:
    pages = {
        "logg-inn": "/logg-inn",
        "feil-404": "/finnes-ikke",
        "kontroller-kursbevis": "/verify",
        "kontroll-ukjent-kode": "/verify/ABCD-EFGH-JKM",
        "tilgjengelighet": "/tilgjengelighet",
    }
    for name, path in pages.items():
        page.goto(site.url + path)
        check_page_at_both_widths(page, axe_source, name)
    page.goto(site.url + "/logg-inn")
    page.get_by_label("E-postadresse").fill("ingen@asker.kommune.no")
    page.get_by_label("Passord").fill("feil-passord")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("alert")).to_contain_text("Feil e-postadresse eller passord")
    check_page_at_both_widths(page, axe_source, "logg-inn-feil")


def test_learner_pages_have_no_serious_accessibility_violations(
    page: Page, site: WebSite, axe_source: str, shipped_course: Course
) -> None:
    learner = make_user(site.engine, full_name="Åse Ødegård Sæther", email="ase@web.no")
    log_in(page, site.url, learner.email)
    module = shipped_course.modules[0]
    for name, path in {
        "oversikt": "/",
        "modul": f"/moduler/{module.slug}",
        "quiz": f"/moduler/{module.slug}/quiz",
        "kursbevis-ikke-fullfort": "/kursbevis",
        "profil": "/profil",
        "feil-403": "/instruktor",
    }.items():
        page.goto(site.url + path)
        check_page_at_both_widths(page, axe_source, name)
    page.goto(f"{site.url}/moduler/{module.slug}/quiz")
    assert module.quiz is not None
    first_options = {q.id: [q.options[0].id] for q in module.quiz.questions}
    answer_quiz(page, dict(list(first_options.items())[:3]))
    page.get_by_role("button", name="Lever svarene").click()
    expect(page.get_by_role("alert")).to_contain_text("Svar på alle spørsmålene")
    check_page_at_both_widths(page, axe_source, "quiz-mangler-svar")
    answer_quiz(page, dict(list(first_options.items())[3:]))  # the first three are kept
    page.get_by_role("button", name="Lever svarene").click()
    expect(page).to_have_url(re.compile(r"/forsok/\d+$"))
    check_page_at_both_widths(page, axe_source, "quizresultat")


def test_certificate_pages_have_no_serious_accessibility_violations(
    page: Page, site: WebSite, axe_source: str
) -> None:
    graduate = make_user(site.engine, full_name="Áigin Ŋuolla Čuđe", email="aigin@web.no")
    complete_course(site.engine, graduate)
    log_in(page, site.url, graduate.email)
    page.goto(site.url + "/kursbevis")
    check_page_at_both_widths(page, axe_source, "kursbevis-klar")
    page.get_by_role("button", name="Hent kursbevis").click()
    code = page.locator("dd code").inner_text()
    check_page_at_both_widths(page, axe_source, "kursbevis-utstedt")
    page.goto(f"{site.url}/verify/{code}")
    check_page_at_both_widths(page, axe_source, "kontroll-gyldig")


def test_instructor_pages_have_no_serious_accessibility_violations(
    page: Page, site: WebSite, axe_source: str, shipped_course: Course
) -> None:
    instructor = make_user(site.engine, role=Role.INSTRUCTOR, email="instruktor@web.no")
    log_in(page, site.url, instructor.email)
    slug = shipped_course.modules[1].slug
    for name, path in {
        "instruktor-moduler": "/instruktor",
        "redigering": f"/instruktor/moduler/{slug}",
        "historikk": f"/instruktor/moduler/{slug}/historikk",
        "instruktor-arkiver": f"/instruktor/moduler/{slug}/arkiver",
    }.items():
        page.goto(site.url + path)
        check_page_at_both_widths(page, axe_source, name)
    page.goto(f"{site.url}/instruktor/moduler/{slug}")
    text = page.get_by_label("Markdown for modulen").input_value()
    page.get_by_label("Markdown for modulen").fill(text.replace("\n:::\n", "\n", 1))
    page.get_by_role("button", name="Oppdater forhåndsvisning").click()
    expect(page.locator("#problemer")).to_contain_text("Linje")
    check_page_at_both_widths(page, axe_source, "redigering-med-feil")
