"""``next=`` only ever leads to a page of this site: after signing in with a password, after the
second factor, when already signed in, and when a page sends a visitor to sign in first."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.fixtures.factories import STRONG_PASSWORD, make_user, new_two_factor_secret
from tests.fixtures.security_site import LEARNER, Site
from tests.fixtures.two_factor import code_at
from tests.fixtures.web import post_form

ELSEWHERE = [
    "//evil.example",
    "https://evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    "%2F%2Fevil.example",
    "\\\\evil",
    "/%5Cevil.example",
    "///evil.example",
    "https:evil.example",
]


def stays_on_the_site(response: TestResponse) -> bool:
    location = response.headers["Location"]
    parts = urlsplit(location)
    return (
        location.startswith("/")
        and not location.startswith(("//", "/\\"))
        and parts.scheme in ("", "http", "https")
        and parts.netloc in ("", "localhost")
    )


@pytest.mark.parametrize("target", ELSEWHERE)
def test_signing_in_never_leads_off_the_site(site: Site, target: str) -> None:
    email = f"redirect-{ELSEWHERE.index(target)}@example.org"
    with site.app.app_context():
        make_user(email=email)
    client = site.new_client()

    response = post_form(
        client, "/login?next=" + target, {"email": email, "password": STRONG_PASSWORD}
    )

    assert response.status_code == 302 and stays_on_the_site(response), response.headers
    assert response.headers["Location"] == "/dashboard"


@pytest.mark.parametrize("target", ELSEWHERE)
def test_a_signed_in_visitor_sent_to_sign_in_is_not_led_off_the_site(
    site: Site, target: str
) -> None:
    response = site.clients[LEARNER].get("/login", query_string={"next": target})

    assert response.status_code == 302 and stays_on_the_site(response), response.headers


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_the_second_factor_never_leads_off_the_site(site: Site, target: str) -> None:
    email = f"two-factor-{len(target)}-{target.count('/')}@example.org"
    secret = new_two_factor_secret()
    with site.app.app_context():
        make_user(email=email, two_factor_secret=secret)
    client = site.new_client()

    password = post_form(
        client, "/login?next=" + target, {"email": email, "password": STRONG_PASSWORD}
    )
    assert stays_on_the_site(password)
    code = post_form(client, "/login/two-factor?next=" + target, {"code": code_at(secret)})

    assert code.status_code == 302 and stays_on_the_site(code), code.headers
    assert code.headers["Location"] == "/dashboard"


def test_a_local_next_is_followed(site: Site) -> None:
    with site.app.app_context():
        make_user(email="goes-home@example.org")
    client: FlaskClient = site.new_client()

    response = post_form(
        client,
        "/login?next=/account/profile",
        {"email": "goes-home@example.org", "password": STRONG_PASSWORD},
    )

    assert response.headers["Location"] == "/account/profile"


def test_a_page_that_needs_signing_in_names_only_itself_as_next(site: Site) -> None:
    # The path itself starts with "//" (a test client given that URL would send it as a host,
    # which the site refuses: tests/security/test_forged_hosts.py).
    response = site.new_client().get(
        "/account/", environ_overrides={"PATH_INFO": "//evil.example/account/"}
    )

    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert stays_on_the_site(response), response.headers
