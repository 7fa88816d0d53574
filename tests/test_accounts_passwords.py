"""Resetting a forgotten password, changing a password, and the sessions each ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from course.accounts.models import AccountToken, TokenPurpose, User
from course.extensions import db
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.mail import link_in, queued_emails
from tests.fixtures.web import post_form, sign_in

NEW_PASSWORD = "lantern meadow copper violin"


@pytest.fixture
def ada(app: Flask) -> str:
    with app.app_context():
        return make_user(email="ada@example.org", verified=False).email


def reset_link_path(app: Flask, to: str = "ada@example.org") -> str:
    with app.app_context():
        emails = [email for email in queued_emails(to=to) if "Reset" in email.subject]
        return link_in(emails[-1], "/password/reset/").split("localhost", 1)[1]


def is_signed_in(client: FlaskClient) -> bool:
    return client.get("/account/").status_code == 200


def test_known_and_unknown_addresses_get_the_same_answer(
    client: FlaskClient, app: Flask, ada: str
) -> None:
    known = post_form(client, "/password/forgotten", {"email": ada})
    known_page = client.get(known.headers["Location"]).get_data(as_text=True)
    unknown = post_form(client, "/password/forgotten", {"email": "nobody@example.org"})
    unknown_page = client.get(unknown.headers["Location"]).get_data(as_text=True)

    assert known.headers["Location"] == unknown.headers["Location"] == "/password/email-sent"
    assert known_page.replace(ada, "X") == unknown_page.replace("nobody@example.org", "X")
    with app.app_context():
        assert [email.recipient for email in queued_emails()] == [ada]


def test_resetting_by_the_emailed_link_sets_the_password_and_ends_every_session(
    app: Flask, ada: str
) -> None:
    other_device = app.test_client()
    sign_in(other_device, ada, STRONG_PASSWORD, remember=True)
    client = app.test_client()
    post_form(client, "/password/forgotten", {"email": ada})
    path = reset_link_path(app)

    response = post_form(client, path, {"password": NEW_PASSWORD})

    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not is_signed_in(other_device)
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (
            user is not None and user.email_verified_at is not None
        )  # the link proved the address
        assert "has been changed" in queued_emails(to=ada)[-1].subject
    sign_in(client, ada, NEW_PASSWORD)
    wrong = post_form(app.test_client(), "/login", {"email": ada, "password": STRONG_PASSWORD})
    assert "not correct" in wrong.get_data(as_text=True)


def test_a_reset_link_works_once(client: FlaskClient, app: Flask, ada: str) -> None:
    post_form(client, "/password/forgotten", {"email": ada})
    path = reset_link_path(app)
    post_form(client, path, {"password": NEW_PASSWORD})

    again = client.get(path)

    assert again.status_code == 404
    assert "This link does not work" in again.get_data(as_text=True)


def test_an_older_reset_link_stops_working_once_a_newer_one_is_used(
    client: FlaskClient, app: Flask, ada: str
) -> None:
    post_form(client, "/password/forgotten", {"email": ada})
    first = reset_link_path(app)
    post_form(client, "/password/forgotten", {"email": ada})
    second = reset_link_path(app)

    post_form(client, second, {"password": NEW_PASSWORD})

    assert client.get(first).status_code == 404


def test_an_expired_reset_link_does_not_work(client: FlaskClient, app: Flask, ada: str) -> None:
    post_form(client, "/password/forgotten", {"email": ada})
    path = reset_link_path(app)
    with app.app_context():
        token = db.session.scalar(
            select(AccountToken).where(AccountToken.purpose == TokenPurpose.RESET_PASSWORD)
        )
        assert token is not None
        token.expires_at = token.created_at + timedelta(hours=1) - timedelta(hours=2)
        db.session.commit()

    assert client.get(path).status_code == 404
    refused = post_form(client, path, {"password": NEW_PASSWORD}, form_page="/login")
    assert refused.status_code == 404


def test_a_weak_new_password_is_refused_and_the_link_still_works(
    client: FlaskClient, app: Flask, ada: str
) -> None:
    post_form(client, "/password/forgotten", {"email": ada})
    path = reset_link_path(app)

    response = post_form(client, path, {"password": "password1"})

    assert response.status_code == 200
    assert "too common or too easy to guess" in response.get_data(as_text=True)
    assert client.get(path).status_code == 200


def test_reset_requests_are_rate_limited_per_address(
    client: FlaskClient, app: Flask, ada: str
) -> None:
    statuses = [
        post_form(client, "/password/forgotten", {"email": ada}).status_code for _ in range(4)
    ]

    assert statuses == [302, 302, 302, 429]
    with app.app_context():
        assert len(queued_emails(to=ada)) == 3


def test_changing_the_password_needs_the_current_one(
    client: FlaskClient, app: Flask, ada: str
) -> None:
    sign_in(client, ada, STRONG_PASSWORD)

    response = post_form(
        client, "/account/password", {"current_password": "not it at all", "password": NEW_PASSWORD}
    )

    assert response.status_code == 200
    assert "Your current password is not correct" in response.get_data(as_text=True)


def test_changing_the_password_ends_other_sessions_and_keeps_this_one(app: Flask, ada: str) -> None:
    this_device, second_session = app.test_client(), app.test_client()
    sign_in(this_device, ada, STRONG_PASSWORD)
    sign_in(second_session, ada, STRONG_PASSWORD)

    response = post_form(
        this_device,
        "/account/password",
        {"current_password": STRONG_PASSWORD, "password": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert is_signed_in(this_device)
    assert not is_signed_in(second_session)
    with app.app_context():
        assert "has been changed" in queued_emails(to=ada)[-1].subject
