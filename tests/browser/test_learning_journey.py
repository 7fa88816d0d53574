"""Taking a module in a real browser by keyboard: read, fail, read the feedback, retry, pass."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page
from werkzeug.datastructures import MultiDict

from course.catalogue.question_types import question_type
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
    """Answer every question with the keyboard only, whatever its type: Tab to each control the
    answer needs, then Space (a box to tick), Space and the arrow keys (a group of radio buttons)
    or typing (a list to choose from, a text box)."""
    page = session.page
    for number, question in enumerate(questions, start=1):
        kind = question_type(question["type"])
        answer = kind.correct_answer(question) if right else kind.wrong_answer(question)
        wanted = MultiDict(kind.answer_fields(question, answer, f"question-{number}"))
        fieldset = page.locator(f"fieldset:has(#question-{number}-legend)")
        for control in fieldset.locator("input, select").all():
            name, element_id = control.get_attribute("name"), control.get_attribute("id") or ""
            if name not in wanted:
                continue
            if control.evaluate("element => element.tagName") == "SELECT":
                option = control.locator(f'option[value="{wanted[name]}"]')
                session.tab_to(element_id=element_id)
                page.keyboard.type(option.inner_text())
            elif control.get_attribute("type") == "checkbox":
                if control.get_attribute("value") in wanted.getlist(name):
                    session.tab_to(element_id=element_id)
                    page.keyboard.press("Space")
            elif control.get_attribute("type") == "radio":
                group = fieldset.locator(f'input[name="{name}"]')
                if element_id != group.first.get_attribute("id"):
                    continue
                # Tab enters a radio group at its first option; Space selects it, and the arrow
                # keys move the selection down the group.
                values = [radio.get_attribute("value") for radio in group.all()]
                session.tab_to(element_id=element_id)
                page.keyboard.press("Space")
                for _ in range(values.index(wanted[name])):
                    page.keyboard.press("ArrowDown")
            else:
                session.type_into(element_id, wanted[name])


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
