"""A branching scenario in a real browser, by keyboard only: one way through to a good ending, then
from the start again to a bad one; every step, feedback page and ending checked by axe-core."""

from __future__ import annotations

from collections import deque
from typing import Any

from flask import Flask

from course.catalogue.bundle import read_bundle
from course.catalogue.scenarios import Ending
from course.config import PROJECT_ROOT
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession, choose_by_keyboard

COURSE = PROJECT_ROOT / "modules"
MODULE = "suspicious-items"


def way_to(scenario: dict[str, Any], ending: Ending) -> list[int]:
    """The choices (numbered from 1) of a shortest way from the start to an ending of a kind."""
    by_id = {step["id"]: step for step in scenario["steps"]}
    ways: deque[tuple[str, list[int]]] = deque([(scenario["start"], [])])
    seen = {scenario["start"]}
    while ways:
        step_id, choices = ways.popleft()
        step = by_id[step_id]
        if step.get("ending") == ending:
            return choices
        for number, choice in enumerate(step.get("choices", []), start=1):
            if choice["next"] not in seen:
                seen.add(choice["next"])
                ways.append((choice["next"], [*choices, number]))
    raise AssertionError(f"no way to a {ending} ending")


def test_a_visitor_plays_a_scenario_to_a_good_and_a_bad_ending_by_keyboard(
    desktop: BrowserSession, app: Flask
) -> None:
    import_bundle(app, COURSE)
    [module] = [module for module in read_bundle(COURSE).modules if module.slug == MODULE]
    [lesson] = [lesson for lesson in module.lessons if lesson.scenario is not None]
    scenario = lesson.scenario
    assert scenario is not None
    by_id = {step["id"]: step for step in scenario["steps"]}
    page = desktop.page
    desktop.open(f"/modules/{MODULE}/{lesson.slug}", label="start")

    for ending in (Ending.GOOD, Ending.BAD):
        step = by_id[scenario["start"]]
        for number in way_to(scenario, ending):
            choice = step["choices"][number - 1]
            choose_by_keyboard(desktop, number)
            desktop.activate("Choose", f"{ending}-{step['id']}-feedback")
            assert choice["label"] in page.locator("h1").inner_text()
            desktop.activate("See what happens next", f"{ending}-{choice['next']}")
            step = by_id[choice["next"]]
        main = page.locator("main").inner_text()
        assert f"A {ending} ending" in main
        desktop.activate("Start the scenario again", f"{ending}-start-again")
        assert page.locator("legend").inner_text() == "What do you do?"


def test_choosing_nothing_says_so_and_the_choice_can_be_made_after(
    desktop: BrowserSession, app: Flask
) -> None:
    import_bundle(app, COURSE)
    [module] = [module for module in read_bundle(COURSE).modules if module.slug == MODULE]
    [lesson] = [lesson for lesson in module.lessons if lesson.scenario is not None]
    assert lesson.scenario is not None
    scenario_start = lesson.scenario["start"]
    page = desktop.page
    desktop.open(f"/modules/{MODULE}/{lesson.slug}", label="start")

    # A form with nothing chosen sends no field: the address ends in a bare "?".
    desktop.expect_error_status(f"/modules/{MODULE}/{lesson.slug}/steps/{scenario_start}/feedback?")
    desktop.tab_to(text="Choose")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    desktop.audit("nothing-chosen")

    assert "Choose what you would do." in page.locator(".error-summary").inner_text()
    choose_by_keyboard(desktop, 1)
    desktop.activate("Choose", "chosen")
    assert page.locator("h1").inner_text().startswith("You chose:")
