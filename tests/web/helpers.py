"""Steps shared by the browser tests."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD


def log_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/logg-inn")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord").fill(password)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()


def answer_quiz(page: Page, answers: dict[str, list[str]]) -> None:
    """Tick the given options (question id -> option ids) on the quiz page."""
    for question_id, option_ids in answers.items():
        for option_id in option_ids:
            page.locator(f"#q-{question_id}-{option_id}").check()
