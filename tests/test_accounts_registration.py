"""Registering, confirming the address, and the same answer for new and existing addresses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from course.accounts.models import AccountToken, User
from course.core.regions import Region
from course.extensions import db
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.mail import link_in, queued_emails
from tests.fixtures.web import post_form


def register(client: FlaskClient, **overrides: str):
    data = {
        "name": "Grace Hopper",
        "email": "grace@example.org",
        "region": "us",
        "password": STRONG_PASSWORD,
    }
    data.update(overrides)
    return post_form(client, "/register", data)


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0


def test_registering_creates_an_unconfirmed_account_and_emails_a_confirmation_link(
    client: FlaskClient, app: Flask
) -> None:
    response = register(client, email="  Grace@Example.ORG ")

    assert response.status_code == 302
    assert response.headers["Location"] == "/register/check-email"
    page = client.get("/register/check-email").get_data(as_text=True)
    assert "We have sent an email to grace@example.org" in page
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user is not None
        assert (user.email, user.name, user.region) == (
            "grace@example.org",
            "Grace Hopper",
            Region.US,
        )
        assert user.email_verified_at is None
        assert user.password_hash.startswith("$argon2id$")
        [email] = queued_emails()
        assert email.recipient == "grace@example.org"
        assert "Confirm your email address" in email.subject
        assert "/account/confirm/" in link_in(email, "/account/confirm/")


def test_registering_an_existing_address_looks_the_same_and_emails_the_owner(
    client: FlaskClient, app: Flask
) -> None:
    with app.app_context():
        make_user(email="grace@example.org", name="Grace Hopper")

    fresh = register(client, email="new@example.org")
    fresh_page = client.get("/register/check-email").get_data(as_text=True)
    existing = register(client, email=" GRACE@example.org")
    existing_page = client.get("/register/check-email").get_data(as_text=True)

    assert (fresh.status_code, fresh.headers["Location"]) == (
        existing.status_code,
        existing.headers["Location"],
    )
    assert fresh_page.replace("new@example.org", "X") == existing_page.replace(
        "grace@example.org", "X"
    )
    with app.app_context():
        assert user_count() == 2
        [notice] = queued_emails(to="grace@example.org")
        assert notice.subject == "You already have a CT Citizen account"
        assert "/password/forgotten" in notice.text_body


def test_the_database_refuses_an_address_that_differs_only_in_case_or_spaces(app: Flask) -> None:
    with app.app_context():
        make_user(email="alice@x.org")
        db.session.add(User(email="alice@x.org", name="Copy", password_hash="x"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.add(User(email=" Alice@X.org ", name="Copy", password_hash="x"))
        with pytest.raises(IntegrityError):
            db.session.commit()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Enter your full name"),
        ({"email": ""}, "Enter your email address"),
        ({"email": "grace-at-example"}, "Enter an email address in the correct format"),
        ({"region": "mars"}, "Not a valid choice"),
        ({"password": "short"}, "at least 8 characters"),
        ({"password": "password123"}, "too common or too easy to guess"),
        ({"password": "grace hopper"}, "Do not use your name or email address"),
        ({"password": "x" * 129}, "128 characters or fewer"),
    ],
)
def test_bad_registration_details_are_refused_with_a_clear_message(
    client: FlaskClient, app: Flask, overrides: dict[str, str], message: str
) -> None:
    response = register(client, **overrides)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and message in page
    with app.app_context():
        assert user_count() == 0
        assert queued_emails() == []


def test_a_long_password_of_64_characters_is_accepted(client: FlaskClient, app: Flask) -> None:
    long_password = "a sixty-four character passphrase made of many words, easy enough"[:64]

    assert register(client, password=long_password).status_code == 302
    with app.app_context():
        assert user_count() == 1


def test_following_the_link_then_confirming_marks_the_address_as_confirmed_once(
    client: FlaskClient, app: Flask
) -> None:
    register(client)
    with app.app_context():
        link = link_in(queued_emails()[0], "/account/confirm/")
    path = link.split("localhost", 1)[1]

    page = client.get(path)  # following the link changes nothing by itself
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at)) is None
    assert page.status_code == 200 and "Confirm my email address" in page.get_data(as_text=True)

    confirmed = post_form(client, path, {})
    # Confirmed in the browser that registered, so now signed in: any page has a token.
    reused = post_form(client, path, {}, form_page="/dashboard")

    assert confirmed.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at)) is not None
    assert reused.status_code == 404
    assert "This link does not work" in reused.get_data(as_text=True)
    assert client.get(path).status_code == 404


def test_an_expired_confirmation_link_does_not_work(client: FlaskClient, app: Flask) -> None:
    register(client)
    with app.app_context():
        path = link_in(queued_emails()[0], "/account/confirm/").split("localhost", 1)[1]
        token = db.session.scalar(select(AccountToken))
        assert token is not None
        token.expires_at = token.created_at - timedelta(seconds=1)
        db.session.commit()

    response = client.get(path)

    assert response.status_code == 404
    assert "It may have been used already, or it may have expired" in response.get_data(
        as_text=True
    )


def test_an_unconfirmed_learner_can_sign_in_and_ask_for_a_new_link(
    client: FlaskClient, app: Flask
) -> None:
    register(client)
    post_form(client, "/login", {"email": "grace@example.org", "password": STRONG_PASSWORD})

    account = client.get("/account/").get_data(as_text=True)
    assert "Not confirmed" in account
    response = post_form(client, "/account/confirm-again", {}, form_page="/account/")

    assert response.status_code == 302
    with app.app_context():
        assert len(queued_emails(to="grace@example.org")) == 2


def test_registration_is_rate_limited_per_client(client: FlaskClient, app: Flask) -> None:
    statuses = [register(client, email=f"person{n}@example.org").status_code for n in range(11)]

    assert statuses == [302] * 10 + [429]
    with app.app_context():
        assert user_count() == 10


def test_asking_for_new_confirmation_links_is_rate_limited(client: FlaskClient, app: Flask) -> None:
    register(client)
    post_form(client, "/login", {"email": "grace@example.org", "password": STRONG_PASSWORD})

    statuses = [
        post_form(client, "/account/confirm-again", {}, form_page="/account/").status_code
        for _ in range(4)
    ]

    assert statuses == [302, 302, 302, 429]
    with app.app_context():
        assert len(queued_emails(to="grace@example.org")) == 4  # the first link and three more


def confirmation_path(app: Flask) -> str:
    with app.app_context():
        return link_in(queued_emails()[-1], "/account/confirm/").split("localhost", 1)[1]


def test_confirming_in_the_browser_that_registered_signs_in_and_opens_the_dashboard(
    client: FlaskClient, app: Flask
) -> None:
    register(client)

    confirmed = post_form(client, confirmation_path(app), {})

    assert confirmed.status_code == 302 and confirmed.location == "/dashboard"
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200
    assert "Thank you. Your email address is confirmed." in dashboard.get_data(as_text=True)
    assert "Grace Hopper" in client.get("/account/").get_data(as_text=True)


def test_a_confirmation_link_opened_in_another_browser_still_asks_for_the_password(
    client: FlaskClient, app: Flask
) -> None:
    register(client)
    elsewhere = app.test_client()

    confirmed = post_form(elsewhere, confirmation_path(app), {})

    assert confirmed.status_code == 302 and confirmed.location == "/login"
    assert elsewhere.get("/dashboard").status_code == 302  # not signed in
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_at)) is not None


def test_a_browser_that_registered_another_account_is_not_signed_in_as_this_one(
    client: FlaskClient, app: Flask
) -> None:
    register(client, email="first@example.org")
    first_path = confirmation_path(app)
    other = app.test_client()
    register(other, email="second@example.org")

    # The first account's link, opened in the browser that registered the second.
    confirmed = post_form(other, first_path, {})

    assert confirmed.location == "/login"
    assert other.get("/dashboard").status_code == 302


def test_registering_an_address_that_has_an_account_notes_nothing_to_sign_in_with(
    client: FlaskClient, app: Flask
) -> None:
    with app.app_context():
        make_user(email="grace@example.org", verified=False)
    register(client)  # the owner is told by email; this browser registered nothing

    with client.session_transaction() as session:
        assert "registered_user" not in session
