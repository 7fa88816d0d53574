"""Translating on the web, by keyboard, with axe-core on every page: an author opens a module's
translations, picks Welsh and a lesson that is not translated, leaves a field empty and is told
where, fills it in beside the English, saves and publishes; a Welsh reader then gets the lesson in
Welsh. The editor is also checked at 360 pixels: the English above its field, nothing wider than
the screen."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from course.accounts.models import Role
from course.catalogue.models import Module
from course.extensions import db
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession, sign_in_with_code
from tests.fixtures.factories import make_user, new_two_factor_secret
from tests.fixtures.translations import translate_into_welsh

WELSH_LESSON = (
    "## Pan fydd yn ddiogel\n\n::: region uk\nFfoniwch 999.\n:::\n\n::: region us\n"
    "Ffoniwch 911.\n:::\n\n::: region au\nFfoniwch 000.\n:::\n\n::: region eu\n"
    "Ffoniwch 112.\n:::\n"
)


def author_with_welsh_course(app: Flask, bundle: Path) -> tuple[str, int]:
    translate_into_welsh(app, bundle)
    import_bundle(app, bundle)
    secret = new_two_factor_secret()
    with app.app_context():
        make_user(email="cyfieithydd@example.org", role=Role.AUTHOR, two_factor_secret=secret)
        module_id = db.session.scalar(select(Module.id).where(Module.slug == "staying-safe"))
    assert module_id is not None
    return secret, module_id


def test_an_author_translates_a_lesson_and_a_welsh_reader_gets_it(
    desktop: BrowserSession, app: Flask, bundle: Path
) -> None:
    secret, module_id = author_with_welsh_course(app, bundle)
    page = desktop.page

    sign_in_with_code(desktop, "cyfieithydd@example.org", secret, "author")
    desktop.open(f"/admin/modules/{module_id}/", label="module")
    desktop.activate("Translate the module", "translations")
    desktop.tab_to(text="Cymraeg")  # the header's language switcher comes first
    desktop.activate("Cymraeg", "welsh")
    assert page.get_attribute("html", "lang") == "en"
    row = page.locator("tr", has_text="02-calling-for-help.md")
    assert "Not translated" in row.inner_text()
    desktop.tab_to(text="Lesson")  # the first lesson is translated; go on to the second
    desktop.activate("Lesson", "lesson-2")
    assert page.url.endswith("/translations/cy/lesson:02-calling-for-help.md")
    assert page.locator("#field-0-markdown").get_attribute("lang") == "cy"
    english = page.locator(".translation-row__source").nth(1).inner_text()
    assert english.startswith("## When it is safe")

    desktop.type_into("field-0-markdown", WELSH_LESSON)
    desktop.expect_error_status(
        f"/admin/modules/{module_id}/translations/cy/lesson:02-calling-for-help.md"
    )
    desktop.activate("Save the translation", "refused")
    assert (
        "Title: Enter the translation of this text" in page.locator(".error-summary").inner_text()
    )
    assert page.locator("#field-0-markdown").input_value().startswith("## Pan fydd yn ddiogel")

    desktop.type_into("field-0-title", "Galw am help")
    desktop.activate("Save the translation", "saved")
    assert "The translation is saved in the draft." in page.locator(".notification").inner_text()
    assert (
        "Not translated" not in page.locator("tr", has_text="02-calling-for-help.md").inner_text()
    )
    desktop.open(f"/admin/modules/{module_id}/", label="module-with-draft")
    desktop.activate("Publish", "published")

    desktop.activate("Sign out", "signed-out")
    desktop.activate("Cymraeg", "welsh-home")
    desktop.open("/modules/staying-safe/calling-for-help", label="welsh-lesson")
    assert page.locator("h1").inner_text() == "Galw am help"
    assert "Ffoniwch 999." in page.locator(".prose").inner_text()


def test_the_translation_editor_fits_a_phone(
    phone: BrowserSession, app: Flask, bundle: Path
) -> None:
    secret, module_id = author_with_welsh_course(app, bundle)
    page = phone.page

    sign_in_with_code(phone, "cyfieithydd@example.org", secret, "author")
    phone.open(
        f"/admin/modules/{module_id}/translations/cy/question:numbers", label="question-numbers"
    )
    overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0, f"{overflow} pixels too wide"
    english = page.locator(".translation-row__source").first.bounding_box()
    field = page.locator("#field-0-prompt").bounding_box()
    assert english is not None and field is not None
    assert field["y"] >= english["y"] + english["height"], "the English above its field"
