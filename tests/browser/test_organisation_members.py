"""Managing members in a real browser by keyboard: set a team, make a manager, send a reminder,
and remove a member and hand over management through their confirmation pages."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from course.accounts.models import User
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


def test_a_manager_confirms_before_removing_a_member_and_handing_over(
    desktop: BrowserSession, app: Flask
) -> None:
    with app.app_context():
        people = {
            email: make_user(email=email, name=name)
            for email, name in (
                ("boss@example.org", "Bea Boss"),
                ("lee@example.org", "Lee Learner"),
                ("sam@example.org", "Sam Sample"),
            )
        }
        organisation = Organisation(name="Harbour Arts Centre")
        db.session.add(organisation)
        db.session.flush()
        db.session.add_all(
            Membership(
                organisation_id=organisation.id,
                user_id=person.id,
                role=MembershipRole.MANAGER
                if email == "boss@example.org"
                else MembershipRole.MEMBER,
            )
            for email, person in people.items()
        )
        db.session.commit()
        organisation_id = organisation.id
        ids = {email: person.id for email, person in people.items()}

    def roles() -> dict[str, str]:
        with app.app_context():
            return {
                email: role.value
                for email, role in db.session.execute(
                    select(User.email, Membership.role).join(User, User.id == Membership.user_id)
                )
            }

    page = desktop.page
    desktop.sign_in("boss@example.org", STRONG_PASSWORD, "dashboard")
    desktop.open(f"/orgs/{organisation_id}/", label="manage")

    desktop.activate("Lee Learner", "member")
    desktop.activate("Remove Lee Learner", "remove-confirmation")
    main = page.locator("main").inner_text()
    assert "Are you sure you want to remove Lee Learner?" in main
    assert "they keep their own progress and certificates" in main
    assert "You cannot undo this." in main
    desktop.activate("No, go back", "member-again")
    assert page.url.endswith(f"/orgs/{organisation_id}/members/{ids['lee@example.org']}")
    assert "lee@example.org" in roles()

    desktop.activate("Remove Lee Learner", "remove-confirmation-again")
    desktop.activate("Yes, remove Lee Learner", "removed")
    assert "Lee Learner has been removed." in page.locator(".notification").inner_text()
    assert "lee@example.org" not in roles()

    desktop.activate("Sam Sample", "sam")
    desktop.activate("Hand over to Sam Sample", "hand-over-confirmation")
    main = page.locator("main").inner_text()
    assert "Are you sure you want to hand over to Sam Sample?" in main
    assert "Only a manager can make you a manager again." in main
    assert roles() == {"boss@example.org": "manager", "sam@example.org": "member"}
    desktop.activate("Yes, hand over to Sam Sample", "handed-over")
    assert (
        "Sam Sample is now a manager and you are no longer one."
        in page.locator(".notification").inner_text()
    )
    assert roles() == {"boss@example.org": "member", "sam@example.org": "manager"}
