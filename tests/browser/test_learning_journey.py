"""Taking a module in a real browser by keyboard: read, fail, read the feedback, retry, pass."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page

from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession, answer_by_keyboard, open_attempt_questions
from tests.fixtures.factories import STRONG_PASSWORD, make_user


def assert_progress(page: Page, text: str) -> None:
    assert text in page.locator(".progress__label").inner_text()


def test_read_fail_retry_and_pass_a_module_by_keyboard(desktop: BrowserSession, app: Flask) -> None:
    import_bundle(app)
    with app.app_context():
        make_user(email="ada@example.org")
    desktop.sign_in("ada@example.org", STRONG_PASSWORD, "dashboard")
    page = desktop.page
    assert_progress(page, "You have completed 0 of 2 modules.")

    # Straight to the first lesson not yet read: no stop on the module page.
    desktop.activate("Continue where you left off", "lesson-1")
    assert "Run, Hide, Tell" in page.locator(".prose").inner_text()
    desktop.activate("Continue to the next lesson", "lesson-2")
    desktop.activate("Continue to the quiz", "quiz-intro")
    desktop.activate("Start the quiz", "quiz")

    answer_by_keyboard(desktop, open_attempt_questions(app), right=False)
    desktop.activate("Submit my answers", "failed")
    assert page.locator("h1").inner_text() == "You did not pass this time"
    assert page.locator(".feedback__explanation").count() == 5

    desktop.activate("Try again with new questions", "retry")
    answer_by_keyboard(desktop, open_attempt_questions(app), right=True)
    desktop.activate("Submit my answers", "passed")
    assert page.locator("h1").inner_text() == "You passed"
    assert "You have completed this module." in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Go on to Reporting").count() == 1

    desktop.activate("Back to the course", "overview-after")
    assert_progress(page, "You have completed 1 of 2 modules.")
    assert "Completed" in page.locator(".module-list__item").first.inner_text()
    desktop.activate("Dashboard", "dashboard-after")
    assert_progress(page, "You have completed 1 of 2 modules.")
    assert "Start Reporting." in page.locator("main").inner_text()


def test_an_unanswered_question_is_flagged_and_linked(phone: BrowserSession, app: Flask) -> None:
    import_bundle(app)
    with app.app_context():
        make_user(email="ada@example.org")
    phone.sign_in("ada@example.org", STRONG_PASSWORD, "dashboard")
    page = phone.page
    page.goto(phone.url("/modules/reporting/quiz"))
    phone.audit("quiz-intro")
    phone.activate("Start the quiz", "quiz")

    phone.activate("Submit my answers", "unanswered")

    assert "Answer question 1" in page.locator(".error-summary").inner_text()
    assert page.title().startswith("Error:")
