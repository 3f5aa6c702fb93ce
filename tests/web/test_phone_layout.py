"""At phone width the text comes first: contents folded, compact menus, tables that scroll.

Each test looks at the page at 375 × 740 (``PHONE``), the size of a small phone, and checks the
desktop layout beside it where a phone fix could have made that worse.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from api.core.db import transaction
from api.data.models import Role, User
from course.models import Course
from tests.factories import complete_course, insert_unit, make_user
from tests.web.conftest import DESKTOP, PHONE, SCREENSHOTS, WebSite, check_page
from tests.web.helpers import log_in
from tests.web.test_keyboard import focused, tab_until

pytestmark = pytest.mark.browser

# A long compound in a table of module 2 ("Hva er innovasjon?"), and a department name long
# enough to be the widest word of the roster: neither may be broken across lines.
MODULE_WORD = "Organisasjonsinnovasjon"
DEPARTMENT = "Hjemmebaserte tjenester og Folkehelsekoordinering"
LONG_WORD = "Folkehelsekoordinering"
HINT = "Sveip eller rull sideveis for å se hele tabellen"

_LINES_OF_WORD = """([root, word]) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf(word);
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + word.length);
        const cell = node.parentElement.closest("td, th");
        const style = getComputedStyle(cell);
        return {lines: range.getClientRects().length, wordBreak: style.wordBreak,
                overflowWrap: style.overflowWrap};
    }
    return null;
}"""
_SCROLL = "e => ({scrollWidth: e.scrollWidth, clientWidth: e.clientWidth, left: e.scrollLeft})"


def first_screen(page: Page, name: str) -> None:
    """Save what the first screen shows (the conftest helper saves the whole page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def word_lines(page: Page, region: Locator, word: str) -> dict[str, object]:
    """How many lines ``word`` takes in ``region``'s table, and its cell's word breaking."""
    result = page.evaluate(_LINES_OF_WORD, [region.element_handle(), word])
    assert result is not None, f"«{word}» is not in the table"
    assert isinstance(result, dict)
    return result


def assert_scrolling_table(page: Page, region: Locator, word: str) -> None:
    """A named, focusable region whose table is wider than it, with ``word`` whole on one line."""
    expect(region).to_have_attribute("tabindex", "0")
    sizes = region.evaluate(_SCROLL)
    assert sizes["scrollWidth"] > sizes["clientWidth"], f"the table fits: {sizes}"
    layout = word_lines(page, region, word)
    assert layout == {"lines": 1, "wordBreak": "normal", "overflowWrap": "normal"}, layout
    # Keyboard users scroll it: Tab reaches it, and the arrow keys move it sideways.
    region.focus()
    assert region.evaluate("e => e === document.activeElement")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("e => e.scrollLeft > 0", arg=region.element_handle())
    region.evaluate("e => { e.scrollLeft = 0; }")


def test_module_text_starts_on_the_first_phone_screen_and_the_contents_open_by_keyboard(
    page: Page, site: WebSite, axe_source: str, shipped_course: Course
) -> None:
    learner = make_user(site.engine, email="mobil-modul@web.no")
    page.set_viewport_size(PHONE)
    log_in(page, site.url, learner.email)
    page.goto(f"{site.url}/moduler/{shipped_course.modules[1].slug}")
    first_screen(page, "mobil-modul-forste-skjerm")

    contents = page.locator("details.toc-details")
    first_link = page.locator(".toc a").first
    assert contents.evaluate("e => e.open") is False
    expect(first_link).to_be_hidden()
    paragraph = page.locator("article.prose > p").first
    box = paragraph.bounding_box()
    assert box is not None and box["y"] + 2 * 16 < PHONE["height"], (
        f"the text starts at {box} on a {PHONE['height']} px high screen"
    )

    summary = tab_until(page, {"tag": "summary"})
    assert summary["text"] == "Innhold" and summary["outline"]
    page.keyboard.press("Enter")
    expect(first_link).to_be_visible()
    check_page(page, axe_source, "mobil-modul-innhold-apen")
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "a"
    target = first_link.get_attribute("href")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site.url}/moduler/{shipped_course.modules[1].slug}{target}")
    page.locator("summary").focus()
    page.keyboard.press("Space")
    expect(first_link).to_be_hidden()
    check_page(page, axe_source, "mobil-modul-innhold-lukket")


def test_module_contents_stay_open_beside_the_text_on_a_desktop(
    page: Page, site: WebSite, shipped_course: Course
) -> None:
    learner = make_user(site.engine, email="desktop-modul@web.no")
    log_in(page, site.url, learner.email)
    page.goto(f"{site.url}/moduler/{shipped_course.modules[1].slug}")
    first_link = page.locator(".toc a").first
    expect(first_link).to_be_visible()
    toc, text = page.locator("nav.toc").bounding_box(), page.locator("article.prose").bounding_box()
    assert toc is not None and text is not None
    assert toc["x"] + toc["width"] <= text["x"], "the contents are beside the text"
    first_screen(page, "desktop-modul-forste-skjerm")
    page.set_viewport_size(PHONE)
    expect(first_link).to_be_hidden()
    page.set_viewport_size(DESKTOP)
    expect(first_link).to_be_visible()


def test_module_contents_fold_and_open_without_javascript(
    browser: Browser, site: WebSite, shipped_course: Course
) -> None:
    learner = make_user(site.engine, email="uten-js@web.no")
    context = browser.new_context(viewport=PHONE, locale="nb-NO", java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, site.url, learner.email)
        page.goto(f"{site.url}/moduler/{shipped_course.modules[1].slug}")
        first_link = page.locator(".toc a").first
        expect(first_link).to_be_hidden()
        box = page.locator("article.prose > p").first.bounding_box()
        assert box is not None and box["y"] < PHONE["height"]
        page.locator("summary").focus()
        page.keyboard.press("Enter")
        expect(first_link).to_be_visible()
    finally:
        context.close()


def test_the_admin_menus_take_a_small_part_of_the_phone_screen(
    page: Page, site: WebSite, axe_source: str
) -> None:
    admin = make_user(site.engine, role=Role.ADMIN, full_name="Ragnhild Administrator",
                      email="mobil-admin@web.no")  # fmt: skip
    page.set_viewport_size(PHONE)
    log_in(page, site.url, admin.email)
    page.goto(f"{site.url}/admin/logg")
    first_screen(page, "mobil-admin-forste-skjerm")

    menus = page.locator("nav.site-nav, nav.subnav")
    assert menus.count() == 2
    heights = [box["height"] for box in (menus.nth(i).bounding_box() for i in (0, 1)) if box]
    assert sum(heights) < 0.2 * PHONE["height"], f"the menus are {heights} px high"
    header = page.locator("header.site").bounding_box()
    assert header is not None and header["height"] < 0.16 * PHONE["height"], header
    expect(page.locator("h1")).to_be_in_viewport()

    # The current section is marked, and scrolled into view although it is the last one.
    current = page.locator("nav.subnav [aria-current=page]")
    expect(current).to_have_text("Logg")
    expect(current).to_be_in_viewport(ratio=1)
    expect(page.locator("nav.site-nav [aria-current=page]")).to_have_text("Administrasjon")
    # Every entry is in reach of Tab, and scrolls into view when it gets the focus.
    page.locator("nav.site-nav a").first.focus()
    for label in ("Administrasjon", "Min profil", "Oversikt", "Kursbevis", "Logg"):
        reached = tab_until(page, {"tag": "a", "text": label}, limit=20)
        assert reached["outline"]
        expect(page.locator(":focus")).to_be_in_viewport(ratio=1)
    check_page(page, axe_source, "mobil-admin-logg")


def test_wide_tables_scroll_sideways_in_a_named_focusable_region_without_breaking_words(
    page: Page, site: WebSite, axe_source: str, shipped_course: Course
) -> None:
    admin = make_user(site.engine, role=Role.ADMIN, email="mobiltabell@web.no")
    learner = make_user(site.engine, full_name="Kristoffer Abrahamsen-Gjerdrum",
                        email="kristoffer.abrahamsen-gjerdrum@nordre-follo.kommune.no",
                        municipality="Nordre Follo")  # fmt: skip
    complete_course(site.engine, learner)
    page.set_viewport_size(PHONE)
    log_in(page, site.url, admin.email)

    page.goto(f"{site.url}/moduler/{shipped_course.modules[1].slug}")
    region = page.get_by_role("region", name="Typer innovasjon i kommunen")
    region.scroll_into_view_if_needed()
    assert_scrolling_table(page, region, MODULE_WORD)
    hint = region.locator("xpath=preceding-sibling::p[1]")
    expect(hint).to_have_text(HINT)
    expect(hint).to_be_visible()
    region.evaluate("e => { e.scrollLeft = 60; }")
    region.screenshot(path=str(SCREENSHOTS / "mobil-modul-tabell-rullet.png"))
    check_page(page, axe_source, "mobil-modul-tabeller")
    page.set_viewport_size(DESKTOP)
    expect(hint).to_be_hidden()  # the table fits beside the contents
    assert word_lines(page, region, MODULE_WORD)["lines"] == 1
    page.set_viewport_size(PHONE)

    with transaction(site.engine, write=True) as session:  # a unit with a long word
        unit_id = insert_unit(session, DEPARTMENT)
        session.get_one(User, learner.id).unit_id = unit_id
    assert page.request.get(f"{site.url}/admin/kursliste.csv").ok  # an event for the log
    for path, name, word in (
        ("/admin/kursliste?kommune=Nordre+Follo", "Deltakere", LONG_WORD),
        ("/admin/brukere?q=kristoffer", "Brukere som passer søket", LONG_WORD),
        ("/admin/logg", "Hendelser i loggen", admin.email),
    ):
        page.goto(site.url + path)
        region = page.get_by_role("region", name=name)
        assert_scrolling_table(page, region, word)
        expect(page.get_by_text(HINT)).to_be_visible()
        check_page(page, axe_source, "mobil-tabell" + path.split("?")[0].replace("/", "-"))

    page.goto(f"{site.url}/admin/kommuner")  # narrow enough to fit: no hint, still a region
    region = page.get_by_role("region", name="Fullføring per kommune")
    expect(region).to_have_attribute("tabindex", "0")
    assert word_lines(page, region, "Nordre")["wordBreak"] == "normal"
    check_page(page, axe_source, "mobil-tabell-admin-kommuner")
