"""The form macro: labels, hints, errors and the error summary, linked for assistive technology."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.fixtures.web import csrf_token_from


def test_fields_render_with_labels_hints_and_optional_marker(client: FlaskClient) -> None:
    page = client.get("/_test/form").get_data(as_text=True)

    assert '<label class="label" for="full_name">Full name</label>' in page
    assert '<div id="full_name-hint" class="hint">As you would like it printed' in page
    assert 'aria-describedby="full_name-hint"' in page
    assert 'autocomplete="name"' in page and 'spellcheck="false"' in page
    assert 'Nickname <span class="optional">(optional)</span>' in page
    assert '<legend class="fieldset__legend">Where do you live?</legend>' in page
    assert '<label class="choice__label" for="region-0">United Kingdom</label>' in page
    assert "There is a problem" not in page
    assert "<title>Sample form – CT Citizen</title>" in page


def test_errors_are_summarised_at_the_top_and_shown_at_each_field(client: FlaskClient) -> None:
    token = csrf_token_from(client.get("/_test/form").get_data(as_text=True))

    page = client.post("/_test/form", data={"csrf_token": token, "email": "not-an-email"}).get_data(
        as_text=True
    )

    start = page.index("There is a problem")
    summary = page[start : page.index("</ul>", start)]
    assert '<a href="#full_name">Enter your full name</a>' in summary
    assert '<a href="#email">Enter an email address like name@example.com</a>' in summary
    assert '<a href="#region-0">Select where you live</a>' in summary
    assert "Nickname" not in summary
    assert page.index("There is a problem") < page.index("<h1")
    assert "<title>Error: Sample form – CT Citizen</title>" in page
    assert '<p id="email-error" class="error-message">' in page
    assert 'aria-describedby="full_name-hint full_name-error"' in page
    assert 'class="input input--error"' in page
    assert 'value="not-an-email"' in page  # what was typed is kept
    assert '<fieldset class="fieldset" aria-describedby="region-error">' in page
