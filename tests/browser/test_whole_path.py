"""The whole path in a real browser, by keyboard: from registering to a certificate in one sitting,
with no second sign-in and no detour, pressing only each page's main button."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from playwright.sync_api import Request

from course.catalogue.services import the_course
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession, take_module_by_keyboard
from tests.fixtures.factories import STRONG_PASSWORD
from tests.fixtures.mail import link_in, queued_emails
from tests.fixtures.pdf import require_tools, run


def test_a_new_learner_registers_takes_every_module_and_gets_a_certificate_without_signing_in(
    desktop: BrowserSession, app: Flask, tmp_path: Path
) -> None:
    require_tools("pdftotext")
    import_bundle(app)
    with app.app_context():
        course = the_course()
        assert course is not None
        modules = [module.current_version.title for module in course.required_modules]
    page = desktop.page
    visited: list[str] = []  # every page the browser was sent to, redirects included

    def remember(request: Request) -> None:
        if request.is_navigation_request():
            visited.append(urlsplit(request.url).path)

    page.on("request", remember)

    desktop.open("/")
    desktop.activate("Create an account", "register")
    desktop.type_into("name", "Grace Hopper")
    desktop.type_into("email", "grace@example.org")
    desktop.type_into("password", STRONG_PASSWORD)
    desktop.activate("Create account", "check-email")
    assert page.locator("h1").inner_text() == "Check your email"
    registered_at = len(visited)

    with app.app_context():
        confirmation = link_in(queued_emails(to="grace@example.org")[-1], "/account/confirm/")
    page.goto(confirmation)
    desktop.audit("confirm-email")
    desktop.activate("Confirm my email address", "dashboard")
    assert page.locator("h1").inner_text() == "Your dashboard"

    desktop.activate("Continue where you left off", "module-1-lesson-1")
    for number in range(1, len(modules) + 1):
        take_module_by_keyboard(desktop, app, f"module-{number}")
        if number < len(modules):
            desktop.activate(f"Go on to {modules[number]}", f"module-{number + 1}-lesson-1")
    desktop.activate("Get your certificate", "completion")
    assert page.locator("h1").inner_text() == "You have completed the course"
    assert page.locator("#holder_name").input_value() == "Grace Hopper"
    desktop.activate("Get my certificate", "certificate-ready")
    assert page.locator("h1").inner_text() == "Your certificate is ready"

    desktop.tab_to(text="Download your certificate (PDF)")
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert "Grace Hopper" in run("pdftotext", str(saved), "-")

    after_registering = visited[registered_at:]
    assert not [path for path in after_registering if path.startswith("/login")]
    # No detour: past the dashboard, only lessons, quizzes and the completion page; never a
    # module's page or the course overview.
    learning = after_registering[after_registering.index("/dashboard") + 1 :]
    assert all(
        (path.startswith("/modules/") and path.count("/") >= 3) or path.startswith("/certificates/")
        for path in learning
    ), learning
