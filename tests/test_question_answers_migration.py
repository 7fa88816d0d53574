"""The migration that adds question answers fills them from the attempts already handed in."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, inspect, select

from course.accounts.models import User
from course.catalogue.models import Course, Module, ModuleVersion
from course.extensions import db as database
from course.learning.models import QuestionAnswer, QuizAttempt
from tests.fixtures.support import SupportBase

BEFORE = "66ac2fcb962c"  # the revision before question answers
WHEN = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)


def question(key: str) -> dict[str, str]:
    return {"key": key, "type": "true_false", "prompt": f"Prompt {key}"}


def attempt(attempt_id: int, keys: str, results: list[bool] | None) -> dict[str, object]:
    return {
        "id": attempt_id,
        "user_id": 1,
        "module_id": 1,
        "module_version_id": 1,
        "region": "uk",
        "pass_mark": 80,
        "questions": [question(key) for key in keys],
        "answers": None if results is None else [True] * len(keys),
        "results": results,
        "score_percent": None,
        "passed": None,
        "started_at": WHEN,
        "submitted_at": None if results is None else WHEN,
    }


def seed_attempts_before_the_migration() -> None:
    with database.engine.begin() as connection:
        connection.execute(
            insert(User.__table__),
            {
                "id": 1,
                "email": "a@example.org",
                "name": "A",
                "password_hash": "!",
                "region": "uk",
                "role": "learner",
                "created_at": WHEN,
                "session_token": "a",
                "session_token_created_at": WHEN,
            },
        )
        connection.execute(
            insert(Course.__table__),
            {
                "id": 1,
                "slug": "c",
                "title": "C",
                "summary": "",
                "regions": [],
                "certificate_validity_months": 12,
                "updated_at": WHEN,
            },
        )
        connection.execute(
            insert(Module.__table__),
            {
                "id": 1,
                "course_id": 1,
                "slug": "m",
                "position": 1,
                "is_required": True,
                "created_at": WHEN,
            },
        )
        connection.execute(
            insert(ModuleVersion.__table__),
            {
                "id": 1,
                "module_id": 1,
                "number": 1,
                "folder_name": "m",
                "title": "M",
                "summary": "",
                "minutes": 5,
                "pass_mark": 80,
                "questions_per_attempt": 3,
                "reviewed": date(2026, 1, 1),
                "objectives": [],
                "sources": [],
                "content_hash": "0" * 64,
                "created_at": WHEN,
            },
        )
        connection.execute(
            insert(QuizAttempt.__table__),
            [
                attempt(1, "abc", [True, False, True]),
                attempt(2, "ba", [False, True]),
                attempt(3, "cab", None),  # started, never handed in
            ],
        )


def test_the_migration_fills_question_answers_from_submitted_attempts(new_app: Flask) -> None:
    with new_app.app_context():
        SupportBase.metadata.drop_all(database.engine)
        database.drop_all()
        upgrade(revision=BEFORE)
        seed_attempts_before_the_migration()

        upgrade()

        stored = database.session.execute(
            select(
                QuestionAnswer.attempt_id,
                QuestionAnswer.module_id,
                QuestionAnswer.question_key,
                QuestionAnswer.correct,
                QuestionAnswer.submitted_at,
            ).order_by(QuestionAnswer.attempt_id, QuestionAnswer.question_key)
        ).all()
        assert [tuple(row) for row in stored] == [
            (1, 1, "a", True, WHEN),
            (1, 1, "b", False, WHEN),
            (1, 1, "c", True, WHEN),
            (2, 1, "a", True, WHEN),
            (2, 1, "b", False, WHEN),
        ]
        database.session.remove()


def test_the_migration_downgrades_to_the_indexes_before_it(new_app: Flask) -> None:
    with new_app.app_context():
        SupportBase.metadata.drop_all(database.engine)
        database.drop_all()
        upgrade()

        downgrade(revision=BEFORE)

        inspector = inspect(database.engine)
        assert "question_answers" not in inspector.get_table_names()
        assert {index["name"] for index in inspector.get_indexes("quiz_attempts")} >= {
            "ix_quiz_attempts_module_id"
        }
        assert "ix_quiz_attempts_module_progress" not in {
            index["name"] for index in inspector.get_indexes("quiz_attempts")
        }
        assert "ix_lesson_views_module_id" in {
            index["name"] for index in inspector.get_indexes("lesson_views")
        }
