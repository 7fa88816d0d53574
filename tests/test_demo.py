"""``flask --app course demo``: a demo organisation with people at every stage, where it can harm
no one, and what signing in as each of them shows."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from course.accounts import services as accounts
from course.accounts.models import Role, User
from course.audit.models import AuditEntry
from course.catalogue.services import the_course
from course.certificates import services as certificates
from course.certificates.models import Certificate, CertificateStatus
from course.core.database import utcnow
from course.core.mail import OutboxMessage, messages_to
from course.demo.seeding import (
    DEMO_DOMAIN,
    ORGANISATION_NAME,
    PEOPLE,
    REVOCATION_REASON,
    DemoPerson,
    Stage,
)
from course.extensions import db
from course.learning import services as learning
from course.learning.models import LessonView, QuizAttempt
from course.organisations import memberships
from course.organisations.models import Membership, MembershipRole, Organisation
from tests.fixtures.factories import make_user
from tests.fixtures.web import sign_in

#: A password the policy accepts, so that the tests know what to sign in with.
DEMO_PASSWORD = "lantern quiver marble tundra"
OTHER_PASSWORD = "cobalt meadow sprocket fable"


def person(stage: Stage) -> DemoPerson:
    return next(each for each in PEOPLE if each.stage == stage)


def user_at(stage: Stage) -> User:
    user = accounts.find_user_by_email(person(stage).email)
    assert user is not None, f"no demo account for {stage}"
    return user


def seed(runner: FlaskCliRunner, password: str = DEMO_PASSWORD):
    result = runner.invoke(args=["demo", "--password", password])
    assert result.exit_code == 0, result.output
    return result


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (User, Organisation, Certificate, LessonView, QuizAttempt, OutboxMessage)
        }


def demo_organisation() -> Organisation:
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.name == ORGANISATION_NAME)
    )
    assert organisation is not None
    return organisation


def test_the_demo_makes_every_person_confirmed_with_their_role_at_the_reserved_domain(
    course_app: Flask, runner: FlaskCliRunner
) -> None:
    seed(runner)

    with course_app.app_context():
        users = db.session.scalars(select(User)).all()
        assert sorted(user.email for user in users) == sorted(each.email for each in PEOPLE)
        for each in PEOPLE:
            user = user_at(each.stage)
            assert each.email.endswith(f"@{DEMO_DOMAIN}")
            assert user.email_verified and user.is_active
            assert user.role == each.role
            assert accounts.authenticate(each.email, DEMO_PASSWORD) is not None
        assert user_at(Stage.ADMIN).role == Role.ADMIN
        assert user_at(Stage.AUTHOR).role == Role.AUTHOR


def test_the_learners_are_at_every_stage_of_the_course(
    course_app: Flask, runner: FlaskCliRunner
) -> None:
    seed(runner)

    with course_app.app_context():
        course = the_course()
        assert course is not None
        required = len(course.required_modules)
        now = utcnow()

        def progress(stage: Stage) -> learning.CourseProgress:
            return learning.course_progress(user_at(stage), course)

        def latest(stage: Stage) -> Certificate | None:
            return certificates.latest_certificate(user_at(stage), course)

        not_started = user_at(Stage.NOT_STARTED)
        assert learning.lesson_views_of(not_started) == []
        assert learning.attempts_of(not_started) == []
        assert latest(Stage.NOT_STARTED) is None

        part_way = progress(Stage.PART_WAY)
        assert part_way.completed_required == required // 2
        assert not part_way.is_complete
        assert part_way.next_module is not None
        assert part_way.next_module.status == "in-progress"
        assert latest(Stage.PART_WAY) is None

        for stage in (Stage.CERTIFIED, Stage.EXPIRING, Stage.REVOKED):
            assert progress(stage).is_complete, stage

        certified = latest(Stage.CERTIFIED)
        assert certified is not None
        assert certified.status_at(now) == CertificateStatus.VALID
        assert not certified.expires_soon_at(now)

        expiring = latest(Stage.EXPIRING)
        assert expiring is not None
        assert expiring.status_at(now) == CertificateStatus.VALID
        assert expiring.expires_soon_at(now)
        standing = certificates.standing(user_at(Stage.EXPIRING), course, now)
        assert standing.renewal is not None and standing.renewal.passed == set()

        revoked = latest(Stage.REVOKED)
        assert revoked is not None
        assert revoked.status_at(now) == CertificateStatus.REVOKED
        assert revoked.revocation_reason == REVOCATION_REASON
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "certificate.revoked")
        )
        assert entry is not None and entry.actor_email == person(Stage.ADMIN).email

        assert [message.subject for message in messages_to(person(Stage.CERTIFIED).email)] == [
            "Confirm your email address for CT Citizen",
            "Your CT Citizen certificate",
        ]


def test_the_organisation_has_the_learners_as_members_and_the_manager_runs_it(
    course_app: Flask, runner: FlaskCliRunner
) -> None:
    seed(runner)

    with course_app.app_context():
        organisation = demo_organisation()
        members = {membership.user.email: membership for membership in organisation.memberships}
        learners = [each for each in PEOPLE if each.team is not None]
        assert set(members) == {person(Stage.MANAGER).email} | {each.email for each in learners}
        assert members[person(Stage.MANAGER).email].role == MembershipRole.MANAGER
        for each in learners:
            assert members[each.email].role == MembershipRole.MEMBER
            assert members[each.email].team == each.team
            assert members[each.email].due_at is not None


def test_the_output_lists_every_account_with_the_password_and_where_to_sign_in(
    course_app: Flask, runner: FlaskCliRunner
) -> None:
    result = seed(runner)

    assert "Sign in at http://127.0.0.1:5000/login" in result.output
    lines = result.output.splitlines()
    for each in PEOPLE:
        [row] = [line for line in lines if line.startswith(f"{each.who} ")]
        assert f" {each.email} " in row
        assert DEMO_PASSWORD in row and each.sees in row
    assert ORGANISATION_NAME in result.output
    assert "two-factor sign-in the first time they open /admin/" in result.output


def test_the_links_printed_use_the_base_url_when_it_is_set(
    course_app: Flask, runner: FlaskCliRunner
) -> None:
    course_app.config["BASE_URL"] = "https://course.test"

    result = seed(runner)

    assert "Sign in at https://course.test/login" in result.output
    assert "https://course.test/orgs/" in result.output


def test_without_a_password_each_run_makes_a_new_strong_one_that_signs_in(
    course_app: Flask, runner: FlaskCliRunner
) -> None:
    first = runner.invoke(args=["demo"])
    second = runner.invoke(args=["demo"])

    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    pattern = re.compile(rf"{re.escape(person(Stage.CERTIFIED).email)}\s+(\S+)")
    first_password = pattern.search(first.output).group(1)  # type: ignore[union-attr]
    second_password = pattern.search(second.output).group(1)  # type: ignore[union-attr]
    assert first_password != second_password
    with course_app.app_context():
        assert accounts.authenticate(person(Stage.CERTIFIED).email, first_password) is None
        assert accounts.authenticate(person(Stage.CERTIFIED).email, second_password) is not None


def test_a_weak_password_is_refused_and_nothing_is_written(
    course_app: Flask, runner: FlaskCliRunner
) -> None:
    before = counts(course_app)

    result = runner.invoke(args=["demo", "--password", "password1"])

    assert result.exit_code == 2
    assert "too common or too easy to guess" in result.output
    assert counts(course_app) == before


def test_the_demo_is_refused_on_a_site_served_with_https_only(
    course_app: Flask, runner: FlaskCliRunner
) -> None:
    course_app.config["HTTPS_ONLY"] = True
    before = counts(course_app)

    result = runner.invoke(args=["demo", "--password", DEMO_PASSWORD])

    assert result.exit_code == 1
    assert "COURSE_HTTPS_ONLY is on" in result.output
    assert counts(course_app) == before


def test_the_demo_is_refused_where_a_real_account_exists_and_nothing_is_written(
    course_app: Flask, runner: FlaskCliRunner
) -> None:
    with course_app.app_context():
        make_user(email="ada@example.org")
    before = counts(course_app)

    result = runner.invoke(args=["demo", "--password", DEMO_PASSWORD])

    assert result.exit_code == 1
    assert "holds 1 account(s) that are not the demo's" in result.output
    assert counts(course_app) == before


def test_the_demo_is_refused_without_a_course(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["demo", "--password", DEMO_PASSWORD])

    assert result.exit_code == 1
    assert "Import it first: `flask --app course content import modules`" in result.output
    assert counts(app)["User"] == 0


def test_running_it_again_gives_the_new_password_keeps_what_was_done_and_restores_the_rest(
    course_app: Flask, runner: FlaskCliRunner
) -> None:
    seed(runner)
    with course_app.app_context():
        memberships.leave(user_at(Stage.PART_WAY), demo_organisation())
        accounts.set_role(user_at(Stage.AUTHOR), Role.LEARNER)
        db.session.commit()
    before = counts(course_app)

    result = seed(runner, OTHER_PASSWORD)

    assert "The demo was already here." in result.output
    after = counts(course_app)
    for what in ("User", "Organisation", "Certificate", "LessonView", "QuizAttempt"):
        assert after[what] == before[what], what
    with course_app.app_context():
        for each in PEOPLE:
            assert accounts.authenticate(each.email, DEMO_PASSWORD) is None
            assert accounts.authenticate(each.email, OTHER_PASSWORD) is not None
        assert user_at(Stage.AUTHOR).role == Role.AUTHOR
        part_way = memberships.membership_of(user_at(Stage.PART_WAY), demo_organisation())
        assert part_way is not None and part_way.team == person(Stage.PART_WAY).team


@pytest.mark.parametrize(
    ("stage", "page", "shown"),
    [
        (Stage.NOT_STARTED, "/dashboard", ["You have completed 0 of 2 modules.", "Start Staying"]),
        (Stage.PART_WAY, "/dashboard", ["You have completed 1 of 2 modules.", "Carry on with"]),
        (Stage.CERTIFIED, "/dashboard", ["Your certificate is valid until"]),
        (Stage.EXPIRING, "/dashboard", ["Your certificate expires soon", "To renew it"]),
        (Stage.REVOKED, "/certificates/", ["Revoked", "was revoked on", REVOCATION_REASON]),
        (Stage.MANAGER, "/account/organisations", [ORGANISATION_NAME]),
    ],
)
def test_each_person_signs_in_and_sees_their_stage(
    course_app: Flask, runner: FlaskCliRunner, stage: Stage, page: str, shown: list[str]
) -> None:
    seed(runner)
    client = course_app.test_client()

    sign_in(client, person(stage).email, DEMO_PASSWORD)
    response = client.get(page)

    assert response.status_code == 200
    text = " ".join(response.get_data(as_text=True).split())
    for words in shown:
        assert words in text, words


def test_the_manager_sees_every_member_at_their_stage(
    course_app: Flask, runner: FlaskCliRunner
) -> None:
    seed(runner)
    with course_app.app_context():
        organisation_id = demo_organisation().id
    client = course_app.test_client()
    sign_in(client, person(Stage.MANAGER).email, DEMO_PASSWORD)

    page = client.get(f"/orgs/{organisation_id}/").get_data(as_text=True)

    for each in PEOPLE:
        if each.team is not None:
            assert each.name in page, each.name
    assert "Revoked" in page


def test_the_anonymous_stand_in_of_a_deleted_account_does_not_count_as_a_real_account(
    course_app: Flask, runner: FlaskCliRunner
) -> None:
    with course_app.app_context():
        stand_in = make_user(email="erased-0123456789abcdef01234567@erased.invalid", name="")
        stand_in.erased_at = stand_in.disabled_at = utcnow()
        db.session.commit()

    result = runner.invoke(args=["demo", "--password", DEMO_PASSWORD])

    assert result.exit_code == 0, result.output
    assert counts(course_app)["User"] == len(PEOPLE) + 1


def test_a_research_panel_gives_the_report_on_learning_figures_to_show(
    app: Flask,
    bundle,
    runner: FlaskCliRunner,  # noqa: ANN001
) -> None:
    from course.catalogue.bundle import read_bundle
    from course.catalogue.services import import_course
    from course.demo.research_panel import IN_THE_ORGANISATION, PANEL_SIZE
    from course.measurement.report import (
        MIN_LEARNERS,
        MIN_LEARNERS_IN_ORGANISATION,
        course_report,
    )
    from tests.fixtures.measurement import with_measurement

    with app.app_context():
        import_course(read_bundle(with_measurement(bundle)))
        db.session.commit()

    result = seed(runner)
    again = seed(runner)

    assert f"{PANEL_SIZE} learners of a research panel" in result.output
    assert "research panel" not in again.output  # made once
    with app.app_context():
        course = the_course()
        assert course is not None
        report = course_report(course.required_modules)
        organisation = db.session.scalar(select(Organisation))
        assert organisation is not None
        members = select(Membership.user_id).where(Membership.organisation_id == organisation.id)
        theirs = course_report(course.required_modules, members, MIN_LEARNERS_IN_ORGANISATION)
    assert PANEL_SIZE >= MIN_LEARNERS and report.enough and report.knowledge is not None
    assert report.knowledge.change.low > 0
    assert all(module.discernment is not None for module in report.modules[1:])
    assert theirs.learners == IN_THE_ORGANISATION and theirs.enough
