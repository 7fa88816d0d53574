"""The follow-up checks, 30 and 90 days after the course: who is emailed and when (each once),
what they are asked, answering them page by page, and the report recovering a known amount of
forgetting within its interval."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from course.accounts.models import User
from course.catalogue.bundle import read_bundle
from course.catalogue.models import Module
from course.catalogue.question_types import question_type
from course.catalogue.services import import_course, the_course
from course.certificates import services as certificates
from course.core.database import utcnow
from course.extensions import db
from course.measurement import services as measuring
from course.measurement.follow_ups import send_follow_ups
from course.measurement.models import Check, Phase
from course.measurement.report import course_report, module_report
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.learning import complete_course
from tests.fixtures.mail import link_in, queued_emails
from tests.fixtures.measurement import with_measurement
from tests.fixtures.web import post_form, sign_in

SUBJECT = "Two minutes: what do you remember?"


@pytest.fixture
def measured_app(app: Flask, bundle: Path) -> Flask:
    app.config["BASE_URL"] = "https://course.example.org"  # the emails are made outside a request
    with app.app_context():
        import_course(read_bundle(with_measurement(bundle)))
        db.session.commit()
    return app


def module_of(slug: str) -> Module:
    found = db.session.scalar(select(Module).where(Module.slug == slug))
    assert found is not None
    return found


def answer(user: User, check: Check, chance: float, rng: random.Random) -> None:
    answers = [
        question_type(item["type"]).correct_answer(item)
        if rng.random() < chance
        else question_type(item["type"]).wrong_answer(item)
        for item in check.items
    ]
    ratings: list[int | None] = [rng.choice([2, 3, 4, 5]) for _post in check.posts]
    measuring.submit_check(user, check.id, measuring.CheckAnswers(answers, ratings))


def finished_learner(
    email: str,
    finished: datetime,
    follow_up_emails: bool = True,
    right_after: float = 1.0,
    rng: random.Random | None = None,
) -> User:
    """A learner who agreed, took both checks of each module and finished the course (their
    certificate issued) at ``finished``."""
    rng = rng or random.Random(1)
    user = make_user(email=email)
    measuring.record_consent(user, True, follow_up_emails=follow_up_emails)
    db.session.commit()
    course = the_course()
    assert course is not None
    for module in course.required_modules:
        answer(user, measuring.start_check(user, module, Phase.BEFORE, rng), 0.5, rng)
        db.session.commit()
    complete_course(user, course)
    for module in course.required_modules:
        answer(user, measuring.start_check(user, module, Phase.AFTER, rng), right_after, rng)
        db.session.commit()
    certificates.issue_certificate(user, course, "Lee Learner", now=finished)
    db.session.commit()
    return user


def test_the_follow_up_is_emailed_once_on_its_day_with_a_question_from_each_module(
    measured_app: Flask,
) -> None:
    now = utcnow()
    with measured_app.app_context():
        due = finished_learner("due@example.org", now - timedelta(days=31))
        finished_learner("no-emails@example.org", now - timedelta(days=31), follow_up_emails=False)
        finished_learner("too-soon@example.org", now - timedelta(days=29))
        finished_learner("long-ago@example.org", now - timedelta(days=60))

        sent = send_follow_ups(now)
        db.session.commit()
        again = send_follow_ups(now + timedelta(hours=1))
        db.session.commit()

        assert sent == {Phase.DAY_30: 1, Phase.DAY_90: 0} and again[Phase.DAY_30] == 0
        [email] = [m for m in queued_emails() if m.subject == SUBJECT]
        assert email.recipient == "due@example.org"
        assert link_in(email, "/checks/later/") == "https://course.example.org/checks/later/day-30"
        assert "30 days ago" in email.text_body and "/research" in email.text_body
        follow_ups = db.session.scalars(
            select(Check).where(Check.phase == Phase.DAY_30).order_by(Check.module_id)
        ).all()
        assert [check.user_id for check in follow_ups] == [due.id, due.id]
        for check in follow_ups:
            after = db.session.scalar(
                select(Check).where(
                    Check.user_id == due.id,
                    Check.module_id == check.module_id,
                    Check.phase == Phase.AFTER,
                )
            )
            assert after is not None and len(check.items) == 1
            assert check.items[0] in after.items and check.posts == []

        ninety = send_follow_ups(now + timedelta(days=60))
        db.session.commit()
        assert ninety[Phase.DAY_90] == 1
        day_90 = db.session.scalars(select(Check).where(Check.phase == Phase.DAY_90)).all()
        day_30 = {check.module_id: check.items[0]["key"] for check in follow_ups}
        assert all(check.items[0]["key"] != day_30[check.module_id] for check in day_90)


def test_the_email_link_leads_through_one_question_a_module_then_thanks(
    measured_app: Flask,
) -> None:
    with measured_app.app_context():
        finished_learner("lee@example.org", utcnow() - timedelta(days=31))
        send_follow_ups()
        db.session.commit()
    client: FlaskClient = measured_app.test_client()
    sign_in(client, "lee@example.org", STRONG_PASSWORD)

    for _module in range(2):
        step = client.get("/checks/later/day-30")
        assert step.status_code == 302 and "/checks/" in step.headers["Location"]
        page = client.get(step.headers["Location"]).get_data(as_text=True)
        assert "What do you remember?" in page and "Question 1 of 1" in page
        done = post_form(client, step.headers["Location"], {"item-1": "true"})
        assert done.headers["Location"] == "/checks/later/day-30"

    thanks = client.get("/checks/later/day-30")
    assert thanks.status_code == 200
    assert "still know 30 days on" in thanks.get_data(as_text=True)
    assert client.get("/checks/later/day-90").status_code == 404
    other = measured_app.test_client()
    with measured_app.app_context():
        make_user(email="other@example.org")
    sign_in(other, "other@example.org", STRONG_PASSWORD)
    assert other.get("/checks/later/day-30").status_code == 404


def test_the_report_recovers_a_known_amount_of_forgetting(measured_app: Flask) -> None:
    """Right after the module each answer is right with chance 0.8; 30 days after the course,
    0.6: the true change on the same questions is -20 points."""
    rng = random.Random(11)
    now = utcnow()
    with measured_app.app_context():
        learners = []
        for number in range(60):
            learners.append(
                finished_learner(
                    f"learner{number}@example.org",
                    now - timedelta(days=31),
                    right_after=0.8,
                    rng=rng,
                )
            )
        send_follow_ups(now)
        db.session.commit()
        for user in learners:
            for check in db.session.scalars(
                select(Check).where(Check.user_id == user.id, Check.phase == Phase.DAY_30)
            ):
                answer(user, check, 0.6, rng)
            db.session.commit()

        report = module_report(module_of("staying-safe"))
        course = course_report([module_of("staying-safe"), module_of("reporting")])

    assert report.follow_ups_taken[Phase.DAY_30] == 60
    day_30 = report.retention[Phase.DAY_30]
    assert day_30 is not None and day_30.change.contains(-20.0), day_30
    assert report.retention[Phase.DAY_90] is None
    course_day_30 = course.retention[Phase.DAY_30]
    assert course_day_30 is not None and course_day_30.change.contains(-20.0), course_day_30
