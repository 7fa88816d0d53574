"""Changing name, region and email address."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from course.accounts.models import User
from course.core.regions import Region
from course.extensions import db
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.mail import link_in, queued_emails
from tests.fixtures.web import post_form, sign_in


@pytest.fixture
def signed_in(client: FlaskClient, app: Flask) -> FlaskClient:
    with app.app_context():
        make_user(email="ada@example.org", name="Ada Lovelace")
    sign_in(client, "ada@example.org", STRONG_PASSWORD)
    return client


def stored_user(app: Flask, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        db.session.expunge(user)
        return user


def test_name_and_region_can_be_changed(signed_in: FlaskClient, app: Flask) -> None:
    response = post_form(signed_in, "/account/profile", {"name": "Ada King", "region": "au"})

    assert response.status_code == 302
    user = stored_user(app, "ada@example.org")
    assert (user.name, user.region) == ("Ada King", Region.AUSTRALIA)
    assert "Australia" in signed_in.get("/account/").get_data(as_text=True)


def test_the_profile_form_shows_the_current_region_selected(signed_in: FlaskClient) -> None:
    post_form(signed_in, "/account/profile", {"name": "Ada Lovelace", "region": "us"})

    page = signed_in.get("/account/profile").get_data(as_text=True)

    checked = re.findall(r'<input checked [^>]*value="(\w+)"', page)
    assert checked == ["us"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "region": "uk"}, "Enter your full name"),
        ({"name": "A", "region": "zz"}, "Not a valid choice"),
    ],
)
def test_bad_profile_details_change_nothing(
    signed_in: FlaskClient, app: Flask, data: dict[str, str], message: str
) -> None:
    response = post_form(signed_in, "/account/profile", data)

    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert stored_user(app, "ada@example.org").name == "Ada Lovelace"


def test_changing_email_confirms_the_new_address_and_tells_the_old_one(
    signed_in: FlaskClient, app: Flask
) -> None:
    response = post_form(
        signed_in, "/account/email", {"email": " Ada.New@Example.org", "password": STRONG_PASSWORD}
    )
    assert response.status_code == 302
    assert stored_user(app, "ada@example.org").email == "ada@example.org"  # not yet
    with app.app_context():
        path = link_in(queued_emails(to="ada.new@example.org")[-1], "/account/email/confirm/")
    path = path.split("localhost", 1)[1]

    confirmed = post_form(signed_in, path, {})

    assert confirmed.status_code == 302
    user = stored_user(app, "ada.new@example.org")
    assert user.email_verified_at is not None
    with app.app_context():
        [notice] = queued_emails(to="ada@example.org")
        assert "email address has been changed" in notice.subject
    assert post_form(signed_in, path, {}, form_page="/account/").status_code == 404


def test_changing_email_needs_the_password(signed_in: FlaskClient, app: Flask) -> None:
    response = post_form(
        signed_in, "/account/email", {"email": "x@example.org", "password": "nope"}
    )

    assert "Your password is not correct" in response.get_data(as_text=True)
    with app.app_context():
        assert queued_emails() == []


def test_moving_to_an_address_with_an_account_changes_nothing_and_says_nothing(
    signed_in: FlaskClient, app: Flask
) -> None:
    with app.app_context():
        make_user(email="taken@example.org")

    response = post_form(
        signed_in, "/account/email", {"email": "TAKEN@example.org", "password": STRONG_PASSWORD}
    )

    assert response.status_code == 302
    assert stored_user(app, "ada@example.org").email == "ada@example.org"
    with app.app_context():
        [notice] = queued_emails(to="taken@example.org")
        assert "already has an account" in notice.text_body
