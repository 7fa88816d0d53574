"""Signing in and out, safe redirects, sessions that end, and rate limits on guessing."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from course.accounts import services
from course.accounts.sessions import LAST_SEEN_AT, SIGNED_IN_AT
from course.extensions import db
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.web import post_form, sign_in

WRONG_DETAILS = "The email address or password is not correct"


@pytest.fixture
def ada(app: Flask) -> str:
    with app.app_context():
        return make_user(email="ada@example.org").email


def is_signed_in(client: FlaskClient) -> bool:
    return client.get("/account/").status_code == 200


def test_signing_in_with_the_right_details_opens_the_account(client: FlaskClient, ada: str) -> None:
    response = post_form(
        client, "/login", {"email": " ADA@example.org ", "password": STRONG_PASSWORD}
    )

    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    page = client.get("/account/").get_data(as_text=True)
    assert "ada@example.org" in page and "Sign out" in page


@pytest.mark.parametrize(
    ("email", "password"),
    [("ada@example.org", "wrong password here"), ("nobody@example.org", STRONG_PASSWORD)],
)
def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: FlaskClient, ada: str, email: str, password: str
) -> None:
    response = post_form(client, "/login", {"email": email, "password": password})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert WRONG_DETAILS in page
    assert not is_signed_in(client)


def test_a_disabled_account_cannot_sign_in(client: FlaskClient, app: Flask, ada: str) -> None:
    with app.app_context():
        user = services.find_user_by_email(ada)
        assert user is not None
        services.disable_user(user)
        db.session.commit()

    response = post_form(client, "/login", {"email": ada, "password": STRONG_PASSWORD})

    assert WRONG_DETAILS in response.get_data(as_text=True)


def test_signing_in_replaces_the_previous_session(client: FlaskClient, ada: str) -> None:
    client.get("/login")
    with client.session_transaction() as before:
        before["planted_by_attacker"] = "yes"

    sign_in(client, ada, STRONG_PASSWORD)

    with client.session_transaction() as after:
        assert "planted_by_attacker" not in after
        assert "_user_id" in after and after["_user_id"] != "1"  # a token, not the id


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [
        ("/account/profile", "/account/profile"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example/", "/dashboard"),
        ("/\\evil.example/", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
    ],
)
def test_next_only_redirects_to_paths_on_this_site(
    client: FlaskClient, ada: str, next_value: str, expected: str
) -> None:
    path = "/login?" + __import__("urllib.parse").parse.urlencode({"next": next_value})

    response = post_form(client, path, {"email": ada, "password": STRONG_PASSWORD})

    assert response.headers["Location"] == expected


def test_a_signed_in_page_sends_visitors_to_sign_in_and_back(client: FlaskClient) -> None:
    response = client.get("/account/profile")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_signing_out_ends_every_session_of_the_user(app: Flask, ada: str) -> None:
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, ada, STRONG_PASSWORD)
    sign_in(phone, ada, STRONG_PASSWORD, remember=True)

    response = post_form(laptop, "/logout", {}, form_page="/account/")

    assert response.status_code == 302
    assert not is_signed_in(laptop)
    assert not is_signed_in(phone)


def test_sign_out_needs_a_post_with_a_csrf_token(client: FlaskClient, ada: str) -> None:
    sign_in(client, ada, STRONG_PASSWORD)

    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert is_signed_in(client)


def test_disabling_a_user_ends_their_sessions(client: FlaskClient, app: Flask, ada: str) -> None:
    sign_in(client, ada, STRONG_PASSWORD, remember=True)
    with app.app_context():
        user = services.find_user_by_email(ada)
        assert user is not None
        services.disable_user(user)
        db.session.commit()

    assert not is_signed_in(client)


def test_a_session_ends_after_being_idle_too_long(
    client: FlaskClient, app: Flask, ada: str
) -> None:
    sign_in(client, ada, STRONG_PASSWORD)
    idle_limit = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session[LAST_SEEN_AT] = time.time() - idle_limit - 5

    assert not is_signed_in(client)


def test_a_session_ends_after_its_lifetime_even_when_used(
    client: FlaskClient, app: Flask, ada: str
) -> None:
    sign_in(client, ada, STRONG_PASSWORD)
    lifetime = app.config["SESSION_LIFETIME_HOURS"] * 3600
    with client.session_transaction() as session:
        session[SIGNED_IN_AT] = time.time() - lifetime - 5

    assert not is_signed_in(client)


def test_remember_me_restores_the_session_from_its_cookie(app: Flask, ada: str) -> None:
    client = app.test_client()
    sign_in(client, ada, STRONG_PASSWORD, remember=True)
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only

    fresh_browser = app.test_client()
    fresh_browser.set_cookie("remember_token", cookie.value)

    assert is_signed_in(fresh_browser)


def test_sign_in_is_rate_limited_per_account(app: Flask, ada: str) -> None:
    statuses = []
    for attempt in range(6):
        client = app.test_client()  # as if from different browsers
        statuses.append(
            post_form(client, "/login", {"email": ada, "password": f"wrong {attempt}"}).status_code
        )

    assert statuses == [200] * 5 + [429]
    blocked = post_form(app.test_client(), "/login", {"email": ada, "password": STRONG_PASSWORD})
    assert blocked.status_code == 429
    assert "Too many requests" in blocked.get_data(as_text=True)
    other = post_form(app.test_client(), "/login", {"email": "else@example.org", "password": "x"})
    assert other.status_code == 200


def test_sign_in_is_rate_limited_per_client(client: FlaskClient, ada: str) -> None:
    statuses = [
        post_form(client, "/login", {"email": f"guess{n}@example.org", "password": "x"}).status_code
        for n in range(21)
    ]

    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
