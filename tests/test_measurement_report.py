"""Proof that the figures are right: simulated learners with a known gain and a known change in
discernment go through the real services, and the report recovers the true values within its
confidence intervals; the intervals themselves cover the truth about as often as they claim;
too few learners show nothing; an organisation's figures count its members only."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from sqlalchemy import select

from course.accounts.models import User
from course.catalogue.bundle import read_bundle
from course.catalogue.models import Module
from course.catalogue.question_types import question_type
from course.catalogue.services import import_course
from course.extensions import db
from course.learning import services as learning
from course.measurement import services as measuring
from course.measurement.models import Phase
from course.measurement.report import course_report, module_report
from course.measurement.statistics import paired_change
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.learning import pass_quiz
from tests.fixtures.measurement import with_measurement

#: Each answer is right with this probability before the module and after it, independently:
#: the true gain is 40 points, and with four items a check (25 points an item) the changes have
#: a variance of 625 * 4 * (0.4 * 0.6 + 0.8 * 0.2) = 1000, so the true d_z is 40 / sqrt(1000).
RIGHT_BEFORE, RIGHT_AFTER, ITEMS = 0.4, 0.8, 4
TRUE_GAIN = 100 * (RIGHT_AFTER - RIGHT_BEFORE)
TRUE_D_Z = TRUE_GAIN / np.sqrt(625 * ITEMS * (0.4 * 0.6 + 0.8 * 0.2))
#: Ratings drawn evenly from these, so their means are known: trust in legitimate posts rises
#: from 4.0 to 4.2 and in manipulative ones falls from 3.5 to 2.4; discernment (legitimate minus
#: manipulative) goes from 0.5 to 1.8, a change of 1.3.
RATINGS = {
    (Phase.BEFORE, "legitimate"): [3, 4, 5],
    (Phase.BEFORE, "manipulative"): [2, 3, 4, 5],
    (Phase.AFTER, "legitimate"): [3, 4, 5, 5, 4],
    (Phase.AFTER, "manipulative"): [1, 2, 3, 2, 4],
}
TRUE_DISCERNMENT_CHANGE = (4.2 - 2.4) - (4.0 - 3.5)
LEARNERS = 120


def simulated_check(user: User, module: Module, phase: Phase, rng: random.Random) -> None:
    check = measuring.start_check(user, module, phase, rng)
    chance = RIGHT_BEFORE if phase == Phase.BEFORE else RIGHT_AFTER
    answers = []
    for item in check.items:
        kind = question_type(item["type"])
        right = rng.random() < chance
        answers.append(kind.correct_answer(item) if right else kind.wrong_answer(item))
    ratings: list[int | None] = [rng.choice(RATINGS[(phase, post["kind"])]) for post in check.posts]
    measuring.submit_check(user, check.id, measuring.CheckAnswers(answers, ratings))


def simulate(app: Flask, learners: int, slug: str, seed: int = 7) -> None:
    """``learners`` learners who agree, take the check before, complete the module (reading
    every lesson and passing the quiz) and take the check after."""
    rng = random.Random(seed)
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == slug))
        assert module is not None and module.current_version is not None
        for number in range(learners):
            user = make_user(email=f"{slug}-{seed}-{number}@example.org")
            measuring.record_consent(user, True, follow_up_emails=False)
            db.session.commit()
            simulated_check(user, module, Phase.BEFORE, rng)
            db.session.commit()
            for lesson in module.current_version.lessons:
                learning.record_lesson_read(user, module, lesson)
            pass_quiz(user, module)
            db.session.commit()
            simulated_check(user, module, Phase.AFTER, rng)
            db.session.commit()


@pytest.fixture
def measured_app(app: Flask, bundle: Path) -> Flask:
    with_measurement(bundle, items=ITEMS)
    with app.app_context():
        import_course(read_bundle(bundle))
        db.session.commit()
    return app


def module_of(slug: str) -> Module:
    found = db.session.scalar(select(Module).where(Module.slug == slug))
    assert found is not None
    return found


def test_the_report_recovers_a_known_gain_and_discernment_change(measured_app: Flask) -> None:
    simulate(measured_app, LEARNERS, "reporting")

    with measured_app.app_context():
        report = module_report(module_of("reporting"))

    assert report.pairs == LEARNERS and report.enough
    assert report.before.took == report.after.took == LEARNERS
    knowledge = report.knowledge
    assert knowledge is not None and knowledge.effect_size is not None
    assert knowledge.change.contains(TRUE_GAIN), knowledge
    assert knowledge.effect_size.contains(TRUE_D_Z), knowledge
    assert knowledge.change.low > 0  # a gain this size is never mistaken for none
    assert report.discernment is not None
    assert report.discernment.change.contains(TRUE_DISCERNMENT_CHANGE), report.discernment
    assert report.trust_in_legitimate is not None and report.trust_in_manipulative is not None
    assert report.trust_in_legitimate.change.contains(0.2), report.trust_in_legitimate
    assert report.trust_in_manipulative.change.contains(-1.1), report.trust_in_manipulative
    # Counterbalanced: half took form a first.
    assert {form: learners for form, (_mean, learners) in report.form_before.items()} == {
        "a": LEARNERS // 2,
        "b": LEARNERS // 2,
    }
    assert len(report.items) == 2 * ITEMS
    for item in report.items:
        assert item.right_before is not None and abs(item.right_before - RIGHT_BEFORE) < 0.2
        assert item.right_after is not None and abs(item.right_after - RIGHT_AFTER) < 0.2


def test_the_confidence_intervals_cover_the_truth_about_as_often_as_they_claim() -> None:
    rng = np.random.default_rng(3)
    runs, learners = 300, 30
    covered_gain = covered_effect = 0
    for _run in range(runs):
        before = rng.binomial(ITEMS, RIGHT_BEFORE, learners) * 25
        after = rng.binomial(ITEMS, RIGHT_AFTER, learners) * 25
        change = paired_change(before, after)
        covered_gain += change.change.contains(TRUE_GAIN)
        assert change.effect_size is not None
        covered_effect += change.effect_size.contains(TRUE_D_Z)

    # 95% intervals: with 300 runs, coverage outside these bounds would be a real fault.
    assert 0.91 <= covered_gain / runs <= 0.99, covered_gain
    assert 0.88 <= covered_effect / runs <= 0.99, covered_effect


def test_fewer_than_twenty_learners_show_counts_but_no_figures(measured_app: Flask) -> None:
    simulate(measured_app, 19, "staying-safe")

    with measured_app.app_context():
        report = module_report(module_of("staying-safe"))
        course = course_report([module_of("staying-safe"), module_of("reporting")])

    assert report.pairs == 19 and not report.enough
    assert report.knowledge is None and report.items == [] and report.form_before == {}
    assert not course.enough and course.knowledge is None


def test_an_organisations_figures_count_its_members_only(measured_app: Flask) -> None:
    simulate(measured_app, 12, "staying-safe", seed=1)
    simulate(measured_app, 20, "staying-safe", seed=2)

    with measured_app.app_context():
        members = select(User.id).where(User.email.like("staying-safe-1-%"))
        theirs = module_report(module_of("staying-safe"), members, minimum=10)
        everyone = module_report(module_of("staying-safe"))

    assert theirs.pairs == 12 and theirs.enough and theirs.knowledge is not None
    assert everyone.pairs == 32


def test_the_admin_report_shows_the_figures_with_their_intervals(measured_app: Flask) -> None:
    from tests.fixtures.clients import signed_in, signed_in_admin

    simulate(measured_app, 20, "reporting")
    admin = signed_in_admin(measured_app)

    page = admin.get("/admin/measurement/").get_data(as_text=True)

    reporting = page.split('<h2 class="heading-l">Reporting')[1]
    assert "Both taken: 20." in reporting and "Questions right" in reporting
    assert "95% interval" in reporting and "Discernment" in reporting
    assert "Form A before the module" in reporting
    staying_safe = page.split('<h2 class="heading-l">Staying safe')[1].split("<h2")[0]
    assert "No figures yet" in staying_safe
    learner = signed_in(measured_app, "nosy@example.org")
    assert learner.get("/admin/measurement/").status_code == 403


def test_an_organisations_managers_see_their_members_figures_from_ten(
    measured_app: Flask,
) -> None:
    from tests.fixtures.factories import make_org
    from tests.fixtures.web import sign_in

    simulate(measured_app, 12, "reporting", seed=3)
    simulate(measured_app, 20, "reporting", seed=4)
    with measured_app.app_context():
        members = db.session.scalars(
            select(User).where(User.email.like("reporting-3-%")).order_by(User.id)
        ).all()
        manager = make_user(email="boss@example.org")
        organisation = make_org(manager=manager, members=members)
        small = make_org(
            name="Small", manager=make_user(email="small@example.org"), members=members[:9]
        )
        address, small_address = (
            f"/orgs/{organisation.id}/learning",
            f"/orgs/{small.id}/learning",
        )
    client = measured_app.test_client()
    sign_in(client, "boss@example.org", STRONG_PASSWORD)

    page = client.get(address).get_data(as_text=True)
    manage = client.get(f"/orgs/{organisation.id}/").get_data(as_text=True)

    assert f'href="{address}"' in manage
    reporting = page.split('<h2 class="heading-l">Reporting')[1]
    assert "Both taken: 12." in reporting and "95% interval" in reporting
    assert "never one person" in page
    assert client.get(small_address).status_code == 404  # not their organisation
    small_manager = measured_app.test_client()
    sign_in(small_manager, "small@example.org", STRONG_PASSWORD)
    small_page = small_manager.get(small_address).get_data(as_text=True)
    assert "Both taken: 9." in small_page
    assert "What learners knew before and after" not in small_page
    member = measured_app.test_client()
    sign_in(member, "reporting-3-0@example.org", STRONG_PASSWORD)
    assert member.get(address).status_code == 404


def test_the_researchers_file_has_every_check_and_nothing_that_leads_back(
    measured_app: Flask,
) -> None:
    import csv
    import io

    from course.audit.models import AuditEntry
    from tests.fixtures.clients import signed_in_admin

    simulate(measured_app, 5, "reporting", seed=9)
    with measured_app.app_context():
        skipper = make_user(email="skipper@example.org")
        measuring.record_consent(skipper, True, follow_up_emails=False)
        db.session.commit()
        measuring.skip_check(skipper, module_of("staying-safe"), Phase.BEFORE)
        db.session.commit()
        emails = set(db.session.scalars(select(User.email)))
        ids = {str(user_id) for user_id in db.session.scalars(select(User.id))}
    admin = signed_in_admin(measured_app)

    response = admin.get("/admin/measurement/learning-checks.csv")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 11
    assert not any(email in text for email in emails)
    assert {row["learner"] for row in rows} == {f"L000{number}" for number in range(1, 7)}
    assert not {row["learner"] for row in rows} & ids
    taken = [row for row in rows if row["skipped"] == "0"]
    assert {row["phase"] for row in taken} == {"before", "after"}
    for row in taken:
        assert int(row["questions"]) == ITEMS and row["form"] in {"a", "b"}
        assert row["first_form"] in {"a", "b"} and len(row["month"]) == 7
        assert float(row["discernment"]) == pytest.approx(
            float(row["trust_legitimate"]) - float(row["trust_manipulative"]), abs=0.002
        )
        assert len(row["item_results"].split()) == ITEMS
    [skipped] = [row for row in rows if row["skipped"] == "1"]
    assert skipped["module"] == "staying-safe" and skipped["questions"] == "0"
    with measured_app.app_context():
        assert db.session.scalar(
            select(AuditEntry.action).where(AuditEntry.action == "measurement.exported")
        )
