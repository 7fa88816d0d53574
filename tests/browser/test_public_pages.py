"""Every public page in a real browser, at desktop and phone widths, checked with axe-core."""

from __future__ import annotations

import pytest

from course.config import PROJECT_ROOT
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession

PUBLIC_PAGES = [
    "/",
    "/modules/weapons-attack/",
    "/modules/weapons-attack/three-steps",
    "/who-to-call",
    "/login",
    "/register",
    "/password/forgotten",
    "/privacy",
    "/accessibility",
    "/about",
    "/no-such-page",
]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_public_page_is_accessible_and_fits_the_screen(
    width: str, request: pytest.FixtureRequest
) -> None:
    session: BrowserSession = request.getfixturevalue(width)
    import_bundle(request.getfixturevalue("app"), PROJECT_ROOT / "modules")
    session.expect_error_status("/no-such-page")
    for path in PUBLIC_PAGES:
        response = session.page.goto(session.url(path))
        assert response is not None
        assert response.status == (404 if path == "/no-such-page" else 200)
        session.audit(path)

        viewport_width = session.page.viewport_size["width"]  # type: ignore[index]
        page_width = session.page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= viewport_width, f"{path} scrolls sideways at {viewport_width}px"
        assert session.page.locator("h1").count() == 1
        assert session.page.locator("main#main-content").count() == 1


def test_stylesheet_and_script_load_under_the_content_security_policy(
    desktop: BrowserSession,
) -> None:
    page = desktop.open("/")

    header_colour = page.eval_on_selector(
        ".site-header", "element => getComputedStyle(element).backgroundColor"
    )
    assert header_colour == "rgb(18, 38, 63)"  # the stylesheet applied
