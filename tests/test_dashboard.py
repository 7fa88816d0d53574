"""The learner's dashboard: their own progress in the course as it is now.

The course's outline (its modules, their current versions and lessons) is kept in each process's
memory per content version (:mod:`course.catalogue.outline`); what each learner has done is read
afresh for them on every request."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from course.accounts.models import Role, User
from course.authoring import drafts
from course.catalogue.models import Module, ModuleVersion
from course.extensions import db
from course.learning import services as learning
from tests.fixtures.clients import signed_in
from tests.fixtures.factories import make_user
from tests.fixtures.learning import pass_quiz


def the_module(slug: str) -> Module:
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    assert module is not None
    return module


def finish_staying_safe(app: Flask, email: str) -> None:
    """Read both lessons of "Staying safe" and pass its quiz, as the learner ``email``."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        module = the_module("staying-safe")
        for lesson in module.current_version.lessons:  # type: ignore[union-attr]
            learning.record_lesson_read(user, module, lesson)
        pass_quiz(user, module)
        db.session.commit()


def dashboard_of(learner: FlaskClient) -> str:
    response = learner.get("/dashboard")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_each_learner_sees_their_own_progress(course_app: Flask) -> None:
    ada = signed_in(course_app, "ada@example.org")
    bea = signed_in(course_app, "bea@example.org")
    dashboard_of(bea)
    finish_staying_safe(course_app, "ada@example.org")

    adas = dashboard_of(ada)
    beas = dashboard_of(bea)

    assert "You have completed 1 of 2 modules." in adas
    assert "Lessons read: 2 of 2." in adas and "Best quiz score: 100%." in adas
    assert "Completed</strong>" in adas and "Start Reporting." in adas
    assert "You have completed 0 of 2 modules." in beas
    assert "Lessons read: 2 of 2." not in beas and "Best quiz score" not in beas
    assert "Completed</strong>" not in beas and "Start Staying safe." in beas


def test_a_module_published_on_the_web_is_on_the_next_dashboard(course_app: Flask) -> None:
    learner = signed_in(course_app, "ada@example.org")
    assert "Staying safe in a crowd" not in dashboard_of(learner)

    with course_app.app_context():
        module = the_module("staying-safe")
        author = make_user(role=Role.AUTHOR)
        editing = drafts.editing(module)
        metadata = {**editing.document["metadata"], "title": "Staying safe in a crowd"}
        draft = drafts.save_metadata(module, editing.revision, author, metadata, required=True)
        drafts.publish(module, draft.revision, author)
        db.session.commit()

    assert "Staying safe in a crowd" in dashboard_of(learner)


def test_a_change_made_by_another_process_is_on_the_next_dashboard(
    course_app: Flask, import_from_another_process: Callable[[], None]
) -> None:
    learner = signed_in(course_app, "ada@example.org")
    before = dashboard_of(learner)

    # Only the content version read from the database can tell this process.
    import_from_another_process()
    imported = dashboard_of(learner)
    with course_app.app_context():
        drafts.set_archived(the_module("reporting"), True, make_user(role=Role.AUTHOR))
        db.session.commit()
    archived = dashboard_of(learner)
    with course_app.app_context():
        drafts.set_archived(the_module("reporting"), False, make_user(role=Role.AUTHOR))
        db.session.commit()
    brought_back = dashboard_of(learner)

    assert "Staying safe in a crowd" not in before and "Lessons read: 0 of 2." in before
    assert "Staying safe in a crowd" in imported and "Lessons read: 0 of 3." in imported
    assert "Reporting" in imported
    assert "Reporting" not in archived and "You have completed 0 of 1 modules." in archived
    assert "Reporting" in brought_back and "You have completed 0 of 2 modules." in brought_back


def test_the_course_is_read_again_only_when_what_learners_see_has_changed(
    course_app: Flask,
) -> None:
    learner = signed_in(course_app, "ada@example.org")
    dashboard_of(learner)
    # A published version never changes; change one behind the outline's back, so that only an
    # outline read afresh would show it.
    with course_app.app_context():
        db.session.execute(
            update(ModuleVersion)
            .where(ModuleVersion.id == the_module("reporting").current_version_id)
            .values(title="Read afresh")
        )
        db.session.commit()
    kept = dashboard_of(learner)
    with course_app.app_context():
        the_module("staying-safe").is_required = False
        db.session.commit()
    changed = dashboard_of(learner)

    assert "Read afresh" not in kept and "Reporting" in kept
    assert "Read afresh" in changed and "You have completed 0 of 1 modules." in changed
