"""An organisation in a real browser by keyboard: create it, a learner joins, the manager sees."""

from __future__ import annotations

from flask import Flask

from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession
from tests.fixtures.factories import STRONG_PASSWORD, make_user


def test_create_an_organisation_and_see_a_learner_join(desktop: BrowserSession, app: Flask) -> None:
    import_bundle(app)
    with app.app_context():
        make_user(email="boss@example.org", name="Bea Boss")
        make_user(email="learner@example.org", name="Lee Learner")
    page = desktop.page
    desktop.sign_in("boss@example.org", STRONG_PASSWORD, "dashboard")
    page.goto(desktop.url("/orgs/new"))
    desktop.audit("create")
    desktop.type_into("name", "Harbour Arts Centre")
    desktop.type_into("due_days", "30")
    desktop.activate("Create organisation", "manage")
    join_url = page.locator("p.code").inner_text().strip()
    desktop.activate("Sign out", "signed-out")

    desktop.open("/login", label="learner-login")
    desktop.sign_in("learner@example.org", STRONG_PASSWORD, "learner-dashboard")
    page.goto(join_url)
    desktop.audit("join")
    assert "can see your name, email address, progress" in page.locator("main").inner_text()
    desktop.activate("Join Harbour Arts Centre", "joined")
    assert "You have joined Harbour Arts Centre" in page.locator(".notification").inner_text()
    desktop.activate("Sign out", "learner-signed-out")

    desktop.open("/login", label="boss-login-again")
    desktop.sign_in("boss@example.org", STRONG_PASSWORD, "boss-dashboard")
    desktop.activate("Your account", "account")
    desktop.activate("Organisations that can see your progress", "organisations")
    desktop.activate("Manage Harbour Arts Centre", "members")
    table = page.get_by_role("table", name="Members and their progress").inner_text()
    assert "Lee Learner" in table and "0 of 2" in table
