"""A visitor abroad gets their own country's advice from the first page, without touching the
chooser, and can change it by keyboard from any learning page, coming back to the same page."""

from __future__ import annotations

from flask import Flask

from course.config import PROJECT_ROOT
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession

LESSON = "/modules/weapons-attack/three-steps"


def test_an_american_visitor_reads_american_advice_and_can_change_country(
    app: Flask, american_desktop: BrowserSession
) -> None:
    import_bundle(app, PROJECT_ROOT / "modules")
    session = american_desktop

    page = session.open(LESSON, "lesson-as-american")
    text = page.locator("main").inner_text()
    assert "Advice for: United States." in text
    assert "Run, Hide, Fight" in text and "Call 911" in text
    assert (
        page.locator("main .prose").get_by_role("link", name="911").first.get_attribute("href")
        == "tel:911"
    )  # one tap to call, in the lesson as on the who-to-call page
    session.open("/who-to-call", "who-to-call-as-american")
    assert page.locator("h2").first.inner_text() == "Where you live: United States"
    assert page.get_by_role("link", name="911").first.get_attribute("href") == "tel:911"
    session.tab_to(text="Print a wallet card")
    card = page.request.get(page.evaluate("document.activeElement.href"))
    assert card.status == 200 and card.headers["content-type"] == "application/pdf"

    session.open(LESSON, "lesson-again")
    session.activate("Change country", "chooser")
    assert page.locator("input[value=us]").is_checked()
    session.tab_to(element_id="region-1")  # Tab lands on the checked choice, United States
    for _ in range(2):  # then the arrows move on: Canada, Australia
        page.keyboard.press("ArrowDown")
    assert page.locator("input[value=au]").is_checked()
    session.activate("Show this advice", "back-on-the-lesson")

    assert page.url.endswith(LESSON)
    text = page.locator("main").inner_text()
    assert "Showing advice for Australia." in text
    assert "Advice for: Australia." in text and "Escape, Hide, Tell" in text
