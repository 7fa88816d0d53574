"""Taking a module in a real browser by keyboard: read, fail, read the feedback, retry, pass."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page

from course.extensions import db
from course.learning.models import QuizAttempt
from tests.browser.conftest import BrowserSession
from tests.conftest import import_bundle
from tests.factories import STRONG_PASSWORD, make_user


def open_attempt_questions(app: Flask) -> list[dict]:
    with app.app_context():
        attempt = db.session.query(QuizAttempt).order_by(QuizAttempt.id.desc()).first()
        assert attempt is not None
        return attempt.questions


def answer_by_keyboard(session: BrowserSession, questions: list[dict], right: bool) -> None:
    """Answer every question with the keyboard only: Tab to a control, then Space or arrows."""
    page = session.page
    for number, question in enumerate(questions, start=1):
        field = f"question-{number}"
        kind = question["type"]
        if kind == "single_choice":
            # Tab enters a radio group at its first option; the arrow keys move and select.
            index = next(i for i, c in enumerate(question["choices"]) if c["correct"] == right)
            session.tab_to(element_id=f"{field}-1")
            page.keyboard.press("Space")
            for _ in range(index):
                page.keyboard.press("ArrowDown")
        elif kind == "multiple_choice":
            for index, choice in enumerate(question["choices"], start=1):
                if choice["correct"] == right:
                    session.tab_to(element_id=f"{field}-{index}")
                    page.keyboard.press("Space")
        elif kind == "true_false":
            wanted = "true" if question["answer"] == right else "false"
            session.tab_to(element_id=f"{field}-true")
            if wanted == "false":
                page.keyboard.press("ArrowDown")
            else:
                page.keyboard.press("Space")
        elif kind == "ordering":
            order = (
                question["correct_order"] if right else list(reversed(question["correct_order"]))
            )
            for position, item_id in enumerate(order, start=1):
                session.tab_to(element_id=f"{field}-{item_id}")
                page.keyboard.type(str(position))
        elif kind == "matching":
            texts = {r["id"]: r["text"] for r in question["rights"]}
            for left in question["lefts"]:
                target = question["correct"][left["id"]]
                if not right:
                    target = next(r["id"] for r in question["rights"] if r["id"] != target)
                session.tab_to(element_id=f"{field}-{left['id']}")
                page.keyboard.type(texts[target])


def assert_progress(page: Page, text: str) -> None:
    assert text in page.locator(".progress__label").inner_text()


def test_read_fail_retry_and_pass_a_module_by_keyboard(desktop: BrowserSession, app: Flask) -> None:
    import_bundle(app)
    with app.app_context():
        make_user(email="ada@example.org")
    desktop.sign_in("ada@example.org", STRONG_PASSWORD, "dashboard")
    page = desktop.page
    assert_progress(page, "You have completed 0 of 2 modules.")

    desktop.activate("Continue where you left off", "module")
    desktop.activate("Start the first lesson", "lesson-1")
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
