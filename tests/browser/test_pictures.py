"""The course's pictures in a real browser: every illustrated lesson, in every region, shows each
of its pictures loaded and fitting a 320-pixel screen, and axe-core finds nothing on it."""

from __future__ import annotations

from flask import Flask

from course.catalogue.bundle import read_bundle
from course.catalogue.markdown import picture_references
from course.config import PROJECT_ROOT
from course.core.regions import Region
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession

COURSE = PROJECT_ROOT / "modules"
NARROWEST = {"width": 320, "height": 800}
PICTURES_SHOWN = """() => [...document.querySelectorAll('.prose img')].map(image => ({
  src: image.getAttribute('src'),
  alt: image.alt,
  loaded: image.complete && image.naturalWidth > 0,
  right: image.getBoundingClientRect().right,
}))"""


def test_every_illustrated_lesson_shows_its_pictures_in_every_region_at_320_pixels(
    phone: BrowserSession, app: Flask
) -> None:
    import_bundle(app, COURSE)
    illustrated = [
        f"/modules/{module.slug}/{lesson.slug}"
        for module in read_bundle(COURSE).modules
        for lesson in module.lessons
        if picture_references(lesson.markdown)
    ]
    page = phone.page
    page.set_viewport_size(NARROWEST)
    audited: set[tuple[str, ...]] = set()
    shown_anywhere: set[str] = set()

    for region in Region:
        phone.open("/region?next=/who-to-call", label=f"chooser-{region.value}")
        page.locator(f"input[value='{region.value}']").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Show this advice").click()
        phone.audited.append(page.url)  # the who-to-call page, audited in its own tests
        for path in illustrated:
            page.goto(phone.url(path))
            pictures = page.evaluate(PICTURES_SHOWN)
            where = (region.value, path)
            assert pictures, where
            for picture in pictures:
                assert picture["loaded"] and picture["alt"], (*where, picture)
                assert picture["right"] <= NARROWEST["width"], (*where, picture)
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 320, where
            shown = tuple(sorted(picture["src"] for picture in pictures))
            shown_anywhere.update(shown)
            if shown not in audited:  # the same pictures on the same page: checked once
                phone.audit(f"{region.value}-{path}")
                audited.add(shown)
            else:
                phone.audited.append(page.url)

    assert len(shown_anywhere) >= 16
