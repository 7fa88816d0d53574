"""Account journeys in a real browser, by keyboard alone, with axe-core on every page."""

from __future__ import annotations

import time

import pyotp
from flask import Flask

from course.accounts.models import Role
from tests.fixtures.browser import BrowserSession
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.mail import link_in, queued_emails

NEW_PASSWORD = "lantern meadow copper violin"


def latest_link(app: Flask, to: str, containing: str) -> str:
    with app.app_context():
        return link_in(queued_emails(to=to)[-1], containing)


def test_register_confirm_sign_out_and_sign_in_again(desktop: BrowserSession, app: Flask) -> None:
    page = desktop.open("/")
    desktop.activate("Create an account", "register")

    desktop.type_into("name", "Grace Hopper")
    desktop.type_into("email", "grace@example.org")
    desktop.tab_to(element_id="region-0")  # the selected radio of the group takes the focus
    page.keyboard.press("ArrowDown")
    assert page.locator("#region-1").is_checked()
    desktop.type_into("password", "password1")
    desktop.activate("Create account", "register-weak-password")
    assert "too common or too easy to guess" in page.locator(".error-summary").inner_text()

    desktop.type_into("password", STRONG_PASSWORD)
    desktop.activate("Create account", "check-email")
    assert page.locator("h1").inner_text() == "Check your email"

    page.goto(latest_link(app, "grace@example.org", "/account/confirm/"))
    desktop.audit("confirm-email")
    # Confirmed in the browser that registered: signed in, on the dashboard, no detour.
    desktop.activate("Confirm my email address", "confirmed-and-signed-in")
    assert "Your email address is confirmed" in page.locator(".notification").inner_text()
    assert page.locator("h1").inner_text() == "Your dashboard"
    desktop.activate("Your account", "account")
    assert "United States" in page.locator(".summary-list").inner_text()
    assert "Confirmed" in page.locator(".summary-list").inner_text()

    desktop.activate("Sign out", "signed-out")
    assert "You have signed out" in page.locator(".notification").inner_text()
    desktop.activate("Sign in", "sign-in-again")
    desktop.sign_in("grace@example.org", STRONG_PASSWORD, "dashboard-again")
    assert page.locator("h1").inner_text() == "Your dashboard"


def test_reset_a_forgotten_password_by_the_emailed_link(phone: BrowserSession, app: Flask) -> None:
    with app.app_context():
        make_user(email="ada@example.org")
    page = phone.open("/login")

    phone.activate("I have forgotten my password", "forgotten-password")
    phone.type_into("email", "ada@example.org")
    phone.activate("Send the link", "reset-email-sent")
    assert "If ada@example.org has an account" in page.locator(".lead").inner_text()

    page.goto(latest_link(app, "ada@example.org", "/password/reset/"))
    phone.audit("choose-new-password")
    phone.type_into("password", NEW_PASSWORD)
    phone.activate("Save the new password", "password-changed")
    assert "Sign in with your new password" in page.locator(".notification").inner_text()

    phone.sign_in("ada@example.org", NEW_PASSWORD, "dashboard")
    assert page.locator("h1").inner_text() == "Your dashboard"


def test_turn_on_two_factor_and_sign_in_with_it(desktop: BrowserSession, app: Flask) -> None:
    with app.app_context():
        make_user(email="ada@example.org")
    page = desktop.open("/login")
    desktop.sign_in("ada@example.org", STRONG_PASSWORD, "dashboard")
    desktop.activate("Your account", "account")

    desktop.activate("Set up two-factor sign-in", "two-factor-set-up")
    secret = page.locator("#secret").inner_text()
    desktop.type_into("code", pyotp.TOTP(secret).now())
    desktop.type_into("password", STRONG_PASSWORD)
    desktop.activate("Turn on two-factor sign-in", "recovery-codes")
    first_codes = page.locator(".code-list li").all_inner_texts()
    assert len(first_codes) == 10
    desktop.activate("I have saved my codes", "account-with-two-factor")
    desktop.activate("Get new recovery codes", "new-recovery-codes")
    desktop.type_into("password", STRONG_PASSWORD)
    desktop.activate("Get new recovery codes", "replaced-recovery-codes")
    new_codes = page.locator(".code-list li").all_inner_texts()
    assert len(new_codes) == 10 and not set(new_codes) & set(first_codes)
    desktop.activate("I have saved my codes", "account-with-new-codes")
    desktop.activate("Sign out", "signed-out")

    desktop.activate("Sign in", "sign-in")
    desktop.sign_in("ada@example.org", STRONG_PASSWORD, "enter-code")
    assert page.locator("h1").inner_text() == "Enter your security code"
    desktop.type_into("code", pyotp.TOTP(secret).at(time.time() + 30))
    desktop.activate("Continue", "signed-in-with-two-factor")
    assert page.locator("h1").inner_text() == "Your dashboard"


def test_a_new_admin_must_set_up_two_factor_before_the_admin_area_opens(
    desktop: BrowserSession, app: Flask
) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "boss@example.org"],
        input=f"{STRONG_PASSWORD}\n{STRONG_PASSWORD}\n",
    )
    assert result.exit_code == 0
    page = desktop.open("/login")
    desktop.sign_in("boss@example.org", STRONG_PASSWORD, "account")

    desktop.activate("Admin", "made-to-set-up-two-factor")
    assert page.locator("h1").inner_text() == "Set up two-factor sign-in"
    assert "to use the admin area" in page.locator(".notification").inner_text()
    secret = page.locator("#secret").inner_text()
    desktop.type_into("code", pyotp.TOTP(secret).now())
    desktop.type_into("password", STRONG_PASSWORD)
    desktop.activate("Turn on two-factor sign-in", "admin-recovery-codes")
    desktop.activate("I have saved my codes", "account")
    desktop.activate("Admin", "admin-area")
    assert page.locator("h1").inner_text() == "Admin area"


def test_a_learner_is_refused_the_admin_area(desktop: BrowserSession, app: Flask) -> None:
    with app.app_context():
        make_user(email="learner@example.org", role=Role.LEARNER)
    page = desktop.open("/login")
    desktop.sign_in("learner@example.org", STRONG_PASSWORD, "account")

    desktop.expect_error_status("/admin/")
    response = page.goto(desktop.url("/admin/"))
    desktop.audit("admin-refused")

    assert response is not None and response.status == 403


def test_a_remembered_device_still_asks_for_the_security_code(
    desktop: BrowserSession, app: Flask
) -> None:
    secret = pyotp.random_base32(length=32)
    with app.app_context():
        make_user(email="ada@example.org", two_factor_secret=secret)
    page = desktop.open("/login")
    desktop.type_into("email", "ada@example.org")
    desktop.type_into("password", STRONG_PASSWORD)
    desktop.tab_to(element_id="remember")
    page.keyboard.press("Space")
    desktop.activate("Sign in", "enter-code")
    desktop.type_into("code", pyotp.TOTP(secret).now())
    desktop.activate("Continue", "signed-in-and-remembered")
    assert page.locator("h1").inner_text() == "Your dashboard"

    # The browser is closed and opened again: the session cookie is gone, "remember me" is not.
    page.context.clear_cookies(name="session")
    desktop.open("/dashboard", "asked-for-the-code")
    assert page.locator("h1").inner_text() == "Enter your security code"
    desktop.type_into("code", pyotp.TOTP(secret).at(time.time() + 30))
    desktop.activate("Continue", "back-on-the-dashboard")
    assert page.locator("h1").inner_text() == "Your dashboard"
