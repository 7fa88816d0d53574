"""Languages in a real browser, by keyboard, with axe-core on every page: a visitor picks Cymraeg,
then العربية (the page turns right to left and still fits a phone), then Français, and each page
is in that language; a learner takes a module and its quiz in each, and gets the certificate."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from flask import Flask
from sqlalchemy import select

from course.catalogue.services import the_course
from course.certificates.models import Certificate
from course.config import PROJECT_ROOT
from course.core.i18n import language_name
from course.extensions import db
from course.learning import services as learning
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import (
    BrowserSession,
    open_attempt_questions,
    take_module_by_keyboard,
    words_in,
)
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.learning import pass_quiz
from tests.fixtures.pdf import run

COURSE = PROJECT_ROOT / "modules"


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


@pytest.mark.parametrize(("code", "direction"), [("cy", "ltr"), ("ar", "rtl"), ("fr", "ltr")])
def test_a_learner_takes_a_module_and_gets_a_certificate_in_their_language(
    desktop: BrowserSession, app: Flask, tmp_path: Path, code: str, direction: str
) -> None:
    """In Welsh, Arabic and French: the module's lessons, scenario and quiz in the language, by
    keyboard, then the certificate for the whole course (the other modules done before), printed
    in the language with the module's translated title."""
    import_bundle(app, COURSE)
    translation = COURSE / "01-understanding-the-threat" / "translations" / code
    title = yaml.safe_load((translation / "module.yaml").read_text(encoding="utf-8"))["title"]
    with app.app_context():
        user = make_user(email="ada@example.org", name="Ada Lovelace")
        course = the_course()
        assert course is not None
        first, *others = course.required_modules
        first_slug = first.slug
        for module in others:
            for lesson in module.current_version.lessons:
                learning.record_lesson_read(user, module, lesson)
            pass_quiz(user, module)
        db.session.commit()
    say = words_in(app, code)
    page = desktop.page

    desktop.sign_in("ada@example.org", STRONG_PASSWORD, f"{code}-dashboard-in-english")
    desktop.activate(language_name(code), f"{code}-dashboard")
    assert page.get_attribute("html", "lang") == code
    assert page.get_attribute("html", "dir") == direction
    desktop.open(f"/modules/{first_slug}/", label=f"{code}-module")
    assert page.locator("h1").inner_text() == title
    assert page.locator("h1").get_attribute("lang") is None  # in the page's language
    desktop.activate(say("Start the first lesson"), f"{code}-lesson-1")
    assert page.locator(".prose").first.get_attribute("lang") is None
    take_module_by_keyboard(desktop, app, code, say)
    assert all(question.get("language") == code for question in open_attempt_questions(app))

    desktop.open("/dashboard", label=f"{code}-dashboard-complete")
    desktop.activate(say("Get your certificate"), f"{code}-completion")
    desktop.activate(say("Get my certificate"), f"{code}-certificate-ready")
    desktop.tab_to(text=say("Download your certificate (PDF)"))
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    text = run("pdftotext", str(saved), "-")
    assert "Ada Lovelace" in text
    if direction == "ltr":  # pdftotext gives Arabic's letters in visual order, not as typed
        assert " ".join(title.split()) in " ".join(text.split())
    with app.app_context():
        assert db.session.scalar(select(Certificate.language)) == code
