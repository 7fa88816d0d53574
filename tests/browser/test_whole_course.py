"""The whole course in a real browser: a UK learner takes it by keyboard; regions differ."""

from __future__ import annotations

from flask import Flask

from course.config import PROJECT_ROOT
from course.core.regions import Region
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession, take_module_by_keyboard
from tests.fixtures.factories import STRONG_PASSWORD, make_user

COURSE = PROJECT_ROOT / "modules"


def test_a_uk_learner_takes_the_whole_course_by_keyboard(
    desktop: BrowserSession, app: Flask
) -> None:
    import_bundle(app, COURSE)
    with app.app_context():
        make_user(email="ada@example.org", region=Region.UK)
    desktop.sign_in("ada@example.org", STRONG_PASSWORD, "dashboard")
    page = desktop.page

    for number in range(1, 9):
        desktop.activate("Continue where you left off", f"module-{number}-lesson-1")
        take_module_by_keyboard(desktop, app, f"module-{number}")
        desktop.activate("Back to the course", f"after-module-{number}")
        assert (
            f"You have completed {number} of 8 modules."
            in page.locator(".progress__label").inner_text()
        )

    desktop.activate("Dashboard", "dashboard-complete")
    assert "You have completed every module of the course." in page.locator("main").inner_text()


def test_a_us_learner_sees_run_hide_fight_and_911_where_a_uk_learner_sees_tell_and_999(
    desktop: BrowserSession, app: Flask
) -> None:
    import_bundle(app, COURSE)
    with app.app_context():
        make_user(email="uk@example.org", region=Region.UK)
        make_user(email="us@example.org", region=Region.US)

    seen: dict[str, tuple[str, str]] = {}
    for email in ("uk@example.org", "us@example.org"):
        desktop.open("/login", label=f"{email}-login")
        desktop.sign_in(email, STRONG_PASSWORD, f"{email}-dashboard")
        steps = desktop.open("/modules/weapons-attack/three-steps", label=f"{email}-steps")
        mnemonic = steps.locator(".prose h2").first.inner_text()
        numbers = desktop.open(
            "/modules/summary-and-who-to-call/numbers-to-call", label=f"{email}-numbers"
        )
        first_number = numbers.locator(".prose li strong").first.inner_text()
        seen[email] = (mnemonic, first_number)
        desktop.activate("Sign out", f"{email}-signed-out")

    assert seen["uk@example.org"] == ("Run, Hide, Tell", "999:")
    assert seen["us@example.org"] == ("Run, Hide, Fight", "911:")
