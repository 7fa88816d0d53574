"""The learner's path: the overview, modules and lessons, quizzes, feedback, retries, progress."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from course.accounts.models import User
from course.catalogue.bundle import read_bundle
from course.catalogue.models import Module
from course.core.regions import Region
from course.extensions import db
from course.learning import services as learning
from course.learning.models import LessonView, ModuleCompletion, QuizAttempt
from tests.fixtures.apps import EXAMPLE_BUNDLE, build_app, import_bundle
from tests.fixtures.database import run_concurrently
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.learning import (
    answers_for,
    attempt_of,
    correct_answer,
    pass_quiz,
    read_every_lesson,
    start_quiz,
    submit,
)
from tests.fixtures.web import csrf_token_from, post_form, sign_in


@pytest.fixture
def learner(course_app: Flask) -> FlaskClient:
    with course_app.app_context():
        make_user(email="ada@example.org")
    client = course_app.test_client()
    sign_in(client, "ada@example.org", STRONG_PASSWORD)
    return client


def test_the_overview_lists_every_module_for_visitors(course_app: Flask) -> None:
    page = course_app.test_client().get("/").get_data(as_text=True)

    assert "Staying safe" in page and "What to do in an attack." in page and "5 minutes" in page
    assert "Reporting" in page and "Create an account to start" in page


def test_visitors_read_lessons_in_the_region_they_choose(course_app: Flask) -> None:
    client = course_app.test_client()
    assert "Run, Hide, Tell" in client.get("/modules/staying-safe/the-steps").get_data(as_text=True)

    post_form(client, "/region", {"region": "us"}, form_page="/")
    page = client.get("/modules/staying-safe/the-steps").get_data(as_text=True)

    assert "Run, Hide, Fight" in page and "Run, Hide, Tell" not in page


def test_a_learner_reads_lessons_in_their_own_region(course_app: Flask) -> None:
    with course_app.app_context():
        make_user(email="sam@example.org", region=Region.AUSTRALIA)
    client = course_app.test_client()
    sign_in(client, "sam@example.org", STRONG_PASSWORD)

    page = client.get("/modules/staying-safe/calling-for-help").get_data(as_text=True)

    assert "Call 000." in page and "Call 999." not in page


def test_lesson_pages_have_previous_and_next(course_app: Flask) -> None:
    page = (
        course_app.test_client()
        .get("/modules/staying-safe/calling-for-help")
        .get_data(as_text=True)
    )

    assert "Lesson 2 of 2" in page
    assert 'href="/modules/staying-safe/the-steps" rel="prev"' in page


def test_unknown_modules_and_lessons_are_not_found(course_app: Flask) -> None:
    client = course_app.test_client()

    assert client.get("/modules/no-such-module/").status_code == 404
    assert client.get("/modules/staying-safe/no-such-lesson").status_code == 404


def test_reading_a_lesson_is_recorded_once_and_leads_to_the_next(
    learner: FlaskClient, course_app: Flask
) -> None:
    first = post_form(
        learner,
        "/modules/staying-safe/the-steps/read",
        {},
        form_page="/modules/staying-safe/the-steps",
    )
    post_form(
        learner,
        "/modules/staying-safe/the-steps/read",
        {},
        form_page="/modules/staying-safe/the-steps",
    )
    last = post_form(
        learner,
        "/modules/staying-safe/calling-for-help/read",
        {},
        form_page="/modules/staying-safe/calling-for-help",
    )

    assert first.headers["Location"] == "/modules/staying-safe/calling-for-help"
    assert last.headers["Location"] == "/modules/staying-safe/quiz"
    with course_app.app_context():
        assert db.session.scalar(select(func.count(LessonView.id))) == 2


def test_quizzes_need_an_account(course_app: Flask) -> None:
    response = course_app.test_client().get("/modules/staying-safe/quiz")

    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_an_attempt_draws_questions_for_the_learners_region_and_stores_them(
    learner: FlaskClient, course_app: Flask
) -> None:
    attempt = attempt_of(course_app, start_quiz(learner))

    keys = [question["key"] for question in attempt.questions]
    assert len(keys) == 5 and len(set(keys)) == 5
    assert "order-us" not in keys and "order-au" not in keys
    assert attempt.region == "uk" and attempt.submitted_at is None


def test_starting_twice_keeps_one_open_attempt(learner: FlaskClient, course_app: Flask) -> None:
    first = start_quiz(learner)
    second = start_quiz(learner)

    assert first == second
    with course_app.app_context():
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_quiz_pages_never_contain_answers_or_explanations(
    learner: FlaskClient, course_app: Flask
) -> None:
    path = start_quiz(learner)
    attempt = attempt_of(course_app, path)

    page = learner.get(path).get_data(as_text=True)
    incomplete = submit(learner, path, {}).get_data(as_text=True)

    for html in (page, incomplete):
        for question in attempt.questions:
            assert question["explanation"] not in html
        assert "correct" not in html.lower().replace("incorrect", "")
        assert "Correct answer" not in html


def test_failing_shows_feedback_for_every_question_and_retrying_draws_again(
    learner: FlaskClient, course_app: Flask
) -> None:
    path = start_quiz(learner)
    attempt = attempt_of(course_app, path)

    response = submit(learner, path, answers_for(attempt, right=False))

    assert response.headers["Location"] == f"{path}/result"
    result = learner.get(response.headers["Location"]).get_data(as_text=True)
    assert "You did not pass this time" in result and "You scored 0%" in result
    for question in attempt.questions:
        assert question["explanation"] in result
    assert result.count("Wrong</strong>") == 5
    retry = start_quiz(learner)
    assert retry != path
    assert attempt_of(course_app, retry).questions != attempt.questions


def test_a_submission_with_unanswered_questions_is_refused_and_keeps_the_answers(
    learner: FlaskClient, course_app: Flask
) -> None:
    path = start_quiz(learner)
    attempt = attempt_of(course_app, path)
    answers = answers_for(attempt, right=True)
    partial = {key: value for key, value in answers.items() if not key.startswith("question-1")}

    response = submit(learner, path, partial)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and "Answer question 1" in page
    assert attempt_of(course_app, path).submitted_at is None
    second = next(iter(partial.values()))
    assert (second if isinstance(second, str) else second[0]) in page


def test_passing_after_reading_every_lesson_completes_the_module(
    learner: FlaskClient, course_app: Flask
) -> None:
    read_every_lesson(learner, "staying-safe", ["the-steps", "calling-for-help"])
    path = start_quiz(learner)

    submit(learner, path, answers_for(attempt_of(course_app, path), right=True))

    result = learner.get(f"{path}/result").get_data(as_text=True)
    assert "You passed" in result and "You scored 100%" in result
    assert "You have completed this module." in result
    with course_app.app_context():
        assert db.session.scalar(select(func.count(ModuleCompletion.id))) == 1
    overview = learner.get("/").get_data(as_text=True)
    assert "You have completed 1 of 2 modules." in overview
    dashboard = learner.get("/dashboard").get_data(as_text=True)
    assert "You have completed 1 of 2 modules." in dashboard and "Start Reporting." in dashboard


def test_passing_before_reading_completes_the_module_once_the_lessons_are_read(
    learner: FlaskClient, course_app: Flask
) -> None:
    path = start_quiz(learner)
    submit(learner, path, answers_for(attempt_of(course_app, path), right=True))
    result = learner.get(f"{path}/result").get_data(as_text=True)
    assert "read all of its lessons as well: you have read 0 of 2" in result

    read_every_lesson(learner, "staying-safe", ["the-steps", "calling-for-help"])

    with course_app.app_context():
        assert db.session.scalar(select(func.count(ModuleCompletion.id))) == 1


def test_a_double_submission_is_graded_once(learner: FlaskClient, course_app: Flask) -> None:
    path = start_quiz(learner)
    attempt = attempt_of(course_app, path)
    token = csrf_token_from(learner.get(path).get_data(as_text=True))

    first = learner.post(path, data={"csrf_token": token, **answers_for(attempt, right=True)})
    second = learner.post(path, data={"csrf_token": token, **answers_for(attempt, right=False)})

    assert first.headers["Location"] == second.headers["Location"] == f"{path}/result"
    graded = attempt_of(course_app, path)
    assert graded.score_percent == 100 and graded.passed


def test_an_attempt_started_before_a_republish_is_graded_on_what_it_showed(
    learner: FlaskClient, course_app: Flask, tmp_path
) -> None:
    import shutil

    path = start_quiz(learner)
    attempt = attempt_of(course_app, path)
    changed = tmp_path / "changed"
    shutil.copytree(EXAMPLE_BUNDLE, changed)
    quiz = changed / "01-staying-safe" / "quiz.yaml"
    quiz.write_text(quiz.read_text().replace("answer: false", "answer: true"))
    import_bundle(course_app, changed)

    submit(learner, path, answers_for(attempt, right=True))

    graded = attempt_of(course_app, path)
    assert graded.score_percent == 100
    assert graded.module_version_id == attempt.module_version_id
    with course_app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "staying-safe"))
        assert module is not None and module.current_version_id != attempt.module_version_id


def test_nobody_else_can_see_or_submit_an_attempt(learner: FlaskClient, course_app: Flask) -> None:
    path = start_quiz(learner)
    with course_app.app_context():
        make_user(email="eve@example.org")
    eve = course_app.test_client()
    sign_in(eve, "eve@example.org", STRONG_PASSWORD)

    assert eve.get(path).status_code == 404
    assert eve.get(f"{path}/result").status_code == 404
    assert post_form(eve, path, {}, form_page="/dashboard").status_code == 404


def test_an_attempt_is_shown_again_exactly_as_answered(
    learner: FlaskClient, course_app: Flask
) -> None:
    path = start_quiz(learner)
    attempt = attempt_of(course_app, path)
    submit(learner, path, answers_for(attempt, right=True))
    before = learner.get(f"{path}/result").get_data(as_text=True)

    import_bundle(course_app)  # unchanged: no new version, nothing moves

    after = learner.get(f"{path}/result").get_data(as_text=True)
    strip = lambda html: re.sub(r'name="csrf_token"[^>]*>', "", html)  # noqa: E731
    assert strip(before) == strip(after)


def test_the_overview_makes_no_query_per_module(tmp_path) -> None:  # noqa: ANN001
    from course.config import PROJECT_ROOT

    def queries_for_overview(bundle, folder) -> int:  # noqa: ANN001
        app = build_app(folder)
        import_bundle(app, bundle)
        statements: list[str] = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            page = app.test_client().get("/").get_data(as_text=True)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert page.count('class="module-list__item"') == len(read_bundle(bundle).modules)
        return len(statements)

    two_modules = queries_for_overview(EXAMPLE_BUNDLE, tmp_path / "two")
    eight_modules = queries_for_overview(PROJECT_ROOT / "modules", tmp_path / "eight")

    assert eight_modules == two_modules


def test_reading_and_handing_in_a_quiz_record_the_learners_last_activity(
    learner: FlaskClient, course_app: Flask
) -> None:
    def last_activity() -> Any:
        with course_app.app_context():
            return db.session.scalar(select(User.last_activity_at))

    assert last_activity() is None
    post_form(
        learner,
        "/modules/staying-safe/the-steps/read",
        {},
        form_page="/modules/staying-safe/the-steps",
    )
    after_reading = last_activity()
    assert after_reading is not None
    path = start_quiz(learner)
    assert last_activity() == after_reading  # starting a quiz is not yet doing it

    submit(learner, path, answers_for(attempt_of(course_app, path), right=False))

    assert last_activity() == attempt_of(course_app, path).submitted_at > after_reading


@pytest.fixture
def slow_completion_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold each transaction just before it decides whether the module is complete, so two
    requests of one learner overlap the way two tabs or a double click make them."""
    check = learning._complete_module_if_done

    def held(user: User, module: Module) -> None:
        time.sleep(0.3)
        check(user, module)

    monkeypatch.setattr(learning, "_complete_module_if_done", held)


def _learner_and_module(app: Flask, slug: str = "staying-safe") -> tuple[int, int]:
    with app.app_context():
        user = make_user(email="twin-tabs@example.org")
        module = db.session.scalar(select(Module).where(Module.slug == slug))
        assert module is not None
        return user.id, module.id


def _read_every_lesson_but_the_last(app: Flask, user_id: int, module_id: int) -> None:
    with app.app_context():
        user, module = db.session.get(User, user_id), db.session.get(Module, module_id)
        for lesson in module.current_version.lessons[:-1]:
            learning.record_lesson_read(user, module, lesson)
        db.session.commit()


@pytest.mark.usefixtures("slow_completion_check")
def test_reading_the_last_lesson_in_two_tabs_at_once_records_it_and_completes_once(
    course_app: Flask,
) -> None:
    user_id, module_id = _learner_and_module(course_app)
    _read_every_lesson_but_the_last(course_app, user_id, module_id)
    with course_app.app_context():
        pass_quiz(db.session.get(User, user_id), db.session.get(Module, module_id))
        db.session.commit()

    def read_last_lesson() -> None:
        user, module = db.session.get(User, user_id), db.session.get(Module, module_id)
        learning.record_lesson_read(user, module, module.current_version.lessons[-1])

    errors = run_concurrently(course_app, read_last_lesson)

    assert errors == []
    with course_app.app_context():
        views = db.session.scalar(select(func.count(LessonView.id)))
        lessons = len(db.session.get(Module, module_id).current_version.lessons)
        assert views == lessons
        assert db.session.scalar(select(func.count(ModuleCompletion.id))) == 1


@pytest.mark.usefixtures("slow_completion_check")
def test_handing_in_while_reading_the_last_lesson_in_another_tab_completes_the_module(
    course_app: Flask,
) -> None:
    user_id, module_id = _learner_and_module(course_app)
    _read_every_lesson_but_the_last(course_app, user_id, module_id)
    with course_app.app_context():
        user = db.session.get(User, user_id)
        attempt = learning.start_attempt(user, db.session.get(Module, module_id), Region.UK)
        attempt_id, questions = attempt.id, attempt.questions
        db.session.commit()
    sheet = learning.AnswerSheet([correct_answer(question) for question in questions])
    turns = iter(["hand in", "read"])
    lock = threading.Lock()

    def hand_in_or_read() -> None:
        with lock:
            turn = next(turns)
        user, module = db.session.get(User, user_id), db.session.get(Module, module_id)
        if turn == "hand in":
            learning.submit_attempt(user, attempt_id, sheet)
        else:
            learning.record_lesson_read(user, module, module.current_version.lessons[-1])

    errors = run_concurrently(course_app, hand_in_or_read)

    assert errors == []
    with course_app.app_context():
        completion = db.session.scalar(select(ModuleCompletion))
        assert completion is not None and completion.attempt_id == attempt_id


def test_starting_a_quiz_twice_at_once_keeps_one_open_attempt(
    course_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, module_id = _learner_and_module(course_app)
    look_up = learning.open_attempt

    def slow_look_up(user: User, module: Module) -> QuizAttempt | None:
        found = look_up(user, module)
        time.sleep(0.3)  # let the other request look before either draws an attempt
        return found

    monkeypatch.setattr(learning, "open_attempt", slow_look_up)

    def start() -> None:
        user, module = db.session.get(User, user_id), db.session.get(Module, module_id)
        learning.start_attempt(user, module, Region.UK)

    errors = run_concurrently(course_app, start)

    assert errors == []
    with course_app.app_context():
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
