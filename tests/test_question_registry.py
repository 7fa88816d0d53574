"""The question-type registry: a new type is one class and its partials, and nothing else changes.

A type made up here (a whole number to give) is registered for one test only, with its partials
in a folder of the test's own. It is checked in ``quiz.yaml`` with its own messages, drawn into an
attempt, shown on the quiz page, graded, and shown on the result page, without any other file of
the application knowing about it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.datastructures import MultiDict

from course.catalogue.bundle import read_bundle
from course.catalogue.question_types import (
    FieldIssue,
    FieldSpec,
    Presented,
    QuestionType,
    all_question_types,
    question_type,
    register,
    unregister,
)
from course.catalogue.yaml_source import SourceMap
from course.extensions import db
from course.learning.models import QuizAttempt
from tests.fixtures.apps import EXAMPLE_BUNDLE, import_bundle
from tests.fixtures.content_bundles import problems_in
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.web import csrf_token_from, post_form, sign_in

WHOLE_NUMBER = re.compile(r"-?\d{1,9}")


class WholeNumber(QuestionType):
    """A made-up type: the learner types a whole number."""

    name = "whole_number"
    label = "Give a whole number"
    fields = (FieldSpec("number", "The right number", "text"),)
    quiz_template = "made_up/_whole_number.html"
    feedback_template = "made_up/_whole_number_feedback.html"

    @classmethod
    def check_own_fields(cls, question: SourceMap) -> list[FieldIssue]:
        number = question.get("number")
        if not isinstance(number, int) or isinstance(number, bool):
            return [
                FieldIssue(question.line_of("number"), "number must be a whole number", "number")
            ]
        return []

    @classmethod
    def canonical_own_fields(cls, question: dict[str, Any]) -> dict[str, Any]:
        return {"number": int(question["number"])}

    @classmethod
    def present_own(cls, data: dict[str, Any], rng: Any) -> dict[str, Any]:
        return {"answer": data["number"]}  # "answer" is among the keys hidden until submission

    @classmethod
    def read_answer(cls, presented: Presented, form: MultiDict[str, str], field: str) -> Any:
        value = form.get(field, "").strip()
        return int(value) if WHOLE_NUMBER.fullmatch(value) else None

    @classmethod
    def is_correct(cls, presented: Presented, answer: Any) -> bool:
        return type(answer) is int and answer == presented["answer"]

    @classmethod
    def answer_in_words(cls, presented: Presented, answer: Any) -> Any:
        return answer

    @classmethod
    def correct_answer(cls, presented: Presented) -> Any:
        return presented["answer"]

    @classmethod
    def wrong_answer(cls, presented: Presented) -> Any:
        return presented["answer"] + 1

    @classmethod
    def answer_fields(cls, presented: Presented, answer: Any, field: str) -> list[tuple[str, str]]:
        return [(field, str(answer))]


PARTIALS = {
    "_whole_number.html": (
        '<label class="label" for="{{ field_name }}-number">{{ _("Your number") }}</label>\n'
        '<input class="input" id="{{ field_name }}-number" name="{{ field_name }}" type="text"'
        " value=\"{{ submitted.get(field_name, '') if submitted else '' }}\">\n"
    ),
    "_whole_number_feedback.html": (
        "<p>You answered {{ answer }}. The right number is {{ question.answer }}.</p>\n"
    ),
}

QUIZ = """\
questions:
  - id: how-many-steps
    type: whole_number
    prompt: How many steps are there in Run, Hide, Tell?
    number: {number}
    explanation: Run, then hide, then tell.
  - id: behaviour
    type: true_false
    prompt: What someone wears is a sign they are planning an attack.
    answer: false
    explanation: Look at behaviour, never appearance.
"""


@pytest.fixture
def whole_number_type() -> Iterator[type[WholeNumber]]:
    """:class:`WholeNumber` registered for one test, and forgotten after it."""
    register(WholeNumber)
    try:
        yield WholeNumber
    finally:
        unregister(WholeNumber.name)
        assert WholeNumber.name not in all_question_types()


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """The example course, its reporting quiz a whole number question and a true or false one."""
    copy = tmp_path / "bundle"
    shutil.copytree(EXAMPLE_BUNDLE, copy)
    (copy / "02-reporting" / "quiz.yaml").write_text(QUIZ.format(number=3))
    return copy


@pytest.fixture
def app_with_partials(app: Flask, tmp_path: Path) -> Flask:
    """The app finding the made-up type's partials in a folder of the test's own."""
    folder = tmp_path / "partials" / "made_up"
    folder.mkdir(parents=True)
    for name, text in PARTIALS.items():
        (folder / name).write_text(text)
    app.jinja_env.loader = ChoiceLoader(
        [FileSystemLoader(tmp_path / "partials"), app.jinja_env.loader]  # type: ignore[list-item]
    )
    return app


def attempt_of(app: Flask, attempt_path: str) -> QuizAttempt:
    with app.app_context():
        attempt = db.session.get(QuizAttempt, int(attempt_path.rsplit("/", 1)[1]))
        assert attempt is not None
        db.session.expunge(attempt)
        return attempt


def start_quiz(client: FlaskClient) -> str:
    started = post_form(
        client, "/modules/reporting/quiz/start", {}, form_page="/modules/reporting/quiz"
    )
    assert started.status_code == 302
    return started.headers["Location"]


def hand_in(client: FlaskClient, attempt: QuizAttempt, right: bool) -> str:
    """Answer every question of the attempt rightly or wrongly, as each type says; the result."""
    path = f"/modules/reporting/quiz/{attempt.id}"
    quiz_page = client.get(path).get_data(as_text=True)
    form: MultiDict[str, str] = MultiDict({"csrf_token": csrf_token_from(quiz_page)})
    for number, question in enumerate(attempt.questions, start=1):
        kind = question_type(question["type"])
        answer = kind.correct_answer(question) if right else kind.wrong_answer(question)
        for name, value in kind.answer_fields(question, answer, f"question-{number}"):
            form.add(name, value)
    submitted = client.post(path, data=form)
    assert submitted.status_code == 302, submitted.get_data(as_text=True)
    return client.get(submitted.headers["Location"]).get_data(as_text=True)


def test_a_registered_type_is_checked_in_quiz_yaml_with_its_own_rules(
    whole_number_type: type[WholeNumber], bundle: Path
) -> None:
    quiz = bundle / "02-reporting" / "quiz.yaml"
    assert [module.slug for module in read_bundle(bundle).modules] == ["staying-safe", "reporting"]
    lines = QUIZ.format(number="three").splitlines()
    lines.insert(5, "    hint: Count them")
    quiz.write_text("\n".join(lines) + "\n")

    assert problems_in(bundle) == [
        "bundle/02-reporting/quiz.yaml:5: number must be a whole number",
        "bundle/02-reporting/quiz.yaml:6: unknown field 'hint' for a whole_number question",
    ]


def test_an_unregistered_type_is_unknown_to_the_validator(bundle: Path) -> None:
    assert "whole_number" not in all_question_types()

    assert any(
        problem.startswith(
            "bundle/02-reporting/quiz.yaml:3: unknown question type 'whole_number': use one of "
        )
        for problem in problems_in(bundle)
    )


def test_a_registered_type_is_drawn_shown_graded_and_fed_back(
    whole_number_type: type[WholeNumber], app_with_partials: Flask, bundle: Path
) -> None:
    app = app_with_partials
    import_bundle(app, bundle)
    with app.app_context():
        make_user(email="ada@example.org")
    learner = app.test_client()
    sign_in(learner, "ada@example.org", STRONG_PASSWORD)

    path = start_quiz(learner)
    attempt = attempt_of(app, path)
    [drawn] = [question for question in attempt.questions if question["type"] == "whole_number"]
    quiz_page = learner.get(path).get_data(as_text=True)
    failed = hand_in(learner, attempt, right=False)

    assert drawn["key"] == "how-many-steps" and drawn["answer"] == 3
    assert "How many steps are there in Run, Hide, Tell?" in quiz_page
    assert "Your number" in quiz_page and "Run, then hide, then tell." not in quiz_page
    assert "You scored 0%" in failed
    assert "You answered 4. The right number is 3." in failed
    assert "Run, then hide, then tell." in failed

    retry = start_quiz(learner)
    passed = hand_in(learner, attempt_of(app, retry), right=True)

    assert "You passed" in passed and "You scored 100%" in passed
    assert "You answered 3. The right number is 3." in passed
    graded = attempt_of(app, retry)
    number = [question["type"] for question in graded.questions].index("whole_number")
    assert graded.answers is not None and graded.answers[number] == 3
    assert graded.results == [True, True]


def test_two_types_cannot_share_a_name(whole_number_type: type[WholeNumber]) -> None:
    class Impostor(WholeNumber):
        name = "whole_number"

    with pytest.raises(ValueError, match="whole_number"):
        register(Impostor)

    assert question_type("whole_number") is WholeNumber
