"""Reminders from an organisation to its members: who gets one, the 7-day limit, the emails, the
page's report, and ``flask --app course orgs remind``."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from course.accounts.models import User
from course.catalogue.services import the_course
from course.certificates.codes import new_code
from course.certificates.models import Certificate
from course.core.database import utcnow
from course.extensions import db
from course.organisations import reminders
from course.organisations.models import Membership, MembershipRole, Organisation
from tests.fixtures.apps import build_app, import_bundle
from tests.fixtures.clients import signed_in
from tests.fixtures.factories import make_user
from tests.fixtures.mail import link_in, queued_emails
from tests.fixtures.organisations import create_org
from tests.fixtures.web import csrf_token_from


def add_member(
    app: Flask,
    organisation_id: int,
    email: str,
    *,
    name: str = "Sam Staff",
    verified: bool = True,
    certificate_expires_in: timedelta | None = None,
    reminded_ago: timedelta | None = None,
    due_at: datetime | None = None,
) -> int:
    """A member added straight to the database, optionally with a certificate and a past
    reminder."""
    with app.app_context():
        user = make_user(email=email, name=name, verified=verified)
        now = utcnow()
        db.session.add(
            Membership(
                organisation_id=organisation_id,
                user_id=user.id,
                due_at=due_at,
                last_reminded_at=now - reminded_ago if reminded_ago else None,
            )
        )
        if certificate_expires_in is not None:
            course = the_course()
            assert course is not None
            db.session.add(
                Certificate(
                    user_id=user.id,
                    course_id=course.id,
                    sequence=1,
                    code=new_code(),
                    holder_name=name,
                    issued_at=now - timedelta(days=200),
                    expires_at=now + certificate_expires_in,
                    module_versions=[],
                )
            )
        db.session.commit()
        return user.id


def remind(
    client: FlaskClient, organisation_id: int, action: str, user_ids: list[int] | None = None
) -> str:
    """Press a button on the reminders page; the page shown afterwards."""
    path = f"/orgs/{organisation_id}/reminders"
    token_page = client.get(path).get_data(as_text=True)
    response = client.post(
        path,
        data={
            "csrf_token": csrf_token_from(token_page),
            "action": action,
            "user_id": user_ids or [],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


def recipients(app: Flask) -> list[str]:
    with app.app_context():
        return sorted(message.recipient for message in queued_emails())


def reminded_at(app: Flask, email: str) -> datetime | None:
    with app.app_context():
        return db.session.scalar(
            select(Membership.last_reminded_at)
            .join(User, User.id == Membership.user_id)
            .where(User.email == email)
        )


def test_reminding_chosen_members_emails_them_through_the_outbox(course_app: Flask) -> None:
    manager = signed_in(course_app, "boss@example.org")
    organisation_id = create_org(manager)
    due = utcnow() + timedelta(days=20)
    amy = add_member(course_app, organisation_id, "amy@example.org", name="Amy", due_at=due)
    add_member(course_app, organisation_id, "ben@example.org", name="Ben")
    assert "/reminders" in manager.get(f"/orgs/{organisation_id}/").get_data(as_text=True)

    page = remind(manager, organisation_id, "selected", [amy])

    assert "1 reminder queued. 0 skipped because they had a reminder in the last 7 days." in page
    assert recipients(course_app) == ["amy@example.org"]
    assert reminded_at(course_app, "amy@example.org") is not None
    assert reminded_at(course_app, "ben@example.org") is None
    with course_app.app_context():
        (message,) = queued_emails()
        assert message.subject == "Harbour Arts Centre asks you to complete CT Citizen"
        assert "Hello Amy," in message.text_body and "Harbour Arts Centre" in message.text_body
        assert "Please finish by" in message.text_body and str(due.year) in message.text_body
        assert link_in(message, "/account/organisations").startswith("http://localhost/")
        assert link_in(message, "localhost/") == "http://localhost/"
        assert "Leave the organisation" in message.html_body


def test_everyone_due_means_no_certificate_or_one_expiring_within_30_days(
    course_app: Flask,
) -> None:
    manager = signed_in(course_app, "boss@example.org")
    organisation_id = create_org(manager)
    add_member(course_app, organisation_id, "new@example.org")
    add_member(
        course_app, organisation_id, "done@example.org", certificate_expires_in=timedelta(days=200)
    )
    add_member(
        course_app, organisation_id, "soon@example.org", certificate_expires_in=timedelta(days=10)
    )
    add_member(
        course_app, organisation_id, "old@example.org", certificate_expires_in=timedelta(days=-5)
    )
    add_member(course_app, organisation_id, "unconfirmed@example.org", verified=False)
    outsider = signed_in(course_app, "elsewhere@example.org")
    create_org(outsider, "Bravo")

    page = remind(manager, organisation_id, "due")

    # the manager has no certificate either, so is reminded too
    assert recipients(course_app) == [
        "boss@example.org",
        "new@example.org",
        "old@example.org",
        "soon@example.org",
    ]
    assert "4 reminders queued. 0 skipped" in page
    assert reminded_at(course_app, "done@example.org") is None
    assert reminded_at(course_app, "unconfirmed@example.org") is None


def test_a_member_gets_at_most_one_reminder_every_7_days(course_app: Flask) -> None:
    manager = signed_in(course_app, "boss@example.org")
    organisation_id = create_org(manager)
    fresh = add_member(course_app, organisation_id, "fresh@example.org")
    recent = add_member(
        course_app, organisation_id, "recent@example.org", reminded_ago=timedelta(days=6)
    )
    lapsed = add_member(
        course_app, organisation_id, "lapsed@example.org", reminded_ago=timedelta(days=8)
    )

    first = remind(manager, organisation_id, "selected", [fresh, recent, lapsed])
    second = remind(manager, organisation_id, "selected", [fresh, recent, lapsed])
    everyone = remind(manager, organisation_id, "due")

    assert "2 reminders queued. 1 skipped because" in first
    assert "0 reminders queued. 3 skipped because" in second
    assert "1 reminder queued. 3 skipped because" in everyone  # only the manager was left
    assert recipients(course_app) == [
        "boss@example.org",
        "fresh@example.org",
        "lapsed@example.org",
    ]


def test_members_without_a_confirmed_email_or_outside_the_organisation_get_nothing(
    course_app: Flask,
) -> None:
    manager = signed_in(course_app, "boss@example.org")
    organisation_id = create_org(manager)
    unconfirmed = add_member(course_app, organisation_id, "new@example.org", verified=False)
    with course_app.app_context():
        stranger = make_user(email="stranger@example.org").id

    page = remind(manager, organisation_id, "selected", [unconfirmed, stranger])

    assert "0 reminders queued. 0 skipped" in page
    assert recipients(course_app) == []
    assert "Email not confirmed" in manager.get(f"/orgs/{organisation_id}/reminders").get_data(
        as_text=True
    )


def test_choosing_nobody_or_an_unknown_action_sends_nothing(course_app: Flask) -> None:
    manager = signed_in(course_app, "boss@example.org")
    organisation_id = create_org(manager)
    add_member(course_app, organisation_id, "amy@example.org")

    nobody = remind(manager, organisation_id, "selected", [])
    unknown = remind(manager, organisation_id, "everyone_ever")

    assert "Choose at least one member to remind." in nobody
    assert "Choose one of the buttons on this page." in unknown
    assert recipients(course_app) == []


def test_two_reminders_at_the_same_moment_send_one_email(course_app: Flask) -> None:
    manager = signed_in(course_app, "boss@example.org")
    organisation_id = create_org(manager)
    for number in range(5):
        add_member(course_app, organisation_id, f"m{number}@example.org")
    barrier = threading.Barrier(2)
    reports: list[reminders.ReminderReport] = []

    def send() -> None:
        with course_app.test_request_context():
            organisation = db.session.get(Organisation, organisation_id)
            course = the_course()
            barrier.wait()
            reports.append(reminders.send_reminders(organisation, course))  # type: ignore[arg-type]
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(report.queued for report in reports) == [0, 6]
    assert sorted(report.skipped for report in reports) == [0, 6]
    assert len(recipients(course_app)) == 6


def test_the_command_reminds_members_of_every_open_organisation(tmp_path: Path) -> None:
    app = build_app(tmp_path, BASE_URL="https://course.example.org")
    import_bundle(app)
    with app.app_context():
        boss = make_user(email="boss@example.org")
        open_org = Organisation(name="Alpha")
        closed_org = Organisation(name="Closed", closed_at=utcnow())
        db.session.add_all([open_org, closed_org])
        db.session.flush()
        db.session.add(
            Membership(organisation_id=open_org.id, user_id=boss.id, role=MembershipRole.MANAGER)
        )
        db.session.commit()
        open_id, closed_id = open_org.id, closed_org.id
    add_member(app, open_id, "amy@example.org")
    add_member(app, open_id, "recent@example.org", reminded_ago=timedelta(days=2))
    add_member(app, closed_id, "gone@example.org")
    runner = app.test_cli_runner()

    first = runner.invoke(args=["orgs", "remind"])
    second = runner.invoke(args=["orgs", "remind"])

    assert first.exit_code == 0, first.output
    assert f"Alpha (#{open_id}): 2 queued, 1 skipped" in first.output
    assert "Closed" not in first.output
    assert f"Alpha (#{open_id}): 0 queued, 3 skipped" in second.output
    assert "Queued 0 reminder(s) for 1 organisation(s)." in second.output
    assert recipients(app) == ["amy@example.org", "boss@example.org"]
    with app.app_context():
        message = queued_emails("amy@example.org")[0]
        assert link_in(message, "course.example.org") == "https://course.example.org/"


def test_the_command_needs_the_sites_address(runner, app: Flask) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["orgs", "remind"])

    assert result.exit_code != 0 and "Set COURSE_BASE_URL" in result.output
