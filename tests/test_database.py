"""SQLite tuning, the request transaction, read-modify-write under concurrency, and migrations."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, inspect, select, text
from sqlalchemy.exc import OperationalError

from course.core.database import begin_write, get_for_update
from course.extensions import db as database
from tests.fixtures.apps import USES_POSTGRES
from tests.fixtures.database import counter_value, run_concurrently
from tests.fixtures.support import Counter, SupportBase

sqlite_only = pytest.mark.skipif(USES_POSTGRES, reason="SQLite behaviour; this run uses PostgreSQL")


@sqlite_only
def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(app: Flask) -> None:
    with app.app_context():
        connection = database.session.connection()
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_concurrent_read_modify_write_transactions_are_both_counted(app: Flask) -> None:
    with app.app_context():
        database.session.add(Counter(name="visits", value=0))
        database.session.commit()
        counter_id = database.session.scalar(select(Counter.id))

    def increment_slowly() -> None:
        counter = get_for_update(Counter, counter_id)
        assert counter is not None
        seen = counter.value
        time.sleep(0.2)  # let the other transaction try to read the same value
        counter.value = seen + 1

    errors = run_concurrently(app, increment_slowly)

    assert errors == []
    assert counter_value(app, "visits") == 2


@sqlite_only
def test_without_begin_write_the_second_writer_fails_instead_of_counting(app: Flask) -> None:
    """The case begin_write exists for: two deferred read-then-write transactions collide."""
    with app.app_context():
        database.session.add(Counter(name="visits", value=0))
        database.session.commit()

    def increment_slowly_without_lock() -> None:
        counter = database.session.scalar(select(Counter).where(Counter.name == "visits"))
        assert counter is not None
        seen = counter.value
        time.sleep(0.2)
        counter.value = seen + 1
        database.session.flush()

    errors = run_concurrently(app, increment_slowly_without_lock)

    assert len(errors) == 1 and isinstance(errors[0], OperationalError)
    assert counter_value(app, "visits") == 1


def test_begin_write_refuses_once_the_transaction_holds_changes(app: Flask) -> None:
    if USES_POSTGRES:
        pytest.skip("begin_write does nothing on PostgreSQL, which locks rows instead")
    with app.app_context():
        database.session.add(Counter(name="early", value=1))
        with pytest.raises(RuntimeError, match="before the transaction's first change"):
            begin_write()
        database.session.rollback()
        assert database.session.scalar(select(Counter)) is None


def test_begin_write_after_reads_starts_a_fresh_writing_transaction(app: Flask) -> None:
    with app.app_context():
        database.session.add(Counter(name="visits", value=5))
        database.session.commit()
        counter = database.session.scalar(select(Counter))
        assert counter is not None

        begin_write()
        counter.value += 1
        database.session.commit()

        assert database.session.scalar(select(Counter.value)) == 6


def test_a_successful_request_commits_its_changes(client: FlaskClient, app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    response = client.post("/_test/counter/visits")

    assert response.status_code == 200
    assert counter_value(app, "visits") == 1


def test_a_refused_request_saves_nothing(client: FlaskClient, app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    response = client.post("/_test/counter/refused/then-refuse")

    assert response.status_code == 403
    assert counter_value(app, "refused") is None


def test_a_failing_request_saves_nothing_and_shows_the_error_page(
    client: FlaskClient, app: Flask
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False

    response = client.post("/_test/counter/broken/then-fail")

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    assert "Nothing you sent has been saved" in page
    assert "secret internal detail" not in page and "Traceback" not in page
    assert counter_value(app, "broken") is None


def test_migrations_build_exactly_the_schema_the_models_describe(new_app: Flask) -> None:
    with new_app.app_context():
        SupportBase.metadata.drop_all(database.engine)
        database.drop_all()
        upgrade()
        with database.engine.connect() as connection:
            differences = compare_metadata(
                MigrationContext.configure(connection), database.metadata
            )
            assert differences == []
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar()

        downgrade(revision="base")
        assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}


def test_the_last_activity_migration_fills_it_from_what_learners_did(new_app: Flask) -> None:
    from course.accounts.models import User
    from course.catalogue.models import Course, Module
    from course.learning.models import LessonView

    early, late = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
    with new_app.app_context():
        SupportBase.metadata.drop_all(database.engine)
        database.drop_all()
        upgrade(revision="a1242267a083")  # the revision before the column
        with database.engine.begin() as connection:
            for email in ("a@example.org", "b@example.org"):
                connection.execute(
                    insert(User.__table__),
                    {
                        "email": email,
                        "name": email,
                        "password_hash": "!",
                        "region": "uk",
                        "role": "learner",
                        "created_at": early,
                        "session_token": email,
                        "session_token_created_at": early,
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
                    "updated_at": early,
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
                    "created_at": early,
                },
            )
            connection.execute(
                insert(LessonView.__table__),
                [
                    {"user_id": 1, "module_id": 1, "lesson_slug": "one", "viewed_at": early},
                    {"user_id": 1, "module_id": 1, "lesson_slug": "two", "viewed_at": late},
                ],
            )

        upgrade()

        active, idle = database.session.scalars(select(User.last_activity_at).order_by(User.id))
        assert active == late and idle is None


def test_the_lesson_citations_migration_marks_earlier_scenario_lessons(new_app: Flask) -> None:
    from course.catalogue.models import Lesson

    with new_app.app_context():
        SupportBase.metadata.drop_all(database.engine)
        database.drop_all()
        upgrade(revision="d311cf574013")  # the revision before lessons cited sources
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO courses (id, slug, title, summary, certificate_validity_months,"
                    " regions, updated_at) VALUES (1, 'c', 'C', '', 12, '[]', :now)"
                ),
                {"now": datetime(2026, 2, 1, tzinfo=UTC)},
            )
            connection.execute(
                text(
                    "INSERT INTO modules (id, course_id, slug, position, is_required, created_at)"
                    " VALUES (1, 1, 'm', 1, true, :now)"
                ),
                {"now": datetime(2026, 2, 1, tzinfo=UTC)},
            )
            connection.execute(
                text(
                    "INSERT INTO module_versions (id, module_id, number, folder_name, title,"
                    " summary, minutes, pass_mark, questions_per_attempt, reviewed, objectives,"
                    " sources, content_hash, created_at) VALUES (1, 1, 1, '01-m', 'M', '', 5, 80,"
                    " 5, '2026-02-01', '[]', '[]', 'x', :now)"
                ),
                {"now": datetime(2026, 2, 1, tzinfo=UTC)},
            )
            for position, file_name in enumerate(["01-facts.md", "02-scenario-what-now.md"], 1):
                connection.execute(
                    text(
                        "INSERT INTO lessons (module_version_id, position, file_name, slug, title,"
                        " markdown, html_by_region) VALUES (1, :position, :file_name, :slug,"
                        " :slug, 'Text.', '{}')"
                    ),
                    {"position": position, "file_name": file_name, "slug": file_name[3:-3]},
                )

        upgrade()

        rows = database.session.execute(
            select(Lesson.file_name, Lesson.kind, Lesson.sources).order_by(Lesson.position)
        ).all()
        assert [tuple(row) for row in rows] == [
            ("01-facts.md", "facts", []),
            ("02-scenario-what-now.md", "scenario", []),
        ]
