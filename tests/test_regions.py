"""Which country's advice a person sees: the region their browser's languages point to, unless they
chose one, and a signed-in learner's own; every learning page says which it shows and how to change
it, coming back to the same page."""

from __future__ import annotations

import pytest
from flask import Flask

from course.accounts.models import Region
from course.core.regions import region_for_languages
from tests.fixtures.clients import signed_in
from tests.fixtures.web import csrf_token_from, post_form

LESSON = "/modules/staying-safe/the-steps"


@pytest.mark.parametrize(
    ("tags", "region"),
    [
        (["en-US", "en"], Region.US),
        (["en-GB"], Region.UK),
        (["en-CA"], Region.CANADA),
        (["fr-CA", "fr"], Region.CANADA),
        (["en-AU"], Region.AUSTRALIA),
        (["en-NZ"], Region.NEW_ZEALAND),
        (["mi-NZ"], Region.NEW_ZEALAND),
        (["fr-FR"], Region.EUROPEAN_UNION),
        (["de-AT"], Region.EUROPEAN_UNION),
        (["ga-IE"], Region.EUROPEAN_UNION),
        (["es-MX"], Region.ELSEWHERE),
        (["es-419"], Region.ELSEWHERE),
        (["en-IN"], Region.ELSEWHERE),
        (["zh-Hant-TW"], Region.ELSEWHERE),
        (["cy"], Region.UK),
        (["en", "en-AU"], Region.AUSTRALIA),  # the first tag that names a place decides
        (["en_NZ"], Region.NEW_ZEALAND),
    ],
)
def test_a_language_tag_with_a_country_points_to_its_region(
    tags: list[str], region: Region
) -> None:
    assert region_for_languages(tags) == region


@pytest.mark.parametrize("tags", [[], ["en"], ["fr", "de"], ["*"]])
def test_tags_that_name_no_place_point_nowhere(tags: list[str]) -> None:
    assert region_for_languages(tags) is None


def lesson_text(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def test_a_visitor_from_an_american_browser_reads_american_advice_without_choosing(
    course_app: Flask,
) -> None:
    page = course_app.test_client().get(LESSON, headers={"Accept-Language": "en-US,en;q=0.9"})

    text = lesson_text(page.get_data(as_text=True))
    assert "Run, Hide, Fight" in text and "Run, Hide, Tell" not in text
    assert "Advice for: United States." in text


def test_a_browser_that_names_no_country_gets_the_default_region(course_app: Flask) -> None:
    page = course_app.test_client().get(LESSON, headers={"Accept-Language": "en"})

    assert "Run, Hide, Tell" in lesson_text(page.get_data(as_text=True))


def test_visitors_of_each_region_get_their_own_copy_of_a_cached_page(course_app: Flask) -> None:
    pages = {
        language: lesson_text(
            course_app.test_client()
            .get(LESSON, headers={"Accept-Language": language})
            .get_data(as_text=True)
        )
        for language in ("en-AU", "en-US", "en-AU", "en-GB")
    }

    assert "Escape, Hide, Tell" in pages["en-AU"]
    assert "Run, Hide, Fight" in pages["en-US"]
    assert "Run, Hide, Tell" in pages["en-GB"]


def test_the_change_link_comes_back_to_the_same_page_with_the_chosen_advice(
    course_app: Flask,
) -> None:
    client = course_app.test_client()
    lesson = client.get(LESSON, headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert f'href="/region?next={LESSON}"' in lesson

    chooser = client.get(f"/region?next={LESSON}", headers={"Accept-Language": "en-US"})
    html = chooser.get_data(as_text=True)
    assert chooser.status_code == 200
    assert f'name="next" type="hidden" value="{LESSON}"' in html
    assert "checked" in radio_of(html, "us")
    response = client.post(
        "/region",
        data={"csrf_token": csrf_token_from(html), "region": "au", "next": LESSON},
        headers={"Accept-Language": "en-US"},
    )

    assert response.status_code == 302 and response.location == LESSON
    page = client.get(LESSON, headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "Showing advice for Australia." in page
    assert "Escape, Hide, Tell" in lesson_text(page)  # the choice wins over the browser


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_the_chooser_never_sends_a_visitor_to_another_site(
    course_app: Flask, next_path: str
) -> None:
    client = course_app.test_client()
    chooser = client.get("/region", query_string={"next": next_path}).get_data(as_text=True)
    assert "evil" not in chooser

    response = client.post(
        "/region",
        data={"csrf_token": csrf_token_from(chooser), "region": "nz", "next": next_path},
    )

    assert response.status_code == 302 and response.location == "/"


def test_choosing_no_region_says_what_to_do_and_changes_nothing(course_app: Flask) -> None:
    client = course_app.test_client()
    post_form(client, "/region", {"region": "au"}, form_page="/region")

    refused = post_form(client, "/region", {"region": "mars"}, form_page="/region")

    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "<title>Error: Choose which country" in html
    assert "Not a valid choice." in html or "Select where you live" in html
    assert "Escape, Hide, Tell" in lesson_text(client.get(LESSON).get_data(as_text=True))


def test_a_signed_in_learner_sees_their_own_region_and_changes_it_in_their_details(
    course_app: Flask,
) -> None:
    learner = signed_in(course_app, "nz@example.org", region=Region.NEW_ZEALAND)

    page = learner.get(LESSON, headers={"Accept-Language": "en-US"}).get_data(as_text=True)

    assert "Advice for: New Zealand." in page
    assert '<a href="/account/profile">Change where you live</a>' in page
    assert learner.get("/region").location == "/account/profile"


@pytest.mark.parametrize(
    "path", ["/modules/staying-safe/", "/who-to-call", LESSON], ids=["module", "who", "lesson"]
)
def test_every_learning_page_says_which_advice_it_shows(course_app: Flask, path: str) -> None:
    page = course_app.test_client().get(path, headers={"Accept-Language": "en-CA"})

    assert "Advice for: Canada." in page.get_data(as_text=True)


def test_registration_starts_from_the_visitors_region(course_app: Flask) -> None:
    page = course_app.test_client().get("/register", headers={"Accept-Language": "en-NZ"})

    assert "checked" in radio_of(page.get_data(as_text=True), "nz")


def radio_of(html: str, value: str) -> str:
    """The ``<input>`` tag of the radio button with ``value``."""
    at = html.index(f'value="{value}"')
    return html[html.rindex("<input", 0, at) : html.index(">", at)]
