"""Leaving, in a real browser, by keyboard, with axe-core on every page: a learner who took the
course, earned a certificate and joined an organisation downloads all their data, deletes their
account, and cannot sign in again; their certificate no longer shows their name, their
organisation no longer lists them, and the course statistics keep their counts."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask

from course.catalogue.services import the_course
from course.certificates import services as certificates
from course.extensions import db
from course.organisations import memberships as organisations
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.learning import complete_course
from tests.fixtures.privacy import course_counts


def test_a_learner_downloads_their_data_then_deletes_their_account(
    desktop: BrowserSession, app: Flask, tmp_path: Path
) -> None:
    import_bundle(app)
    with app.test_request_context():
        course = the_course()
        assert course is not None
        manager = make_user(email="boss@example.org", name="Bea Boss")
        learner = make_user(email="lee@example.org", name="Lee Learner")
        complete_course(learner, course)
        code = certificates.issue_certificate(learner, course, "Lee A. Learner").display_code
        venue = organisations.create_organisation(manager, "Harbour Arts Centre", due_days=30)
        db.session.commit()
        organisations.join(learner, venue, team="Box office")
        db.session.commit()
        venue_id = venue.id
    counts_before = course_counts(app)
    page = desktop.page

    # Download everything.
    desktop.open("/login", label="login")
    desktop.sign_in("lee@example.org", STRONG_PASSWORD, "dashboard")
    desktop.open("/account/", label="account")
    desktop.activate("Download your data", "data-page")
    desktop.tab_to(text="Download your data")
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    saved = tmp_path / "data.json"
    download_info.value.save_as(saved)
    data = json.loads(saved.read_text())
    assert data["profile"]["email"] == "lee@example.org"
    assert data["certificates"][0]["name_printed"] == "Lee A. Learner"
    assert data["organisations"]["memberships"][0]["organisation"] == "Harbour Arts Centre"
    assert data["quiz_attempts"] and data["progress"]

    # Delete the account.
    desktop.open("/account/", label="account-again")
    desktop.activate("Delete your account", "delete-page")
    desktop.type_into("password", STRONG_PASSWORD)
    desktop.activate("Delete my account", "deleted")
    assert "Your account is deleted" in page.locator(".notification").inner_text()

    # Signing in no longer works.
    desktop.open("/login", label="login-after")
    desktop.type_into("email", "lee@example.org")
    desktop.type_into("password", STRONG_PASSWORD)
    desktop.activate("Sign in", "refused")
    assert "The email address or password is not correct" in page.locator("main").inner_text()

    # The certificate no longer shows the name; the organisation no longer lists them.
    desktop.open(f"/verify/{code}", label="certificate")
    text = page.locator("main").inner_text()
    assert "This certificate is no longer available" in text and "Lee" not in text
    desktop.sign_in("boss@example.org", STRONG_PASSWORD, "manager-dashboard")
    desktop.open(f"/orgs/{venue_id}/", label="organisation")
    assert "Lee Learner" not in page.locator("main").inner_text()
    assert course_counts(app) == counts_before
