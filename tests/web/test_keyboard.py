"""The login form and a quiz can be completed with the keyboard alone, with visible focus."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from course.models import Course
from tests.api.helpers import correct_answers
from tests.factories import PASSWORD, make_user
from tests.web.conftest import WebSite, screenshot

pytestmark = pytest.mark.browser
_FOCUSED = """() => {
    const e = document.activeElement;
    const style = getComputedStyle(e);
    return {id: e.id, name: e.getAttribute("name") || "", value: e.value || "",
            tag: e.tagName.toLowerCase(), text: (e.textContent || "").trim(),
            outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2};
}"""


def focused(page: Page) -> dict[str, object]:
    result: dict[str, object] = page.evaluate(_FOCUSED)
    return result


def tab_until(page: Page, wanted: dict[str, str], limit: int = 120) -> dict[str, object]:
    """Press Tab until the focused element matches every key in ``wanted``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if all(now.get(key) == value for key, value in wanted.items()):
            return now
    raise AssertionError(f"Tab never reached {wanted}")


def test_login_and_a_quiz_work_with_the_keyboard_alone(
    page: Page, site: WebSite, shipped_course: Course
) -> None:
    learner = make_user(site.engine, email="tastatur@web.no")
    page.goto(site.url + "/logg-inn")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Hopp til innholdet"
    page.keyboard.press("Enter")
    email = tab_until(page, {"id": "epost"})
    assert email["outline"], "the focused field shows a visible outline"
    page.keyboard.type(learner.email)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "passord"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()

    module = shipped_course.modules[1]
    assert module.quiz is not None
    page.goto(f"{site.url}/moduler/{module.slug}/quiz")
    answers = correct_answers(module)
    for question in module.quiz.questions:
        name = f"q-{question.id}"
        if question.kind == "single":
            # Tab enters the radio group; arrow keys move within it and select.
            reached = tab_until(page, {"name": name})
            assert reached["outline"], "the focused radio button shows a visible outline"
            target = answers[question.id][0]
            for _ in range(len(question.options)):
                if focused(page)["value"] == target:
                    break
                page.keyboard.press("ArrowDown")
            page.keyboard.press("Space")
        else:
            for option_id in answers[question.id]:
                tab_until(page, {"id": f"{name}-{option_id}"})
                page.keyboard.press("Space")
    screenshot(page, "tastatur-quiz-utfylt")
    tab_until(page, {"tag": "button", "text": "Lever svarene"})
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Bestått!")).to_be_visible()
    expect(page.locator(".score")).to_contain_text(
        f"{len(module.quiz.questions)} av {len(module.quiz.questions)} riktige"
    )
