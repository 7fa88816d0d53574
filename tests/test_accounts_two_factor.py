"""Two-factor sign-in: set-up, codes, replays, recovery codes, and the admin area's requirement."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from course.accounts.models import RecoveryCode, Role, User
from course.accounts.sessions import PENDING_SINCE
from course.extensions import db
from tests.fixtures.factories import STRONG_PASSWORD, make_user, new_two_factor_secret
from tests.fixtures.two_factor import code_at, enter_code, enter_password
from tests.fixtures.web import post_form, sign_in


def is_signed_in(client: FlaskClient) -> bool:
    return client.get("/account/").status_code == 200


@pytest.fixture
def secret() -> str:
    return new_two_factor_secret()


@pytest.fixture
def protected_user(app: Flask, secret: str) -> str:
    with app.app_context():
        return make_user(email="ada@example.org", two_factor_secret=secret).email


def test_setting_up_two_factor_shows_a_qr_code_and_then_recovery_codes_once(
    client: FlaskClient, app: Flask
) -> None:
    with app.app_context():
        make_user(email="ada@example.org")
    sign_in(client, "ada@example.org", STRONG_PASSWORD)
    page = client.get("/account/two-factor/set-up").get_data(as_text=True)
    assert "<svg" in page and 'class="qr-code"' in page
    secret = re.search(r'<p class="secret" id="secret">(\w+)</p>', page).group(1)  # type: ignore[union-attr]

    assert client.get("/account/two-factor/set-up").get_data(as_text=True).count(secret) == 1
    wrong = post_form(
        client, "/account/two-factor/set-up", {"code": "000000", "password": STRONG_PASSWORD}
    )
    assert "The code is not correct" in wrong.get_data(as_text=True)
    right = post_form(
        client, "/account/two-factor/set-up", {"code": code_at(secret), "password": STRONG_PASSWORD}
    )

    assert right.status_code == 200
    assert right.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", right.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    again = client.get("/account/two-factor/recovery-codes").get_data(as_text=True)
    assert "Get new recovery codes" in again and not set(codes) & set(
        re.findall(r"\w{5}-\w{5}", again)
    )
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user is not None and user.two_factor_enabled and user.totp_secret == secret
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and not set(codes) & set(stored)


def test_signing_in_with_two_factor_needs_the_current_code(
    client: FlaskClient, protected_user: str, secret: str
) -> None:
    enter_password(client, protected_user)
    assert not is_signed_in(client)

    wrong = enter_code(client, "123456")
    assert "not correct, or has been used already" in wrong.get_data(as_text=True)
    right = enter_code(client, code_at(secret))

    assert right.status_code == 302
    assert is_signed_in(client)


def test_a_code_cannot_be_used_twice(app: Flask, protected_user: str, secret: str) -> None:
    code = code_at(secret)
    first = app.test_client()
    enter_password(first, protected_user)
    enter_code(first, code)

    replay = app.test_client()
    enter_password(replay, protected_user)
    response = enter_code(replay, code)

    assert "has been used already" in response.get_data(as_text=True)
    assert not is_signed_in(replay)
    assert enter_code(replay, code_at(secret, offset_steps=1)).status_code == 302


def test_a_recovery_code_works_once(client: FlaskClient, app: Flask, protected_user: str) -> None:
    from course.accounts import services

    with app.app_context():
        user = services.find_user_by_email(protected_user)
        assert user is not None
        codes = services.replace_recovery_codes(user, STRONG_PASSWORD)
        db.session.commit()

    enter_password(client, protected_user)
    assert enter_code(client, codes[0].upper().replace("-", " ")).status_code == 302
    post_form(client, "/logout", {}, form_page="/account/")

    enter_password(client, protected_user)
    reused = enter_code(client, codes[0])

    assert "has been used already" in reused.get_data(as_text=True)
    assert not is_signed_in(client)


def test_the_code_must_follow_the_password_within_five_minutes(
    client: FlaskClient, protected_user: str, secret: str
) -> None:
    enter_password(client, protected_user)
    with client.session_transaction() as session:
        session[PENDING_SINCE] = time.time() - 301

    response = post_form(client, "/login/two-factor", {"code": code_at(secret)}, form_page="/login")

    assert response.headers["Location"] == "/login"
    assert not is_signed_in(client)


def test_code_guessing_is_rate_limited(client: FlaskClient, protected_user: str) -> None:
    enter_password(client, protected_user)

    statuses = [enter_code(client, f"00000{n}").status_code for n in range(6)]

    assert statuses == [200] * 5 + [429]


def test_a_learner_can_turn_two_factor_off_with_their_password(
    client: FlaskClient, app: Flask, protected_user: str, secret: str
) -> None:
    enter_password(client, protected_user)
    enter_code(client, code_at(secret))

    wrong = post_form(client, "/account/two-factor/turn-off", {"password": "not mine"})
    assert "Your password is not correct" in wrong.get_data(as_text=True)
    post_form(client, "/account/two-factor/turn-off", {"password": STRONG_PASSWORD})

    with app.app_context():
        user = db.session.scalar(select(User))
        assert user is not None and not user.two_factor_enabled and user.recovery_codes == []


def test_anonymous_visitors_are_sent_to_sign_in_from_the_admin_area(client: FlaskClient) -> None:
    response = client.get("/admin/")

    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_learner_cannot_reach_the_admin_area(client: FlaskClient, app: Flask) -> None:
    with app.app_context():
        make_user(email="learner@example.org")
    sign_in(client, "learner@example.org", STRONG_PASSWORD)

    response = client.get("/admin/")

    assert response.status_code == 403
    assert "You do not have permission" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AUTHOR])
def test_staff_must_set_up_two_factor_before_the_admin_area_opens(
    client: FlaskClient, app: Flask, role: Role
) -> None:
    with app.app_context():
        make_user(email="staff@example.org", role=role)
    sign_in(client, "staff@example.org", STRONG_PASSWORD)

    response = client.get("/admin/")

    assert response.headers["Location"] == "/account/two-factor/set-up"
    page = client.get("/account/two-factor/set-up").get_data(as_text=True)
    assert "Set up two-factor sign-in to use the admin area" in page
    secret = re.search(r'<p class="secret" id="secret">(\w+)</p>', page).group(1)  # type: ignore[union-attr]
    post_form(
        client, "/account/two-factor/set-up", {"code": code_at(secret), "password": STRONG_PASSWORD}
    )
    opened = client.get("/admin/")
    assert opened.status_code == 200
    assert "Admin area" in opened.get_data(as_text=True)


def test_staff_with_two_factor_reach_the_admin_area_after_giving_a_code(
    client: FlaskClient, app: Flask, secret: str
) -> None:
    with app.app_context():
        make_user(email="admin@example.org", role=Role.ADMIN, two_factor_secret=secret)
    enter_password(client, "admin@example.org")
    enter_code(client, code_at(secret))

    assert client.get("/admin/").status_code == 200


def test_staff_cannot_turn_two_factor_off(client: FlaskClient, app: Flask, secret: str) -> None:
    with app.app_context():
        make_user(email="admin@example.org", role=Role.ADMIN, two_factor_secret=secret)
    enter_password(client, "admin@example.org")
    enter_code(client, code_at(secret))

    response = post_form(client, "/account/two-factor/turn-off", {"password": STRONG_PASSWORD})

    assert "must keep two-factor sign-in turned on" in response.get_data(as_text=True)
