"""Choosing a language in a real browser, by keyboard, with axe-core on every page: a visitor
picks Cymraeg, then العربية (the page turns right to left and still fits a phone), then Français,
and each page is in that language."""

from __future__ import annotations

from flask import Flask

from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession


def test_a_visitor_switches_language_by_keyboard(phone: BrowserSession, app: Flask) -> None:
    import_bundle(app)
    page = phone.page
    phone.open("/who-to-call", label="english")
    assert page.get_attribute("html", "lang") == "en"

    for name, code, direction, heading_word in (
        ("Cymraeg", "cy", "ltr", "ffonio"),
        ("العربية", "ar", "rtl", "تتصلون"),
        ("Français", "fr", "ltr", "appeler"),
    ):
        phone.activate(name, f"who-to-call-{code}")
        assert page.url.endswith("/who-to-call")
        assert page.get_attribute("html", "lang") == code
        assert page.get_attribute("html", "dir") == direction
        assert heading_word in page.locator("h1").inner_text().lower()
        overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{code}: {overflow} pixels wider than the phone"
    phone.open("/modules/staying-safe/the-steps", label="lesson-in-english-on-a-french-page")
    assert page.locator(".prose").first.get_attribute("lang") == "en"
