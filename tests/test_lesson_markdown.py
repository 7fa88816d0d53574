"""Numbers in lessons: a ``tel:`` or ``sms:`` link calls or texts them in one tap, in the editor's
preview and on the learner's page, while links of every other scheme still lose their address
and are refused by the checks."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from course.accounts.models import Role
from course.catalogue.markdown import check_markdown, render_for_region
from course.core.regions import Region
from tests.fixtures.authoring import module_id_of, save_draft_form
from tests.fixtures.clients import signed_in, signed_in_admin

NUMBERS = (
    "In an emergency, call **[999](tel:999)**.\n\n"
    "Call the FBI on [1-800-CALL-FBI (1-800-225-5324)](tel:+18002255324).\n\n"
    "On a train, text British Transport Police on [61016](sms:61016).\n"
)
LINKS = (
    '<a href="tel:999" rel="noopener noreferrer">999</a>',
    '<a href="tel:+18002255324" rel="noopener noreferrer">1-800-CALL-FBI (1-800-225-5324)</a>',
    '<a href="sms:61016" rel="noopener noreferrer">61016</a>',
)
OTHER_SCHEMES = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "file:///etc/passwd",
    "ftp://example.org/file",
    "http://example.org/",
    "callto:999",
]


def test_numbers_linked_with_tel_and_sms_are_links_to_call_and_text() -> None:
    html = render_for_region(NUMBERS, Region.UK)

    for link in LINKS:
        assert link in html
    assert check_markdown(NUMBERS) == []


@pytest.mark.parametrize("target", OTHER_SCHEMES)
def test_links_of_any_other_scheme_lose_their_address_and_are_refused(target: str) -> None:
    markdown = f"[click]({target})\n"

    assert "href" not in render_for_region(markdown, Region.UK)
    assert "href" not in render_for_region(f'<a href="{target}">click</a>\n', Region.UK)
    messages = [issue.message for issue in check_markdown(markdown)]
    assert any(
        "must start with https://, tel: or sms:" in message
        or message == "unsafe link: javascript: URLs are not allowed"
        for message in messages
    ), messages


@pytest.mark.parametrize(
    "target", ["tel:1-800-CALL-FBI", "tel:0800-789-321", "sms:61016?body=hello", "tel:"]
)
def test_a_number_link_that_is_not_only_digits_is_refused(target: str) -> None:
    [issue] = check_markdown(f"Call [the line]({target}).\n")

    assert issue.line == 1
    assert issue.message == (
        f"link {target!r} must give only the digits a phone dials, such as tel:999 or "
        "tel:+18002255324"
    )


def test_an_author_previews_and_publishes_numbers_learners_can_tap(course_app: Flask) -> None:
    author: FlaskClient = signed_in_admin(course_app, "author@example.org", role=Role.AUTHOR)
    module = module_id_of(course_app)
    path = f"/admin/modules/{module}/lessons/new"
    lesson = {
        "title": "Numbers",
        "slug": "numbers",
        "markdown": NUMBERS,
        "sources": "protectuk-run-hide-tell",
    }

    preview = save_draft_form(author, path, {**lesson, "action": "preview", "region": "uk"})
    assert preview.status_code == 200
    for link in LINKS:
        assert link in preview.get_data(as_text=True)

    assert save_draft_form(author, path, {**lesson, "action": "save"}).status_code == 302
    published = save_draft_form(
        author, f"/admin/modules/{module}/publish", {}, f"/admin/modules/{module}/"
    )
    assert published.status_code == 302
    assert "Version 2 is published" in author.get(published.headers["Location"]).get_data(
        as_text=True
    )

    learner = signed_in(course_app, "learner@example.org")
    page = learner.get("/modules/staying-safe/numbers").get_data(as_text=True)
    for link in LINKS:
        assert link in page
