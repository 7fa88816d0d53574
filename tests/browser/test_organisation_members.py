"""Managing members in a real browser by keyboard: set a team, make a manager, send a reminder."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from course.extensions import db
from course.organisations.models import Membership, MembershipRole, Organisation
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.mail import queued_emails


def test_a_manager_sets_a_team_makes_a_manager_and_sends_a_reminder(
    desktop: BrowserSession, app: Flask
) -> None:
    import_bundle(app)
    with app.app_context():
        boss = make_user(email="boss@example.org", name="Bea Boss")
        lee = make_user(email="lee@example.org", name="Lee Learner")
        organisation = Organisation(name="Harbour Arts Centre")
        db.session.add(organisation)
        db.session.flush()
        db.session.add_all(
            [
                Membership(
                    organisation_id=organisation.id, user_id=boss.id, role=MembershipRole.MANAGER
                ),
                Membership(organisation_id=organisation.id, user_id=lee.id),
            ]
        )
        db.session.commit()
        organisation_id, lee_id = organisation.id, lee.id
    page = desktop.page
    desktop.sign_in("boss@example.org", STRONG_PASSWORD, "dashboard")
    desktop.open(f"/orgs/{organisation_id}/", label="manage")

    desktop.activate("Lee Learner", "member")
    assert "lee@example.org" in page.locator("main").inner_text()
    desktop.type_into("team", "Box office")
    desktop.activate("Save team", "team-saved")
    assert "Lee Learner is now in Box office." in page.locator(".notification").inner_text()
    desktop.activate("Make a manager", "made-manager")
    assert "Lee Learner is now a manager." in page.locator(".notification").inner_text()

    desktop.activate("Back to all members", "manage-again")
    desktop.activate("Send reminders", "reminders")
    desktop.tab_to(element_id=f"remind-{lee_id}")
    page.keyboard.press("Space")
    desktop.activate("Remind the chosen members", "reminded")
    assert "1 reminder queued." in page.locator(".notification").inner_text()

    with app.app_context():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == lee_id))
        assert membership is not None
        assert membership.team == "Box office" and membership.role == MembershipRole.MANAGER
        assert [message.recipient for message in queued_emails()] == ["lee@example.org"]
