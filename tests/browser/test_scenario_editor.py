"""Writing a branching scenario on the web, by keyboard, with axe-core on every page: an author
adds one to a module from the starter text, sees every step in the preview as they type, gets a
mistake reported at its line, fixes it, saves and publishes; a visitor then plays it to its good
ending. The editor is also checked at 360 pixels: one column, nothing wider than the screen."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from course.accounts.models import Role
from course.catalogue.models import Module
from course.extensions import db
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import (
    BrowserSession,
    play_scenario_by_keyboard,
    sign_in_with_code,
)
from tests.fixtures.factories import make_user, new_two_factor_secret

STEPS = """\
start: at-the-door
steps:
- id: at-the-door
  text: |
    You run the door of a busy café. A customer leaves a heavy bag under a table and walks out.
  choices:
  - label: Ask the people at the next table if it is theirs
    next: nobody-knows
    feedback: |
      Good: asking is a quick, safe first check.
  - label: Carry the bag outside
    next: carried
    feedback: |
      Never move a suspicious item: moving it could set it off.
- id: nobody-knows
  text: |
    Nobody knows whose it is.
  choices:
  - label: Move people away and call the police
    next: safe
    feedback: |
      Good: distance keeps people safe, and the police can act.
  - label: Wait for the owner to come back
    next: carried
    feedback: |
      Waiting keeps people close to it.
- id: carried
  ending: bad
  text: |
    You were close to it when it mattered.
- id: safe
  ending: good
  text: |
    The police arrive and take over. Everyone is safe.
"""


def editor_is_usable_and_fits(session: BrowserSession) -> None:
    overflow = session.page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0, f"{session.page.url} is {overflow} pixels too wide"


def test_an_author_writes_a_scenario_and_a_visitor_plays_it(
    desktop: BrowserSession, app: Flask
) -> None:
    import_bundle(app)
    secret = new_two_factor_secret()
    with app.app_context():
        make_user(email="writer@example.org", role=Role.AUTHOR, two_factor_secret=secret)
        module_id = db.session.scalar(select(Module.id).where(Module.slug == "staying-safe"))
    page = desktop.page

    sign_in_with_code(desktop, "writer@example.org", secret, "author")
    desktop.open(f"/admin/modules/{module_id}/", label="module")
    desktop.activate("Add a branching scenario", "new-scenario")
    assert page.locator("#steps").input_value().startswith("start: first-step")
    desktop.type_into("title", "At the café")
    desktop.type_into("slug", "at-the-cafe")
    desktop.tab_to(element_id="steps")
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(STEPS.replace("next: safe", "next: safe-now"))
    page.keyboard.type(" ")  # typing refreshes the preview: here, with the mistake, none
    page.wait_for_function(
        "() => document.getElementById('live-preview').innerText.includes('once the problems')"
    )
    desktop.expect_error_status(f"/admin/modules/{module_id}/lessons/new-scenario")
    desktop.activate("Save the scenario", "scenario-refused")
    summary = page.locator(".error-summary").inner_text()
    assert "Line 20: the choice 'Move people away and call the police' leads to 'safe-now'" in (
        summary
    ), summary

    desktop.tab_to(element_id="steps")
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(STEPS)
    page.keyboard.type("\n")
    page.wait_for_function(
        "() => document.getElementById('live-preview').innerText.includes('a good ending')"
    )
    desktop.activate("Preview", "scenario-preview")
    preview = page.locator("#live-preview")
    assert preview.locator("section[id^=step-]").count() == 4
    desktop.tab_to(text="Leads to safe")
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#step-safe"
    desktop.activate("Save the scenario", "scenario-saved")
    assert "Lesson 3 is saved in the draft." in page.locator(".notification").inner_text()
    desktop.activate("At the café", "scenario-reopened")
    assert page.locator("#steps").input_value() == STEPS
    desktop.open(f"/admin/modules/{module_id}/", label="module-with-scenario")
    desktop.activate("Publish", "published")

    desktop.activate("Sign out", "signed-out")
    desktop.open("/modules/staying-safe/at-the-cafe", label="visitor-scenario")
    play_scenario_by_keyboard(desktop, "visitor")
    assert "A good ending" in page.locator("main").inner_text()


def test_the_scenario_editor_fits_a_phone(phone: BrowserSession, app: Flask) -> None:
    import_bundle(app)
    secret = new_two_factor_secret()
    with app.app_context():
        make_user(email="writer@example.org", role=Role.AUTHOR, two_factor_secret=secret)
        module_id = db.session.scalar(select(Module.id).where(Module.slug == "staying-safe"))
    page = phone.page

    sign_in_with_code(phone, "writer@example.org", secret, "author")
    phone.open(f"/admin/modules/{module_id}/lessons/new-scenario", label="new-scenario")
    editor_is_usable_and_fits(phone)
    phone.type_into("title", "At the café")
    phone.type_into("slug", "at-the-cafe")
    phone.activate("Preview", "scenario-preview")
    text_box = page.locator("#steps").bounding_box()
    preview_box = page.locator("#live-preview").bounding_box()
    assert text_box is not None and preview_box is not None
    assert preview_box["y"] >= text_box["y"] + text_box["height"], "one column on a phone"
    assert "Worth fixing before you publish" in page.locator("#live-preview").inner_text()
    editor_is_usable_and_fits(phone)
