"""Pages shared by every visitor of a region and language: made once and served to each visitor as
their own (their CSRF token, their session, their messages, the live security headers), never to
or from someone signed in, and made again the moment the course changes, whichever process
changed it. For signed-in pages only the lesson's text and navigation are shared."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask, template_rendered
from flask.testing import FlaskClient
from flask_wtf.csrf import generate_csrf
from jinja2 import Template
from sqlalchemy import select

from course.accounts.models import Role
from course.authoring import drafts
from course.catalogue.models import Lesson, Module
from course.config import load_config
from course.core.page_cache import (
    forget_shared_pages,
    is_shared_with_visitors,
    shared_fragments,
)
from course.core.regions import Region
from course.extensions import cache, db
from tests.fixtures.apps import build_app
from tests.fixtures.authoring import EXAMPLE_DETAILS, module_id_of, save_draft_form
from tests.fixtures.clients import signed_in, signed_in_admin
from tests.fixtures.factories import make_user
from tests.fixtures.redis_server import running_redis
from tests.fixtures.web import CSRF_TOKEN_PATTERN, csrf_token_from, post_form

#: Every page served from the cache to visitors, with the template that draws it.
CACHED_PAGES = {
    "/": "learning/overview.html",
    "/modules/staying-safe/": "learning/module.html",
    "/modules/staying-safe/the-steps": "learning/lesson.html",
    "/who-to-call": "learning/who_to_call.html",
    "/privacy": "privacy/privacy.html",
    "/accessibility": "privacy/accessibility.html",
    "/about": "privacy/about.html",
    "/verify": "certificates/verify.html",
}
LESSON = "/modules/staying-safe/the-steps"
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
)


@pytest.fixture
def pages_made(course_app: Flask) -> Iterator[list[str]]:
    """The templates rendered as whole pages during the test, in order."""
    made: list[str] = []

    def note(_app: Flask, template: Template, **_context: Any) -> None:
        made.append(str(template.name))

    with template_rendered.connected_to(note, course_app):
        yield made


def visitor_in(app: Flask, region: str) -> FlaskClient:
    """A new visitor who has chosen ``region`` and seen the message that confirms it."""
    visitor = app.test_client()
    assert post_form(visitor, "/region", {"region": region}, form_page="/").status_code == 302
    assert "Showing advice for" in visitor.get("/").get_data(as_text=True)
    return visitor


def without_tokens(page: str) -> str:
    return CSRF_TOKEN_PATTERN.sub("csrf_token", page)


def test_the_pages_checked_here_are_every_page_cached_for_visitors(app: Flask) -> None:
    cached = {
        str(rule.rule)
        for rule in app.url_map.iter_rules()
        if is_shared_with_visitors(app.view_functions[rule.endpoint])
    }

    assert cached == {
        "/",
        "/modules/<slug>/",
        "/modules/<slug>/<lesson_slug>",
        "/who-to-call",
        "/privacy",
        "/accessibility",
        "/about",
        "/verify",
    }


@pytest.mark.parametrize("path", CACHED_PAGES)
def test_a_page_is_made_once_for_every_visitor_of_a_region_and_language(
    course_app: Flask, pages_made: list[str], path: str
) -> None:
    first = course_app.test_client().get(path)
    second = course_app.test_client().get(path)

    assert first.status_code == second.status_code == 200
    assert pages_made.count(CACHED_PAGES[path]) == 1
    assert without_tokens(second.get_data(as_text=True)) == without_tokens(
        first.get_data(as_text=True)
    )


@pytest.mark.parametrize("path", CACHED_PAGES)
def test_a_visitor_of_another_region_gets_a_page_made_for_it(
    course_app: Flask, pages_made: list[str], path: str
) -> None:
    course_app.test_client().get(path)
    elsewhere = visitor_in(course_app, "us")
    pages_made.clear()

    elsewhere.get(path)
    course_app.test_client().get(path)

    assert pages_made.count(CACHED_PAGES[path]) == 1  # for the US; the UK page was kept


def test_a_lesson_shows_each_region_its_own_advice(course_app: Flask) -> None:
    in_the_uk = course_app.test_client().get(LESSON).get_data(as_text=True)
    in_the_us = visitor_in(course_app, "us").get(LESSON).get_data(as_text=True)
    in_the_uk_again = course_app.test_client().get(LESSON).get_data(as_text=True)

    assert "Run, Hide, Tell" in in_the_uk and "Run, Hide, Fight" not in in_the_uk
    assert "Run, Hide, Fight" in in_the_us and "Run, Hide, Tell" not in in_the_us
    assert "Run, Hide, Tell" in in_the_uk_again


@pytest.mark.parametrize("path", CACHED_PAGES)
def test_a_visitor_reading_another_language_gets_a_page_made_in_it(
    course_app: Flask, pages_made: list[str], path: str
) -> None:
    course_app.config["LANGUAGES"] = ["en_GB", "fr"]

    english = course_app.test_client().get(path).get_data(as_text=True)
    french = course_app.test_client().get(path, headers={"Accept-Language": "fr"})

    assert '<html lang="en" dir="ltr">' in english
    assert '<html lang="fr" dir="ltr">' in french.get_data(as_text=True)
    assert pages_made.count(CACHED_PAGES[path]) == 2


@pytest.mark.parametrize("path", ["/privacy", "/accessibility"])
def test_a_visitor_on_another_of_the_sites_names_gets_a_page_naming_that_one(
    course_app: Flask, pages_made: list[str], path: str
) -> None:
    # Without BASE_URL or CONTACT_EMAIL, these pages name the site by the host asked for.
    on_localhost = course_app.test_client().get(path).get_data(as_text=True)
    on_loopback = course_app.test_client().get(path, base_url="http://127.0.0.1")

    assert "“whois localhost”" in on_localhost
    assert "“whois 127.0.0.1”" in on_loopback.get_data(as_text=True)
    assert pages_made.count(CACHED_PAGES[path]) == 2


@pytest.mark.parametrize("path", CACHED_PAGES)
def test_signed_in_people_get_live_pages_that_are_never_shared(
    course_app: Flask, pages_made: list[str], path: str
) -> None:
    learner = signed_in(course_app, "sam@example.org")
    pages_made.clear()

    first = learner.get(path).get_data(as_text=True)
    learner.get(path)
    visitors = [course_app.test_client().get(path).get_data(as_text=True) for _ in range(2)]
    learner.get(path)

    assert "Sign out" in first
    assert all("Sign out" not in page for page in visitors)
    # Each of the learner's three requests made the page, the two visitors' one between them.
    assert pages_made.count(CACHED_PAGES[path]) == 4


def test_each_visitor_gets_a_csrf_token_of_their_own_that_works_only_for_them(
    course_app: Flask, pages_made: list[str]
) -> None:
    first, second = course_app.test_client(), course_app.test_client()
    first_token = csrf_token_from(first.get("/").get_data(as_text=True))
    second_page = second.get("/").get_data(as_text=True)
    second_token = csrf_token_from(second_page)

    assert pages_made.count("learning/overview.html") == 1
    assert first_token != second_token and first_token not in second_page
    refused = second.post("/region", data={"csrf_token": first_token, "region": "us"})
    assert refused.status_code == 400
    accepted = second.post("/region", data={"csrf_token": second_token, "region": "us"})
    assert accepted.status_code == 302
    assert "Showing advice for United States" in second.get("/").get_data(as_text=True)
    own = first.post("/region", data={"csrf_token": first_token, "region": "au"})
    assert own.status_code == 302


def test_a_cached_page_carries_no_other_visitors_session(
    course_app: Flask, pages_made: list[str]
) -> None:
    first, second = course_app.test_client(), course_app.test_client()
    first.get("/")
    first_session = first.get_cookie("session")
    response = second.get("/")
    second_session = second.get_cookie("session")

    assert pages_made.count("learning/overview.html") == 1
    assert first_session is not None and second_session is not None
    assert second_session.value != first_session.value
    assert first_session.value not in " ".join(response.headers.getlist("Set-Cookie"))


def test_a_visitor_with_a_message_waiting_gets_it_and_no_one_else_does(
    course_app: Flask, pages_made: list[str]
) -> None:
    # Choosing a region is answered with a message on the next page.
    told = course_app.test_client()
    assert post_form(told, "/region", {"region": "us"}, form_page="/").status_code == 302
    pages_made.clear()
    assert "Showing advice for United States." in told.get("/").get_data(as_text=True)
    american = {"Accept-Language": "en-US"}  # the same region, from the browser's language
    visitor = course_app.test_client().get("/", headers=american).get_data(as_text=True)
    told_again = course_app.test_client()
    post_form(told_again, "/region", {"region": "us"}, form_page="/")
    pages_made.clear()
    page = told_again.get("/").get_data(as_text=True)
    after = told_again.get("/").get_data(as_text=True)

    assert "Showing advice for" not in visitor
    assert "Showing advice for" in page  # made live, though a page for the region was kept
    assert "Showing advice for" not in after  # shown once, then the kept page
    assert pages_made.count("learning/overview.html") == 1


@pytest.mark.parametrize("path", CACHED_PAGES)
def test_a_page_from_the_cache_has_the_security_headers_of_a_live_one(
    course_app: Flask, pages_made: list[str], path: str
) -> None:
    live = course_app.test_client().get(path)
    cached = course_app.test_client().get(path)

    assert pages_made.count(CACHED_PAGES[path]) == 1
    for header in SECURITY_HEADERS:
        assert cached.headers[header] == live.headers[header], header


def test_a_page_from_the_cache_is_sent_with_hsts_in_production(tmp_path: Path) -> None:
    production = build_app(tmp_path, HTTPS_ONLY=True, BASE_URL="https://localhost")
    made: list[str] = []
    with template_rendered.connected_to(lambda _app, template, **_: made.append(template.name)):
        responses = [
            production.test_client().get("/about", base_url="https://localhost") for _ in range(2)
        ]

    assert made.count("privacy/about.html") == 1
    for response in responses:
        assert "max-age=63072000" in response.headers["Strict-Transport-Security"]
    assert production.test_client().get("/about").status_code == 302  # plain http: to https


def test_a_head_request_is_answered_from_the_cache_and_fills_it(
    course_app: Flask, pages_made: list[str]
) -> None:
    first_head = course_app.test_client().head("/about")
    page = course_app.test_client().get("/about")
    second_head = course_app.test_client().head("/about")

    assert first_head.status_code == second_head.status_code == 200
    assert first_head.data == second_head.data == b""
    assert first_head.headers["Content-Length"] == str(len(page.data))
    assert pages_made.count("privacy/about.html") == 1


def test_a_page_not_found_is_never_kept(course_app: Flask, pages_made: list[str]) -> None:
    for path in ("/modules/no-such-module/", "/modules/staying-safe/no-such-lesson") * 2:
        assert course_app.test_client().get(path).status_code == 404

    assert pages_made.count("errors/404.html") == 4


def test_an_address_with_a_query_is_always_answered_live(
    course_app: Flask, pages_made: list[str]
) -> None:
    course_app.test_client().get("/verify")
    checks = [course_app.test_client().get(f"/verify?code={code}") for code in ("A1", "B2", "A1")]
    tracked = course_app.test_client().get("/about?utm_source=leaflet")
    course_app.test_client().get("/about")

    assert [check.status_code for check in checks] == [404, 404, 404]  # no such certificates
    assert pages_made.count("certificates/verify.html") == 4
    assert tracked.status_code == 200
    assert pages_made.count("privacy/about.html") == 2  # the page with a query was not kept


def publish_title(author: FlaskClient, module: int, title: str) -> None:
    """Give the module a new title in the web editor and publish it."""
    path = f"/admin/modules/{module}"
    saved = save_draft_form(author, f"{path}/details", {**EXAMPLE_DETAILS, "title": title})
    assert saved.status_code == 302
    assert save_draft_form(author, f"{path}/publish", {}, form_page=f"{path}/").status_code == 302


def test_a_module_published_on_the_web_is_on_visitors_pages_at_once(course_app: Flask) -> None:
    visitor = course_app.test_client()
    pages = ("/", "/modules/staying-safe/", LESSON)
    assert all("Staying safe" in visitor.get(path).get_data(as_text=True) for path in pages)
    author = signed_in_admin(course_app, "author@example.org", role=Role.AUTHOR)

    publish_title(author, module_id_of(course_app, "staying-safe"), "Staying safe in a crowd")

    for path in pages:
        assert "Staying safe in a crowd" in visitor.get(path).get_data(as_text=True), path


def test_a_change_made_by_another_process_is_on_visitors_pages_at_once(
    course_app: Flask, import_from_another_process: Callable[[], None]
) -> None:
    visitor = course_app.test_client()
    before = visitor.get("/").get_data(as_text=True)

    # Only the content version in each page's key can tell this process.
    import_from_another_process()
    imported = visitor.get("/").get_data(as_text=True)
    with course_app.app_context():
        reporting = db.session.scalar(select(Module).where(Module.slug == "reporting"))
        assert reporting is not None
        drafts.set_archived(reporting, True, make_user(role=Role.AUTHOR))
        db.session.commit()
    archived = visitor.get("/").get_data(as_text=True)

    assert "Staying safe in a crowd" not in before
    assert "Staying safe in a crowd" in imported and "Reporting" in imported
    assert "Reporting" not in archived


def test_a_lessons_text_is_made_once_per_version_region_and_language_for_signed_in_learners(
    course_app: Flask,
) -> None:
    first = signed_in(course_app, "ada@example.org")
    first_page = first.get(LESSON).get_data(as_text=True)
    # Change the stored text behind the cache's back: only text made afresh would show it.
    with course_app.app_context():
        for lesson in db.session.scalars(select(Lesson).where(Lesson.slug == "the-steps")):
            lesson.html_by_region = {region.value: "<p>Made afresh.</p>" for region in Region}
        db.session.commit()
    second = signed_in(course_app, "bea@example.org")
    second_page = second.get(LESSON).get_data(as_text=True)
    in_the_us = signed_in(course_app, "cy@example.org", region=Region.US).get(LESSON)

    assert "Run, Hide, Tell" in first_page
    assert "Run, Hide, Tell" in second_page and "Made afresh." not in second_page
    assert "Made afresh." in in_the_us.get_data(as_text=True)
    # What is the learner's own is live: their token, which marks the lesson read.
    assert csrf_token_from(first_page) not in second_page
    read = second.post(f"{LESSON}/read", data={"csrf_token": csrf_token_from(second_page)})
    assert read.status_code == 302 and read.headers["Location"].endswith("/calling-for-help")


def test_a_shared_fragment_holding_the_requests_csrf_token_is_never_kept(app: Flask) -> None:
    made: list[str] = []

    def with_token() -> tuple[str]:
        made.append("with token")
        return (f'<input name="csrf_token" value="{generate_csrf()}">',)

    def without_token() -> tuple[str]:
        made.append("without token")
        return ("<p>The same for everyone.</p>",)

    for _ in range(2):
        with app.test_request_context("/"):
            shared_fragments("probe", ("with",), with_token)
            shared_fragments("probe", ("without",), without_token)

    assert made == ["with token", "without token", "with token"]


@pytest.mark.parametrize(
    ("settings", "kept_in", "redis_url"),
    [
        ({}, "SimpleCache", None),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "SimpleCache", None),
        (
            {"RATELIMIT_STORAGE_URI": "redis://limits.internal:6379/0"},
            "RedisCache",
            "redis://limits.internal:6379/0",
        ),
        (
            {
                "RATELIMIT_STORAGE_URI": "redis://limits.internal:6379/0",
                "CACHE_REDIS_URL": "redis://pages.internal:6379/1",
            },
            "RedisCache",
            "redis://pages.internal:6379/1",
        ),
        ({"CACHE_REDIS_URL": "rediss://pages.internal:6380/0"}, "RedisCache", None),
        (
            {"RATELIMIT_STORAGE_URI": "redis://limits.internal:6379/0", "CACHE_TYPE": "NullCache"},
            "NullCache",
            None,
        ),
        # `flask --debug run` shows an edited template at once, so keeps no page.
        ({"DEBUG": True}, "NullCache", None),
        ({"DEBUG": True, "CACHE_TYPE": "SimpleCache"}, "SimpleCache", None),
    ],
)
def test_the_pages_are_kept_in_the_rate_limiters_redis_unless_told_otherwise(
    tmp_path: Path, settings: dict[str, object], kept_in: str, redis_url: str | None
) -> None:
    app = Flask(__name__, instance_path=str(tmp_path))

    load_config(app, {"SECRET_KEY": "test", **settings})

    assert app.config["CACHE_TYPE"] == kept_in
    if redis_url:
        assert app.config["CACHE_REDIS_URL"] == redis_url


def test_with_the_cache_turned_off_every_page_is_made_afresh(tmp_path: Path) -> None:
    uncached = build_app(tmp_path, CACHE_TYPE="NullCache", CACHE_NO_NULL_WARNING=True)
    made: list[str] = []
    with template_rendered.connected_to(lambda _app, template, **_: made.append(template.name)):
        for _ in range(2):
            assert uncached.test_client().get("/about").status_code == 200

    assert made.count("privacy/about.html") == 2


def test_pages_in_redis_need_a_prefix_that_keeps_them_apart_from_the_rate_limits(
    tmp_path: Path,
) -> None:
    app = Flask(__name__, instance_path=str(tmp_path))
    settings = {"SECRET_KEY": "test", "RATELIMIT_STORAGE_URI": "redis://localhost:6379/0"}

    with pytest.raises(RuntimeError, match="CACHE_KEY_PREFIX"):
        load_config(app, {**settings, "CACHE_KEY_PREFIX": ""})


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with running_redis(tmp_path / "redis", "the page cache in Redis") as url:
        yield url


def test_workers_sharing_the_rate_limiters_redis_share_the_pages_and_not_its_keys(
    tmp_path: Path, redis_url: str
) -> None:
    first = build_app(tmp_path / "first", RATELIMIT_STORAGE_URI=redis_url)
    second = build_app(tmp_path / "second", RATELIMIT_STORAGE_URI=redis_url)
    made: list[str] = []
    with template_rendered.connected_to(lambda _app, template, **_: made.append(template.name)):
        on_first = first.test_client().get("/about").get_data(as_text=True)
        on_second = second.test_client().get("/about").get_data(as_text=True)
        post_form(second.test_client(), "/login", {"email": "a@example.org", "password": "x"})
    store = redis.Redis.from_url(redis_url)
    keys = [key.decode() for key in store.keys("*")]
    with second.app_context():
        forget_shared_pages()
        kept = [key.decode() for key in store.keys("*")]
    store.close()

    assert made.count("privacy/about.html") == 1 and on_second == on_first
    assert any(key.startswith("course-page:page:privacy.about:") for key in keys)
    assert kept and not any(key.startswith("course-page:") for key in kept)  # the limits stay
    with first.app_context():
        assert type(cache.cache).__name__ == "RedisCache"
