"""The header, footer and forms work with the keyboard alone, with a visible focus everywhere."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.fixtures.browser import BrowserSession

HEADER_AND_FOOTER_LINKS = [
    # The language switcher: every language but the page's, each named in itself.
    ("header", "/language/cy"),
    ("header", "/language/ar"),
    ("header", "/language/fr"),
    ("header", "/"),
    ("header", "/"),
    ("header", "/who-to-call"),
    ("header", "/about"),
    ("header", "/login"),
    ("header", "/register"),
    ("footer", "/who-to-call"),
    ("footer", "/privacy"),
    ("footer", "/accessibility"),
    ("footer", "/about"),
    ("footer", "/verify"),
    # The emergency numbers, each a link that dials it on a phone.
    ("footer", "tel:999"),
    ("footer", "tel:911"),
    ("footer", "tel:000"),
    ("footer", "tel:111"),
    ("footer", "tel:112"),
]

FOCUSED_ELEMENT = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  return {
    tag: element.tagName.toLowerCase(),
    id: element.id,
    href: element.getAttribute("href"),
    region: element.closest("header, main, footer")?.tagName.toLowerCase() || null,
    text: element.textContent.trim(),
    indicator: [style.outlineStyle !== "none" && style.outlineWidth !== "0px",
                style.boxShadow !== "none",
                style.backgroundColor === "rgb(255, 221, 0)"].some(Boolean),
    visible: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0,
  };
}"""


def focused(page: Page) -> dict:
    return page.evaluate(FOCUSED_ELEMENT)


def test_skip_link_comes_first_and_moves_focus_to_the_main_content(desktop: BrowserSession) -> None:
    page = desktop.open("/about")

    page.keyboard.press("Tab")
    skip_link = focused(page)
    assert skip_link["text"] == "Skip to main content"
    assert skip_link["visible"] and skip_link["indicator"]
    desktop.screenshot("skip-link-focused")

    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main-content"


def test_every_header_and_footer_link_is_reached_by_tab_with_a_visible_focus(
    desktop: BrowserSession,
) -> None:
    page = desktop.open("/privacy")

    reached: list[tuple[str, str]] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        element = focused(page)
        if element["tag"] == "body":
            break
        if element["region"] in ("header", "footer") and element["tag"] == "a":
            assert element["indicator"], f"no visible focus on {element}"
            assert element["visible"], f"focused link off screen: {element}"
            reached.append((element["region"], element["href"]))

    assert reached == HEADER_AND_FOOTER_LINKS


def test_a_footer_link_opens_its_page_from_the_keyboard(phone: BrowserSession) -> None:
    page = phone.open("/")

    page.locator("footer a", has_text="Accessibility").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/accessibility")
    phone.audit("accessibility-from-keyboard")

    assert page.locator("h1").inner_text() == "Accessibility statement"


def test_form_errors_are_summarised_focused_and_linked_to_each_field(
    desktop: BrowserSession,
) -> None:
    page = desktop.open("/_test/form", label="form")

    page.locator("button", has_text="Continue").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    desktop.audit("form-with-errors")

    summary = focused(page)
    assert summary["text"].startswith("There is a problem")
    assert page.title() == "Error: Sample form – CT Citizen"
    links = page.locator(".error-summary a")
    assert links.all_inner_texts() == [
        "Enter your full name",
        "Enter your email address",
        "Select where you live",
    ]

    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "email"

    page.keyboard.type("ada@example.org")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "region-0"
    page.keyboard.press("Space")
    assert page.locator("#region-0").is_checked()
