"""Two-factor sign-in cannot be skipped from an older session, a "remember me" cookie or a
password change; recovery codes need a session that passed it and the password; and the session
cookie (signed but readable) never holds a two-factor secret or a session token awaiting a code."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from course.accounts.models import RecoveryCode, Role, User
from course.accounts.passwords import verify_password
from course.core.database import utcnow
from course.extensions import db
from tests.fixtures.factories import STRONG_PASSWORD, make_user, new_two_factor_secret
from tests.fixtures.web import csrf_token_from, post_form, sign_in

NEW_PASSWORD = "quartz meadow lantern ferry"
REMEMBER_COOKIE = "remember_token"


def code_at(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def is_signed_in(client: FlaskClient) -> bool:
    return client.get("/account/").status_code == 200


def set_up_two_factor(client: FlaskClient) -> tuple[str, list[str]]:
    """Turn two-factor sign-in on through the set-up page; the key and the recovery codes."""
    page = client.get("/account/two-factor/set-up").get_data(as_text=True)
    secret = re.search(r'<p class="secret" id="secret">(\w+)</p>', page).group(1)  # type: ignore[union-attr]
    response = post_form(
        client, "/account/two-factor/set-up", {"code": code_at(secret), "password": STRONG_PASSWORD}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return secret, re.findall(r"<li>(\w{5}-\w{5})</li>", response.get_data(as_text=True))


def turn_two_factor_on_behind_this_session(app: Flask, email: str) -> str:
    """Turn two-factor on for the account straight in the database, leaving its session token as
    it was: a session that never passed two factors then survives, as before the fix one did
    whenever two-factor was turned on from another device."""
    secret = new_two_factor_secret()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        user.totp_secret = secret
        user.totp_enabled_at = utcnow()
        user.recovery_codes = [RecoveryCode(code_hash="0" * 64)]
        db.session.commit()
    return secret


def account(app: Flask, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        db.session.expunge(user)
        return user


def recovery_code_hashes(app: Flask, email: str) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(RecoveryCode.code_hash)
                .join(User, User.id == RecoveryCode.user_id)
                .where(User.email == email)
            )
        )


def session_contents(client: FlaskClient) -> str:
    """Everything the session cookie holds, as text."""
    with client.session_transaction() as session:
        return json.dumps(dict(session), default=str)


def without_session_cookie(client: FlaskClient) -> FlaskClient:
    """The browser after a restart: the session cookie is gone, "remember me" is not."""
    client.delete_cookie("session")
    return client


@pytest.fixture
def learner(app: Flask) -> Iterator[str]:
    with app.app_context():
        make_user(email="ada@example.org")
    yield "ada@example.org"


# Turning two-factor on


def test_turning_two_factor_on_ends_every_other_session_and_remember_me_cookie(
    app: Flask, learner: str
) -> None:
    this_device = app.test_client()
    other_device = app.test_client()
    remembered_device = app.test_client()
    for client in (this_device, other_device):
        sign_in(client, learner, STRONG_PASSWORD)
    sign_in(remembered_device, learner, STRONG_PASSWORD, remember=True)
    assert remembered_device.get_cookie(REMEMBER_COOKIE) is not None

    set_up_two_factor(this_device)

    assert is_signed_in(this_device)
    assert not is_signed_in(other_device)
    assert not is_signed_in(without_session_cookie(remembered_device))
    assert account(app, learner).two_factor_enabled


def test_turning_two_factor_on_needs_the_password(
    app: Flask, client: FlaskClient, learner: str
) -> None:
    sign_in(client, learner, STRONG_PASSWORD)
    page = client.get("/account/two-factor/set-up").get_data(as_text=True)
    secret = re.search(r'<p class="secret" id="secret">(\w+)</p>', page).group(1)  # type: ignore[union-attr]

    wrong = post_form(
        client, "/account/two-factor/set-up", {"code": code_at(secret), "password": "not mine"}
    )

    assert wrong.status_code == 200
    assert "Your password is not correct." in wrong.get_data(as_text=True)
    assert not account(app, learner).two_factor_enabled


# Sessions that never passed two factors


def test_a_session_from_before_two_factor_was_turned_on_is_asked_for_a_code(
    app: Flask, client: FlaskClient, learner: str
) -> None:
    sign_in(client, learner, STRONG_PASSWORD)
    secret = turn_two_factor_on_behind_this_session(app, learner)

    response = client.get("/account/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/two-factor?next=")
    assert post_form(client, "/login/two-factor", {"code": code_at(secret)}).status_code == 302
    assert is_signed_in(client)


def test_changing_the_password_does_not_count_as_passing_two_factor(
    app: Flask, client: FlaskClient, learner: str
) -> None:
    sign_in(client, learner, STRONG_PASSWORD)
    token = csrf_token_from(client.get("/account/password").get_data(as_text=True))
    turn_two_factor_on_behind_this_session(app, learner)

    response = client.post(
        "/account/password",
        data={"csrf_token": token, "current_password": STRONG_PASSWORD, "password": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/two-factor")
    assert not is_signed_in(client)
    assert verify_password(account(app, learner).password_hash, STRONG_PASSWORD)


def test_a_staff_session_that_changed_its_password_still_needs_a_code_for_the_admin_area(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        make_user(email="staff@example.org", role=Role.ADMIN)
    sign_in(client, "staff@example.org", STRONG_PASSWORD)
    turn_two_factor_on_behind_this_session(app, "staff@example.org")

    post_form(
        client,
        "/account/password",
        {"current_password": STRONG_PASSWORD, "password": NEW_PASSWORD},
        form_page="/login",
    )
    admin = client.get("/admin/")

    assert admin.status_code == 302
    assert admin.headers["Location"].startswith("/login/two-factor")


def test_a_session_restored_from_remember_me_asks_for_a_code(app: Flask) -> None:
    secret = new_two_factor_secret()
    with app.app_context():
        learner = make_user(email="ada@example.org", two_factor_secret=secret).email
    client = app.test_client()
    post_form(client, "/login", {"email": learner, "password": STRONG_PASSWORD, "remember": "y"})
    assert post_form(client, "/login/two-factor", {"code": code_at(secret)}).status_code == 302
    assert client.get_cookie(REMEMBER_COOKIE) is not None

    restored = without_session_cookie(client).get("/account/")

    assert restored.status_code == 302
    assert restored.headers["Location"] == "/login/two-factor?next=%2Faccount%2F"
    assert client.get("/").status_code == 200
    assert "Sign in" in client.get("/").get_data(as_text=True)  # not signed in meanwhile
    assert client.get_cookie(REMEMBER_COOKIE) is not None  # it still stands in for the password
    assert account(app, learner).session_token not in session_contents(client)
    entered = post_form(client, "/login/two-factor?next=/account/", {"code": code_at(secret, 1)})
    assert entered.headers["Location"] == "/account/"
    assert is_signed_in(client)


def test_a_remembered_admin_needs_a_code_before_the_admin_area_opens(app: Flask) -> None:
    secret = new_two_factor_secret()
    with app.app_context():
        make_user(email="admin@example.org", role=Role.ADMIN, two_factor_secret=secret)
    client = app.test_client()
    post_form(
        client,
        "/login",
        {"email": "admin@example.org", "password": STRONG_PASSWORD, "remember": "y"},
    )
    post_form(client, "/login/two-factor", {"code": code_at(secret)})
    assert client.get("/admin/").status_code == 200

    admin = without_session_cookie(client).get("/admin/")

    assert admin.status_code == 302
    assert admin.headers["Location"].startswith("/login/two-factor")


# Recovery codes


def test_new_recovery_codes_need_a_session_that_passed_two_factor(
    app: Flask, client: FlaskClient, learner: str
) -> None:
    sign_in(client, learner, STRONG_PASSWORD)
    token = csrf_token_from(client.get("/account/password").get_data(as_text=True))
    turn_two_factor_on_behind_this_session(app, learner)
    before = recovery_code_hashes(app, learner)

    response = client.post(
        "/account/two-factor/recovery-codes",
        data={"csrf_token": token, "password": STRONG_PASSWORD},
    )

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/two-factor")
    assert recovery_code_hashes(app, learner) == before


def test_new_recovery_codes_need_the_password_and_are_shown_once_uncached(
    app: Flask, client: FlaskClient, learner: str
) -> None:
    sign_in(client, learner, STRONG_PASSWORD)
    _secret, first_codes = set_up_two_factor(client)
    before = recovery_code_hashes(app, learner)

    wrong = post_form(client, "/account/two-factor/recovery-codes", {"password": "not mine"})
    assert wrong.status_code == 200
    assert "Your password is not correct." in wrong.get_data(as_text=True)
    assert recovery_code_hashes(app, learner) == before

    right = post_form(client, "/account/two-factor/recovery-codes", {"password": STRONG_PASSWORD})
    new_codes = re.findall(r"<li>(\w{5}-\w{5})</li>", right.get_data(as_text=True))

    assert right.status_code == 200
    assert right.headers["Cache-Control"] == "no-store"
    assert len(new_codes) == 10 and not set(new_codes) & set(first_codes)
    assert recovery_code_hashes(app, learner) != before
    assert not set(new_codes) & set(re.findall(r"\w{5}-\w{5}", session_contents(client)))


# The session cookie holds no secret


def test_the_session_cookie_never_holds_the_set_up_key_or_recovery_codes(
    app: Flask, client: FlaskClient, learner: str
) -> None:
    sign_in(client, learner, STRONG_PASSWORD)
    client.get("/account/two-factor/set-up")
    setting_up = session_contents(client)
    secret, codes = set_up_two_factor(client)

    assert secret not in setting_up
    assert account(app, learner).totp_secret == secret
    after = session_contents(client)
    assert secret not in after
    assert not any(code in after for code in codes)


def test_the_session_cookie_awaiting_a_code_does_not_hold_the_session_token(app: Flask) -> None:
    secret = new_two_factor_secret()
    with app.app_context():
        make_user(email="ada@example.org", two_factor_secret=secret)
    client = app.test_client()

    post_form(client, "/login", {"email": "ada@example.org", "password": STRONG_PASSWORD})

    assert account(app, "ada@example.org").session_token not in session_contents(client)
    assert post_form(client, "/login/two-factor", {"code": code_at(secret)}).status_code == 302


def test_ending_every_session_also_ends_a_wait_for_the_code(app: Flask) -> None:
    secret = new_two_factor_secret()
    with app.app_context():
        make_user(email="ada@example.org", two_factor_secret=secret)
    client = app.test_client()
    post_form(client, "/login", {"email": "ada@example.org", "password": STRONG_PASSWORD})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ada@example.org"))
        assert user is not None
        user.session_token = "replaced-by-a-password-reset"
        db.session.commit()

    response = post_form(client, "/login/two-factor", {"code": code_at(secret)}, form_page="/login")

    assert response.headers["Location"] == "/login"
    assert not is_signed_in(client)
