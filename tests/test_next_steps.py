"""No dead ends: every page of the path says what comes next for this learner, the next unread
lesson or the quiz, and passing a module offers the next one, or the certificate after the last."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.fixtures.clients import signed_in
from tests.fixtures.learning import (
    answers_for,
    attempt_of,
    read_every_lesson,
    start_quiz,
    submit,
)

MODULE = "/modules/staying-safe/"


def main_button(page: str) -> str:
    """The first button-styled link after the lesson list of a module page, or of a result."""
    start = page.index('<a class="button"')
    return page[start : page.index("</a>", start) + 4]


def pass_the_quiz(app: Flask, learner: FlaskClient, slug: str) -> str:
    attempt = start_quiz(learner, slug)
    submit(learner, attempt, answers_for(attempt_of(app, attempt), right=True))
    return learner.get(f"{attempt}/result").get_data(as_text=True)


def test_the_module_page_names_the_next_lesson_then_the_quiz(course_app: Flask) -> None:
    learner = signed_in(course_app, "next@example.org")

    first = main_button(learner.get(MODULE).get_data(as_text=True))
    read_every_lesson(learner, "staying-safe", ["the-steps"])
    second = main_button(learner.get(MODULE).get_data(as_text=True))
    read_every_lesson(learner, "staying-safe", ["calling-for-help"])
    third = main_button(learner.get(MODULE).get_data(as_text=True))
    pass_the_quiz(course_app, learner, "staying-safe")
    done = learner.get(MODULE).get_data(as_text=True)

    assert first == (
        '<a class="button" href="/modules/staying-safe/the-steps">Start the first lesson</a>'
    )
    assert second == (
        '<a class="button" href="/modules/staying-safe/calling-for-help">'
        "Continue with “Calling for help”</a>"
    )
    assert third == '<a class="button" href="/modules/staying-safe/quiz">Take the quiz</a>'
    assert "You have completed this module." in done


def test_continue_where_you_left_off_goes_to_the_next_unread_lesson(course_app: Flask) -> None:
    learner = signed_in(course_app, "carry-on@example.org")
    read_every_lesson(learner, "staying-safe", ["the-steps"])

    for path in ("/", "/dashboard"):
        page = learner.get(path).get_data(as_text=True)
        assert (
            '<a class="button" href="/modules/staying-safe/calling-for-help">'
            "Continue where you left off</a>"
        ) in page, path


def test_passing_with_lessons_unread_offers_the_next_lesson(course_app: Flask) -> None:
    learner = signed_in(course_app, "quiz-first@example.org")

    result = pass_the_quiz(course_app, learner, "staying-safe")

    assert "You passed" in result
    assert main_button(result) == (
        '<a class="button" href="/modules/staying-safe/the-steps">Start the first lesson</a>'
    )


def test_completing_a_module_offers_the_next_and_the_last_offers_the_certificate(
    course_app: Flask,
) -> None:
    learner = signed_in(course_app, "finisher@example.org")
    read_every_lesson(learner, "staying-safe", ["the-steps", "calling-for-help"])

    first_result = pass_the_quiz(course_app, learner, "staying-safe")
    read_every_lesson(learner, "reporting", ["how-to-report"])
    last_result = pass_the_quiz(course_app, learner, "reporting")

    assert main_button(first_result) == (
        '<a class="button" href="/modules/reporting/how-to-report">Go on to Reporting</a>'
    )
    assert main_button(last_result) == (
        '<a class="button" href="/certificates/complete">Get your certificate</a>'
    )
