"""Admin analytics: learners started and completed per module, readers per lesson, attempts
needed to pass, correct rate per question with outliers flagged, and who may see them."""

from __future__ import annotations

import random
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, event, func, insert, select

from course.accounts.models import Role, User
from course.analytics.services import Outlier, outlier
from course.core.database import utcnow
from course.extensions import db
from course.learning import services as learning
from course.learning.models import QuestionAnswer, QuizAttempt
from tests.fixtures.analytics import MODULE, module_named, read, seed_learners, take_quiz
from tests.fixtures.clients import signed_in, signed_in_admin
from tests.fixtures.factories import make_user
from tests.fixtures.learning import correct_answer


def cells(page: str, table_id: str) -> list[list[str]]:
    """The text of each body row of a table, cell by cell."""
    table = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [
        [
            re.sub(r"<[^>]+>|\s+", " ", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture
def admin(course_app: Flask) -> FlaskClient:
    return signed_in_admin(course_app)


def test_the_overview_shows_learners_started_and_completed_per_module(
    course_app: Flask, admin: FlaskClient
) -> None:
    seed_learners(course_app)

    response = admin.get("/admin/analytics/")

    assert response.status_code == 200
    rows = cells(response.get_data(as_text=True), "modules-table")
    assert rows == [["Staying safe", "4", "1", "25%"], ["Reporting", "1", "1", "100%"]]


def test_a_module_page_shows_readers_per_lesson_and_attempts_to_pass(
    course_app: Flask, admin: FlaskClient
) -> None:
    seed_learners(course_app)

    page = admin.get(f"/admin/analytics/{MODULE}").get_data(as_text=True)

    assert '<h1 class="heading-xl">Staying safe</h1>' in page
    summary = " ".join(re.sub(r"<[^>]+>", " ", page.split('id="summary-heading"')[1]).split())
    assert "Learners started 4" in summary and "Learners completed 1" in summary
    assert cells(page, "lessons-table") == [["1", "The steps", "3"], ["2", "Calling for help", "1"]]
    assert cells(page, "attempts-table") == [
        ["1", "1st attempt", "1"],
        ["2", "2nd attempt", "1"],
        ["3", "3rd attempt", "0"],
        ["4", "4th attempt or later", "0"],
    ]
    assert 'role="img" aria-labelledby="lessons-title lessons-desc"' in page
    assert 'role="img" aria-labelledby="attempts-title attempts-desc"' in page
    assert "2 learners passed the quiz." in page


def test_question_rates_come_from_submitted_attempts_only(
    course_app: Flask, admin: FlaskClient
) -> None:
    seed_learners(course_app)

    page = admin.get(f"/admin/analytics/{MODULE}").get_data(as_text=True)

    rows = cells(page, "questions-table")
    # Ann's pass, Ben's fail and two passes: 4 answers, 3 right. Cat's open attempt is left out.
    assert len(rows) == 5
    assert {row[1:] for row in map(tuple, rows)} == {("4", "3", "75%", "Too few answers to judge")}
    assert any(row[0].startswith("What is the first thing to do") for row in rows)


def add_answers(
    app: Flask, key: str, answered: int, correct: int, prompt: str | None = None
) -> None:
    """``answered`` submitted attempts of "Staying safe" showing only question ``key``, with the
    question answer rows that handing them in writes."""
    with app.app_context():
        module = module_named(MODULE)
        user = db.session.scalar(select(User).limit(1)) or make_user()
        now = utcnow()
        rows = [
            {
                "user_id": user.id,
                "module_id": module.id,
                "module_version_id": module.current_version_id,
                "region": "uk",
                "pass_mark": 80,
                "questions": [
                    {"key": key, "type": "true_false", "prompt": prompt or f"Prompt {key}"}
                ],
                "answers": [True],
                "results": [number < correct],
                "score_percent": 0,
                "passed": False,
                "submitted_at": now,
            }
            for number in range(answered)
        ]
        ids = db.session.scalars(
            insert(QuizAttempt).returning(QuizAttempt.id, sort_by_parameter_order=True), rows
        ).all()
        db.session.execute(
            insert(QuestionAnswer),
            [
                {
                    "attempt_id": attempt_id,
                    "module_id": module.id,
                    "question_key": key,
                    "correct": row["results"][0],
                    "submitted_at": now,
                }
                for attempt_id, row in zip(ids, rows, strict=True)
            ],
        )
        db.session.commit()


def flags(page: str) -> dict[str, str]:
    return {row[0].split(" (")[0].strip(): row[4] for row in cells(page, "questions-table")}


def test_outliers_are_flagged_in_words_once_answered_30_times(
    course_app: Flask, admin: FlaskClient
) -> None:
    add_answers(course_app, "never-29", 29, 0)
    add_answers(course_app, "never-30", 30, 0)
    add_answers(course_app, "low-399", 1000, 399)
    add_answers(course_app, "edge-400", 1000, 400)
    add_answers(course_app, "edge-970", 1000, 970)
    add_answers(course_app, "high-971", 1000, 971)

    page = admin.get(f"/admin/analytics/{MODULE}").get_data(as_text=True)

    assert flags(page) == {
        "Prompt never-29": "Too few answers to judge",
        "Prompt never-30": "Outlier: below 40%",
        "Prompt low-399": "Outlier: below 40%",
        "Prompt edge-400": "None",
        "Prompt edge-970": "None",
        "Prompt high-971": "Outlier: above 97%",
    }
    assert "39.9%" in page and "97.1%" in page


@pytest.mark.parametrize(
    ("answered", "correct", "expected"),
    [
        (29, 0, None),
        (29, 29, None),
        (30, 0, Outlier.LOW),
        (30, 30, Outlier.HIGH),
        (1000, 399, Outlier.LOW),
        (1000, 400, None),
        (1000, 970, None),
        (1000, 971, Outlier.HIGH),
    ],
)
def test_the_outlier_rule_at_its_thresholds(
    answered: int, correct: int, expected: Outlier | None
) -> None:
    assert outlier(answered, correct) is expected


def test_the_number_of_queries_does_not_grow_with_learners(
    course_app: Flask, admin: FlaskClient
) -> None:
    def queries_for(path: str) -> int:
        statements: list[str] = []
        with course_app.app_context():
            engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert admin.get(path).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    def add_learners(count: int, start: int) -> None:
        with course_app.app_context():
            for number in range(start, start + count):
                user = make_user(email=f"many{number}@example.org")
                read(user, MODULE, 1, 2)
                take_quiz(user, MODULE, right=number % 2 == 0)
                read(user, "reporting", 1)
            db.session.commit()

    add_learners(2, 0)
    few = (queries_for("/admin/analytics/"), queries_for(f"/admin/analytics/{MODULE}"))
    add_learners(8, 2)
    many = (queries_for("/admin/analytics/"), queries_for(f"/admin/analytics/{MODULE}"))

    assert few == many


def test_an_unknown_module_is_not_found(admin: FlaskClient) -> None:
    assert admin.get("/admin/analytics/no-such-module").status_code == 404


@pytest.mark.parametrize("path", ["/admin/analytics/", f"/admin/analytics/{MODULE}"])
def test_only_admins_signed_in_with_two_factors_see_analytics(course_app: Flask, path: str) -> None:
    anonymous = course_app.test_client().get(path)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")

    assert signed_in(course_app, "learner@example.org").get(path).status_code == 403
    author = signed_in(course_app, "author@example.org", role=Role.AUTHOR)
    assert author.get(path).status_code == 403

    admin_without = signed_in(course_app, "plain-admin@example.org", role=Role.ADMIN)
    response = admin_without.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/two-factor/set-up"

    assert signed_in_admin(course_app).get(path).status_code == 200


def test_the_admin_area_links_to_analytics(admin: FlaskClient) -> None:
    assert 'href="/admin/analytics/"' in admin.get("/admin/").get_data(as_text=True)


def shown_rates(page: str) -> list[list[str]]:
    """The questions table, each question by its prompt alone."""
    return [[row[0].split(" (")[0].strip(), *row[1:]] for row in cells(page, "questions-table")]


def test_question_rates_count_every_answer_ever_handed_in(
    course_app: Flask, admin: FlaskClient
) -> None:
    add_answers(course_app, "old", 12_000, 3_000)
    add_answers(course_app, "new", 30, 30)

    page = admin.get(f"/admin/analytics/{MODULE}").get_data(as_text=True)

    assert shown_rates(page) == [
        ["Prompt old", "12,000", "3,000", "25%", "Outlier: below 40%"],
        ["Prompt new", "30", "30", "100%", "Outlier: above 97%"],
    ]
    assert "From all 12,030 submitted attempts, hardest first." in page


def test_a_question_no_version_has_shows_the_prompt_of_its_latest_attempt(
    course_app: Flask, admin: FlaskClient
) -> None:
    add_answers(course_app, "removed", 2, 1, prompt="How it was first asked")
    add_answers(course_app, "removed", 1, 1, prompt="How it was last asked")

    page = admin.get(f"/admin/analytics/{MODULE}").get_data(as_text=True)

    assert shown_rates(page) == [
        ["How it was last asked", "3", "2", "66.7%", "Too few answers to judge"]
    ]


def stored_answers(attempt_id: int) -> list[tuple[str, bool]]:
    return [
        (answer.question_key, answer.correct)
        for answer in db.session.scalars(
            select(QuestionAnswer)
            .where(QuestionAnswer.attempt_id == attempt_id)
            .order_by(QuestionAnswer.id)
        )
    ]


def test_handing_in_an_attempt_stores_each_question_answered_once(course_app: Flask) -> None:
    with course_app.app_context():
        user = make_user()
        module = module_named(MODULE)
        attempt = learning.start_attempt(user, module, user.region, random.Random(1))
        right = [correct_answer(question) for question in attempt.questions]
        sheet = learning.AnswerSheet([right[0]] + [None] * (len(right) - 1))

        learning.submit_attempt(user, attempt.id, sheet)
        learning.submit_attempt(user, attempt.id, learning.AnswerSheet(right))  # a double click
        db.session.commit()

        expected = [
            (question["key"], number == 0) for number, question in enumerate(attempt.questions)
        ]
        assert len(expected) > 1
        assert stored_answers(attempt.id) == expected
        answer = db.session.scalar(
            select(QuestionAnswer).where(QuestionAnswer.attempt_id == attempt.id)
        )
        assert answer is not None
        assert answer.module_id == module.id and answer.submitted_at == attempt.submitted_at


def test_an_attempt_never_handed_in_stores_no_answers(course_app: Flask) -> None:
    with course_app.app_context():
        user = make_user()
        attempt = learning.start_attempt(user, module_named(MODULE), user.region, random.Random(1))
        db.session.commit()

        assert stored_answers(attempt.id) == []


def test_deleting_a_learner_deletes_their_answers(course_app: Flask) -> None:
    with course_app.app_context():
        user = make_user()
        take_quiz(user, MODULE, right=True)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(QuestionAnswer))

        db.session.execute(delete(User).where(User.id == user.id))
        db.session.commit()

        assert db.session.scalar(select(func.count()).select_from(QuestionAnswer)) == 0
        assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0
