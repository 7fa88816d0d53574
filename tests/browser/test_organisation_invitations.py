"""Invitations in a real browser, by keyboard: a manager invites one person and a CSV file with bad
rows, reads the report, is told that someone else's invitation is not theirs to accept, and an
invited person registers through their email's link."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from course.accounts.models import User
from course.extensions import db
from course.organisations.memberships import create_organisation
from course.organisations.models import Membership
from tests.fixtures.browser import BrowserSession
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.mail import link_in, queued_emails


def test_a_manager_invites_by_file_and_an_invited_person_registers_and_joins(
    desktop: BrowserSession, app: Flask, tmp_path: Path
) -> None:
    with app.app_context():
        boss = make_user(email="boss@example.org", name="Bea Boss")
        organisation_id = create_organisation(boss, "Harbour Arts Centre", 30).id
        db.session.commit()
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "email,name,team\n"
        "nia@example.org,Nia New,Box office\n"
        "not an address,Nobody,\n"
        "boss@example.org,Bea Boss,\n"
        "omar@example.org,Omar Odu,Front of house\n"
    )
    page = desktop.page
    desktop.sign_in("boss@example.org", STRONG_PASSWORD, "dashboard")
    page.goto(desktop.url(f"/orgs/{organisation_id}/"))
    desktop.audit("manage")

    desktop.activate("Invite people by email", "invitations")
    desktop.type_into("email", "sam@example.org")
    desktop.type_into("team", "Bar")
    desktop.activate("Send invitation", "invited-one")
    assert (
        "We have emailed an invitation to sam@example.org."
        in page.locator(".notification").inner_text()
    )

    desktop.tab_to(element_id="file")
    page.set_input_files("#file", str(staff))  # the system's file picker is not the page's to test
    desktop.activate("Upload and invite", "report")
    report = page.locator("main").inner_text()
    assert "2 people invited." in report and "2 rows were not invited" in report
    assert "This is not a valid email address." in report and "Already a member" in report

    # Signed in with another address, the invitation says whose it is and offers no Join.
    with app.app_context():
        omar_link = link_in(queued_emails(to="omar@example.org")[0], "/join/invitation/")
    page.goto(omar_link)
    desktop.audit("invitation-for-another-address")
    refused = page.locator("main").inner_text()
    assert "This invitation is for another email address" in refused
    assert "sent to omar@example.org, but you are signed in as boss@example.org" in refused
    assert page.locator("main button").count() == 0
    desktop.activate("Sign out", "signed-out")

    with app.app_context():
        link = link_in(queued_emails(to="nia@example.org")[0], "/join/invitation/")
    page.goto(link)
    desktop.audit("invitation")
    desktop.activate("Create an account and join", "register")
    assert page.locator("#email").input_value() == "nia@example.org"
    assert page.locator("#name").input_value() == "Nia New"
    desktop.type_into("password", STRONG_PASSWORD)
    desktop.activate("Create account and join", "check-email")

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nia@example.org"))
        # The link was emailed to this address, so registering through it confirms it.
        assert user is not None and user.email_verified
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        assert membership is not None and membership.team == "Box office"
