"""Analytics in a real browser, by keyboard: an admin opens analytics, then one module's page,
and reads the table of correct answers by question."""

from __future__ import annotations

import pyotp
from flask import Flask

from course.accounts.models import Role
from tests.fixtures.analytics import seed_learners
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession
from tests.fixtures.factories import STRONG_PASSWORD, make_user, new_two_factor_secret


def test_an_admin_reads_a_modules_question_table(desktop: BrowserSession, app: Flask) -> None:
    import_bundle(app)
    seed_learners(app)
    secret = new_two_factor_secret()
    with app.app_context():
        make_user(email="admin@example.org", role=Role.ADMIN, two_factor_secret=secret)
    page = desktop.page
    desktop.sign_in("admin@example.org", STRONG_PASSWORD, "security-code")
    desktop.type_into("code", pyotp.TOTP(secret).now())
    desktop.activate("Continue", "signed-in")

    desktop.open("/admin/", label="admin")
    desktop.activate("Analytics", "analytics")
    overview = page.locator("#modules-table").inner_text()
    assert "Staying safe\t4\t1\t25%" in overview

    desktop.activate("Staying safe", "module")
    assert page.get_by_role("img", name="Learners who read each lesson, in lesson order").count()
    assert page.get_by_role(
        "img", name="Learners who passed, by the attempt they passed on"
    ).count()
    desktop.tab_to(text="Correct answers by question")
    table = page.evaluate("() => document.activeElement.innerText")
    assert "What is the first thing to do if there is an attack" in table
    assert "75%" in table and "Too few answers to judge" in table
