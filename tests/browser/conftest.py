"""Real-browser fixtures: the system Chromium driven by Playwright, the app served on a free port.

Every page a test loads must be audited with :meth:`BrowserSession.audit`, which runs axe-core on it
(failing on any violation) and saves a screenshot under ``tests/browser/artifacts/``. A test that
loads a page and never audits it fails, as does any error in the browser console (a blocked inline
script or style shows up there as a Content-Security-Policy violation).

Without Chromium at ``/usr/bin/chromium`` these tests are skipped with the reason shown, except when
the ``CI`` environment variable is set: there a missing browser fails the run.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}

axe = Axe()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the browser tests")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test's app served over http on 127.0.0.1, on a port the system picks."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


class BrowserSession:
    """One browser tab on the live server, with the checks every page must pass."""

    def __init__(self, page: Page, base_url: str, test_name: str) -> None:
        self.page = page
        self.base_url = base_url
        self.test_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", test_name).strip("-")
        self.console_errors: list[str] = []
        self.loaded: list[str] = []
        self.audited: list[str] = []
        self.pages_expected_to_fail: set[str] = set()
        page.on("console", self._remember_console_error)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("load", lambda loaded_page: self.loaded.append(loaded_page.url))

    def _remember_console_error(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if message.location.get("url") in self.pages_expected_to_fail and (
            message.text.startswith("Failed to load resource")
        ):
            return  # the browser reports an error status of the page itself here
        self.console_errors.append(message.text)

    def expect_error_status(self, path: str) -> None:
        """Declare that loading ``path`` answers with an error status, as an error page should."""
        self.pages_expected_to_fail.add(self.url(path))

    def url(self, path: str) -> str:
        return self.base_url + path

    def open(self, path: str, label: str | None = None) -> Page:
        """Load ``path``, check it is served, and audit it."""
        response = self.page.goto(self.url(path))
        assert response is not None and response.ok, (
            f"{path} answered {response and response.status}"
        )
        self.audit(label or path)
        return self.page

    def audit(self, label: str) -> None:
        """Run axe-core on the page as it is now, fail on any violation, save a screenshot."""
        self.page.wait_for_load_state("load")
        results = axe.run(self.page)
        self.screenshot(label)
        assert results.violations_count == 0, (
            f"axe-core found problems on {self.page.url}:\n{results.generate_report()}"
        )
        self.audited.append(self.page.url)

    def screenshot(self, label: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        width = self.page.viewport_size["width"] if self.page.viewport_size else 0
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-") or "home"
        path = ARTIFACTS / f"{self.test_name}--{name}--{width}px.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def focused(self) -> dict[str, str]:
        """The id, tag and text of the element that has the keyboard focus."""
        return self.page.evaluate(
            """() => ({id: document.activeElement.id, tag: document.activeElement.tagName,
                      text: document.activeElement.textContent.trim()})"""
        )

    def tab_to(self, *, element_id: str | None = None, text: str | None = None) -> None:
        """Press Tab until the element with ``element_id``, or whose text starts with ``text``,
        has the focus; fail if it is never reached."""
        for _ in range(80):
            self.page.keyboard.press("Tab")
            focused = self.focused()
            if (element_id and focused["id"] == element_id) or (
                text and focused["text"].startswith(text)
            ):
                return
        raise AssertionError(f"Tab never reached {element_id or text!r} on {self.page.url}")

    def type_into(self, element_id: str, value: str) -> None:
        """Tab to a field and type ``value`` into it, as a keyboard user would."""
        self.tab_to(element_id=element_id)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(value)

    def activate(self, text: str, label: str) -> None:
        """Tab to the link or button whose text starts with ``text``, press Enter, and audit the
        page it leads to under ``label``."""
        self.tab_to(text=text)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.audit(label)

    def sign_in(self, email: str, password: str, label: str = "signed-in") -> None:
        """Sign in from the sign-in page by keyboard, and audit the page it leads to."""
        if "/login" not in self.page.url:
            self.open("/login")
        self.type_into("email", email)
        self.type_into("password", password)
        self.activate("Sign in", label)

    def check_finished(self) -> None:
        unaudited = sorted(set(self.loaded) - set(self.audited))
        assert unaudited == [], f"pages loaded but never audited with axe-core: {unaudited}"
        assert self.console_errors == [], f"errors in the browser console: {self.console_errors}"


def open_session(
    browser: Browser, live_server: str, request: pytest.FixtureRequest, viewport: dict[str, int]
) -> Iterator[BrowserSession]:
    context = browser.new_context(viewport=viewport, locale="en-GB")
    session = BrowserSession(context.new_page(), live_server, request.node.name)
    yield session
    try:
        session.check_finished()
    finally:
        context.close()


@pytest.fixture
def desktop(
    browser: Browser, live_server: str, request: pytest.FixtureRequest
) -> Iterator[BrowserSession]:
    """A tab 1280 pixels wide."""
    yield from open_session(browser, live_server, request, DESKTOP)


@pytest.fixture
def phone(
    browser: Browser, live_server: str, request: pytest.FixtureRequest
) -> Iterator[BrowserSession]:
    """A tab 360 pixels wide, the width of a small phone."""
    yield from open_session(browser, live_server, request, PHONE)
