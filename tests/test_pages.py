"""The public pages: what they say, and the layout every page shares."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fixtures.apps import build_app
from tests.fixtures.clients import signed_in
from tests.fixtures.web import post_form

PUBLIC_PAGES = ["/", "/who-to-call", "/privacy", "/accessibility", "/about"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_one_heading_landmarks_and_footer_links(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("<h1") == 1
    assert '<html lang="en" dir="ltr">' in page
    assert '<a href="#main-content" class="skip-link">Skip to main content</a>' in page
    assert '<main id="main-content"' in page and "<header" in page and "<footer" in page
    footer = page[page.index("<footer") :]
    for link in ("/who-to-call", "/privacy", "/accessibility", "/about"):
        assert f'href="{link}"' in footer


def test_current_page_is_marked_in_the_navigation(client: FlaskClient) -> None:
    page = client.get("/who-to-call").get_data(as_text=True)

    assert re.search(r'href="/who-to-call" class="site-nav__link" aria-current="page"', page)
    assert not re.search(r'href="/about" class="site-nav__link" aria-current="page"', page)


def test_overview_says_what_the_course_is(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)

    assert "CT Citizen: counter-terrorism awareness for everyone" in page
    assert "free" in page and "certificate" in page
    assert "It is free." in page  # no modules published yet, so no minutes to add up


def test_overview_adds_up_the_required_modules_minutes_rounded_up_to_five(
    course_app: Flask,
) -> None:
    page = course_app.test_client().get("/").get_data(as_text=True)

    # The example course's modules take 5 and 3 minutes.
    assert "It is free and takes about 10 minutes in all." in page


def test_who_to_call_lists_emergency_numbers_for_every_region(client: FlaskClient) -> None:
    page = client.get("/who-to-call").get_data(as_text=True)

    for region, numbers in {
        "Where you live: United Kingdom": [
            "999",
            "999, then press 55",
            "0800 789 321",
            "gov.uk/report-terrorism",
            "61016",
            "0800 011 3764",
            "ACT Early Support Line",
            "101",
        ],
        "United States": ["911", "1-800-CALL-FBI", "tips.fbi.gov", "leave the line open"],
        "Canada": ["911", "1-800-420-5805"],
        "Australia": ["000", "000, then press 55", "106", "1800 123 400", "eSafety"],
        "New Zealand": ["111", "105", "0800 747 224"],
        "European Union": ["112"],
        "Elsewhere in the world": ["Your local emergency number"],
    }.items():
        section = page[page.index(f">{region}</h") :]
        section = section[: section.find("</section>")]
        for number in numbers:
            assert number in section, (region, number)
        assert "When:" in section
        assert 'class="tag tag--red"' in section, (region, "no emergency contact")
    assert "You cannot send a text message to 000" in page
    elsewhere = page[page.index(">Elsewhere in the world</h") :]
    elsewhere = elsewhere[: elsewhere.find("</section>")]
    for national_number in ("999", "911", "000", "111", "112"):
        assert national_number not in elsewhere, national_number


def test_about_and_accessibility_state_independence_and_standard(client: FlaskClient) -> None:
    about = client.get("/about").get_data(as_text=True)
    accessibility = client.get("/accessibility").get_data(as_text=True)

    assert "not affiliated with, or endorsed by, any police force or government" in about
    assert "WCAG" in accessibility and "2.2" in accessibility and "level AA" in accessibility


def test_every_page_footer_says_the_course_is_independent(client: FlaskClient) -> None:
    for path in PUBLIC_PAGES:
        page = client.get(path).get_data(as_text=True)
        assert "It is not affiliated with any police force or government." in page, path


def test_privacy_lists_the_essential_cookies(client: FlaskClient) -> None:
    page = client.get("/privacy").get_data(as_text=True)

    assert "only essential cookies" in page
    assert "session:" in page and "remember_token:" in page


def _main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


@pytest.mark.parametrize("path", ["/privacy", "/accessibility"])
def test_a_set_contact_address_is_how_the_page_says_to_reach_whoever_runs_the_site(
    client: FlaskClient, app: Flask, path: str
) -> None:
    app.config["CONTACT_EMAIL"] = "help@example.org"

    page = _main(client.get(path).get_data(as_text=True))

    assert '<a href="mailto:help@example.org">help@example.org</a>' in page
    assert "have not published a contact address" not in page and "whois" not in page


@pytest.mark.parametrize("path", ["/privacy", "/accessibility"])
def test_without_a_contact_address_the_page_says_how_else_to_reach_whoever_runs_the_site(
    client: FlaskClient, path: str
) -> None:
    page = _main(client.get(path).get_data(as_text=True))

    assert "mailto:" not in page
    assert "have not published a contact address" in page
    assert (
        "To reach them: if an organisation, such as your employer, asked you to take this course, "
        "ask it. Or find out who owns this website's address, localhost: search the web for "
        "“whois localhost”."
    ) in page


def test_without_a_contact_address_the_privacy_page_links_what_people_can_do_themselves(
    client: FlaskClient, app: Flask
) -> None:
    contact = _main(client.get("/privacy").get_data(as_text=True)).split(">Contact</h2>")[1]
    learner = signed_in(app, "learner@example.org")

    for path, text in (
        ("/account/data", "Download your data"),
        ("/account/profile", "Correct your details"),
        ("/account/delete", "Delete your account"),
    ):
        assert f'<a href="{path}">{text}</a>' in contact
        assert learner.get(path).status_code == 200, path


def test_without_a_contact_address_the_pages_name_the_sites_own_address(tmp_path: Path) -> None:
    app = build_app(tmp_path, BASE_URL="https://course.example.org")

    for path in ("/privacy", "/accessibility"):
        page = app.test_client().get(path).get_data(as_text=True)
        assert "this website's address, course.example.org:" in page, path
        assert "“whois course.example.org”" in page, path


def test_who_to_call_leads_with_the_visitors_own_region(client: FlaskClient) -> None:
    post_form(client, "/region", {"region": "au"}, form_page="/")

    page = client.get("/who-to-call").get_data(as_text=True)

    assert "Where you live: Australia" in page
    assert page.index("1800 123 400") < page.index("0800 789 321")


def test_numbers_on_who_to_call_can_be_called_and_reporting_sites_opened(
    client: FlaskClient,
) -> None:
    page = client.get("/who-to-call").get_data(as_text=True)

    for dial, number in [
        ("999", "999"),
        ("0800789321", "0800 789 321"),
        ("911", "911"),
        ("18002255324", "1-800-CALL-FBI (1-800-225-5324)"),
        ("18004205805", "1-800-420-5805"),
        ("000", "000"),
        ("111", "111"),
        ("112", "112"),
    ]:
        assert f'<a href="tel:{dial}">{number}</a>' in page, number
    assert '<a href="sms:61016">61016</a>' in page
    for address in (
        "gov.uk/ACT",
        "gov.uk/report-terrorism",
        "tips.fbi.gov",
        "esafety.gov.au/report",
    ):
        assert f">Report online at {address}</a>" in page, address
    assert "tel:" not in page.split("Elsewhere in the world")[-1].split("</section>")[0]


def test_every_page_links_to_the_certificate_check_and_the_about_page_explains_it(
    client: FlaskClient,
) -> None:
    for path in ("/", "/who-to-call", "/login", "/privacy"):
        page = client.get(path).get_data(as_text=True)
        footer = page[page.index('<footer class="site-footer">') :]
        assert '<a href="/verify">Check a certificate</a>' in footer, path
    about = client.get("/about").get_data(as_text=True)
    assert '<a href="/verify">check a certificate</a>' in about


def test_a_signed_in_learner_finds_their_certificates_in_the_navigation(app: Flask) -> None:
    learner = signed_in(app, "nav@example.org")

    page = learner.get("/dashboard").get_data(as_text=True)

    start = page.index('<nav class="site-nav"')
    nav = page[start : page.index("</nav>", start)]
    assert '<a href="/certificates/" class="site-nav__link">Certificates</a>' in nav


def test_a_page_that_needs_signing_in_says_sign_in(client: FlaskClient) -> None:
    response = client.get("/dashboard")

    assert response.status_code == 302 and response.location.startswith("/login")
    page = client.get(response.location).get_data(as_text=True)
    assert "Sign in to see that page." in page and "log in" not in page.lower()


def test_an_unset_contact_address_is_a_warning_at_start_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="course.core"):
        build_app(tmp_path / "unset")
    assert "COURSE_CONTACT_EMAIL is not set" in caplog.text

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="course.core"):
        build_app(tmp_path / "set", CONTACT_EMAIL="help@example.org")
    assert "COURSE_CONTACT_EMAIL" not in caplog.text
