"""User administration in a real browser, by keyboard: an admin finds a learner, makes them an
author, and finds the change in the audit log; corrects and revokes a certificate."""

from __future__ import annotations

import time

import pyotp
from flask import Flask

from course.accounts.models import Role, User
from course.catalogue.services import the_course
from course.certificates import services as certificates
from course.certificates.models import Certificate
from course.extensions import db
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession
from tests.fixtures.factories import STRONG_PASSWORD, make_user, new_two_factor_secret
from tests.fixtures.learning import complete_course


def test_an_admin_changes_a_role_and_sees_it_in_the_audit_log(
    desktop: BrowserSession, app: Flask
) -> None:
    secret = new_two_factor_secret()
    with app.app_context():
        make_user(
            email="chief@example.org", name="Chief Admin", role=Role.ADMIN, two_factor_secret=secret
        )
        lee = make_user(email="lee@example.org", name="Lee Learner")
        make_user(email="sam@example.org", name="Sam Someone")
        lee_id = lee.id
    page = desktop.page
    desktop.sign_in("chief@example.org", STRONG_PASSWORD, "two-factor")
    desktop.type_into("code", pyotp.TOTP(secret).at(time.time() + 30))
    desktop.activate("Continue", "signed-in")

    desktop.open("/admin/", label="admin-area")
    desktop.activate("Users", "users")
    desktop.type_into("q", "lee")
    desktop.activate("Search", "users-found")
    assert "Sam Someone" not in page.locator("main").inner_text()
    desktop.activate("Lee Learner", "user")
    assert "lee@example.org" in page.locator("main").inner_text()

    desktop.tab_to(element_id="role")
    page.keyboard.type("Author")
    desktop.activate("Change role", "role-changed")
    assert "Lee Learner is now an author." in page.locator(".notification").inner_text()

    desktop.open("/admin/audit/", label="audit-log")
    log = page.locator("main").inner_text()
    assert "user.role_changed" in log and "chief@example.org" in log
    assert "Changed the role of lee@example.org from learner to author." in log
    with app.app_context():
        assert db.session.get(User, lee_id).role == Role.AUTHOR  # type: ignore[union-attr]


def test_an_admin_corrects_and_revokes_a_certificate(desktop: BrowserSession, app: Flask) -> None:
    import_bundle(app)
    secret = new_two_factor_secret()
    with app.test_request_context():
        make_user(email="chief@example.org", role=Role.ADMIN, two_factor_secret=secret)
        ada = make_user(email="ada@example.org", name="Ada Lovelace")
        course = the_course()
        assert course is not None
        complete_course(ada, course)
        certificate = certificates.issue_certificate(ada, course, "Ada Lovelce")
        db.session.commit()
        ada_id, certificate_id = ada.id, certificate.id
    page = desktop.page
    desktop.sign_in("chief@example.org", STRONG_PASSWORD, "two-factor")
    desktop.type_into("code", pyotp.TOTP(secret).at(time.time() + 30))
    desktop.activate("Continue", "signed-in")
    desktop.open(f"/admin/users/{ada_id}", label="user-with-certificate")

    desktop.type_into(f"name-{certificate_id}-holder_name", "Ada Lovelace")
    desktop.activate("Correct the name", "name-corrected")
    assert "now shows Ada Lovelace" in page.locator(".notification").inner_text()

    desktop.activate("Revoke", "revoke-without-reason")
    assert (
        "Give a reason for revoking the certificate" in page.locator(".error-summary").inner_text()
    )
    desktop.type_into(f"revoke-{certificate_id}-reason", "Issued by mistake")
    desktop.activate("Revoke", "revoke-confirmation")
    assert "Are you sure you want to revoke" in page.locator("h1").inner_text()
    assert "You cannot undo this." in page.locator("main").inner_text()
    with app.app_context():
        assert db.session.get(Certificate, certificate_id).revoked_at is None  # type: ignore[union-attr]
    desktop.activate("Yes, revoke", "revoked")
    assert "is revoked" in page.locator(".notification").inner_text()

    with app.app_context():
        stored = db.session.get(Certificate, certificate_id)
        assert stored is not None
        assert stored.holder_name == "Ada Lovelace" and stored.revoked_at is not None
