"""V3 Session management (ASVS 3.2, 3.3, 3.4): sessions end when they must, and cookies are safe.

Every way a session must end is tried by replaying the cookies a browser held before: the session
cookie and the "remember me" cookie, as a thief who copied them would. A replayed cookie must find
itself signed out.

Proved by feature tests and not repeated: sign-out ends the user's other sessions
(``tests/test_accounts_sign_in.py::test_signing_out_ends_every_session_of_the_user``), changing the
password keeps this session (``tests/test_accounts_passwords.py::
test_changing_the_password_ends_other_sessions_and_keeps_this_one``), disabling and enabling
(``tests/test_admin_users.py::test_disabling_ends_their_sessions_and_enabling_lets_them_back``),
idle and absolute timeouts (``tests/test_accounts_sign_in.py``), and the cookie settings in
configuration (``tests/test_security_headers.py::
test_session_cookie_is_secure_only_in_production``); here the cookies are read as the browser
receives them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from course.accounts import services as accounts
from course.accounts.models import Role, TokenPurpose, User
from course.extensions import db
from tests.fixtures.apps import build_app
from tests.fixtures.factories import STRONG_PASSWORD, make_user, new_two_factor_secret
from tests.fixtures.security_site import ADMIN, OverHttps, Site, csrf_token_for
from tests.fixtures.two_factor import code_at, enter_code, enter_password
from tests.fixtures.web import post_form, sign_in

NEW_PASSWORD = "lantern meadow copper violin"
REMEMBER = "remember_token"
_numbers = itertools.count(1)


@dataclass
class Person:
    """Someone signed in on a device, and a copy of the cookies that device held."""

    user_id: int
    email: str
    device: FlaskClient
    stolen: dict[str, str]


def cookie_jar(site: Site, client: FlaskClient) -> dict[str, str]:
    names = (site.app.config["SESSION_COOKIE_NAME"], REMEMBER)
    return {name: cookie.value for name in names if (cookie := client.get_cookie(name)) is not None}


def signed_in_person(site: Site, role: Role = Role.LEARNER) -> Person:
    email = f"session-{next(_numbers)}@example.org"
    secret = new_two_factor_secret() if role != Role.LEARNER else None
    with site.app.app_context():
        user_id = make_user(email=email, role=role, two_factor_secret=secret).id
    device = site.new_client()
    if secret:
        enter_password(device, email)  # "remember me" is not offered to staff here
        assert enter_code(device, code_at(secret)).status_code == 302
    else:
        sign_in(device, email, STRONG_PASSWORD, remember=True)
    person = Person(user_id, email, device, cookie_jar(site, device))
    assert site.app.config["SESSION_COOKIE_NAME"] in person.stolen
    assert is_signed_in(device)
    return person


def replay(site: Site, cookies: dict[str, str]) -> FlaskClient:
    """A new browser holding copies of ``cookies``."""
    thief = site.new_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def is_signed_in(client: FlaskClient) -> bool:
    response = client.get("/account/")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
        return False
    assert response.status_code == 200
    return True


def assert_every_copy_is_signed_out(site: Site, person: Person) -> None:
    for name, value in person.stolen.items():
        assert not is_signed_in(replay(site, {name: value})), f"the old {name} cookie still works"
    assert not is_signed_in(replay(site, person.stolen))


def test_the_copies_a_thief_would_hold_work_until_the_session_ends(site: Site) -> None:
    """The control for every test here: without an ending, the copied cookies are signed in."""
    person = signed_in_person(site)

    assert is_signed_in(replay(site, person.stolen))
    assert is_signed_in(replay(site, {REMEMBER: person.stolen[REMEMBER]}))


def test_signing_out_ends_the_session_for_every_copy_of_its_cookies(site: Site) -> None:
    person = signed_in_person(site)

    response = post_form(person.device, "/logout", {}, form_page="/account/")

    assert response.status_code == 302
    assert "You have signed out" in person.device.get("/").get_data(as_text=True)
    assert not is_signed_in(person.device)
    assert_every_copy_is_signed_out(site, person)


def test_changing_the_password_ends_the_old_cookies_of_every_device(site: Site) -> None:
    person = signed_in_person(site)
    other_device = site.new_client()
    sign_in(other_device, person.email, STRONG_PASSWORD)

    response = post_form(
        person.device,
        "/account/password",
        {"current_password": STRONG_PASSWORD, "password": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert is_signed_in(person.device)  # this device carries on, with new cookies
    assert cookie_jar(site, person.device) != person.stolen
    assert not is_signed_in(other_device)
    assert_every_copy_is_signed_out(site, person)


def test_resetting_the_password_ends_every_session(site: Site) -> None:
    person = signed_in_person(site)
    with site.app.app_context():
        user = db.session.get(User, person.user_id)
        assert user is not None
        token = accounts.issue_token(user, TokenPurpose.RESET_PASSWORD)
        db.session.commit()
    stranger = site.new_client()

    response = post_form(stranger, f"/password/reset/{token}", {"password": NEW_PASSWORD})

    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not is_signed_in(stranger)
    assert not is_signed_in(person.device)
    assert_every_copy_is_signed_out(site, person)


def admin_acts(site: Site, path: str, data: dict[str, str]):
    admin = site.clients[ADMIN]
    return admin.post(path, data={"csrf_token": csrf_token_for(admin), **data})


def test_an_admin_disabling_someone_ends_every_session_they_have(site: Site) -> None:
    person = signed_in_person(site)

    response = admin_acts(site, f"/admin/users/{person.user_id}/disable", {})

    assert response.status_code == 302
    assert not is_signed_in(person.device)
    assert_every_copy_is_signed_out(site, person)
    with site.app.app_context():
        user = db.session.get(User, person.user_id)
        assert user is not None and user.disabled_at is not None


def test_demoting_staff_takes_their_rights_away_in_open_sessions_at_once(site: Site) -> None:
    author = signed_in_person(site, Role.AUTHOR)
    assert author.device.get("/admin/").status_code == 200

    response = admin_acts(site, f"/admin/users/{author.user_id}/role", {"role": "learner"})

    assert response.status_code == 302
    assert author.device.get("/admin/").status_code == 403
    assert replay(site, author.stolen).get("/admin/modules/").status_code == 403
    with site.app.app_context():
        user = db.session.get(User, author.user_id)
        assert user is not None and user.role == Role.LEARNER


def test_promotion_does_not_open_the_admin_area_to_a_session_without_two_factors(
    site: Site,
) -> None:
    person = signed_in_person(site)

    response = admin_acts(site, f"/admin/users/{person.user_id}/role", {"role": "admin"})

    assert response.status_code == 302
    admin_page = person.device.get("/admin/users/")
    assert admin_page.status_code == 302
    assert "/account/two-factor/set-up" in admin_page.headers["Location"]
    assert replay(site, person.stolen).get("/admin/users/").status_code == 302


def test_deleting_your_account_ends_every_session(site: Site) -> None:
    person = signed_in_person(site)

    response = post_form(person.device, "/account/delete", {"password": STRONG_PASSWORD})

    assert response.status_code == 302, response.get_data(as_text=True)
    assert not is_signed_in(person.device)
    assert_every_copy_is_signed_out(site, person)
    with site.app.app_context():
        assert db.session.scalar(select(User).where(User.email == person.email)) is None


def test_an_admin_erasing_an_account_ends_every_session_of_it(site: Site) -> None:
    person = signed_in_person(site)

    response = admin_acts(
        site, f"/admin/users/{person.user_id}/delete", {"confirm_email": person.email}
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    assert not is_signed_in(person.device)
    assert_every_copy_is_signed_out(site, person)


def test_signing_in_starts_a_new_session_so_a_planted_one_stays_signed_out(site: Site) -> None:
    """Session fixation: an attacker who gave the victim a session cookie gains nothing."""
    email = f"session-{next(_numbers)}@example.org"
    with site.app.app_context():
        make_user(email=email)
    victim = site.new_client()
    victim.get("/login")
    with victim.session_transaction() as session:
        session["planted_by_attacker"] = "yes"
    planted = cookie_jar(site, victim)

    sign_in(victim, email, STRONG_PASSWORD)

    assert is_signed_in(victim)
    assert cookie_jar(site, victim) != planted
    assert not is_signed_in(replay(site, planted))
    with victim.session_transaction() as session:
        assert "planted_by_attacker" not in session


# Cookie flags, as the browser receives them


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Flask]:
    plain = build_app(tmp_path_factory.mktemp("plain"), RATELIMIT_ENABLED=False)
    https = build_app(
        tmp_path_factory.mktemp("https"),
        RATELIMIT_ENABLED=False,
        HTTPS_ONLY=True,
        BASE_URL="https://localhost",
    )
    https.wsgi_app = OverHttps(https.wsgi_app)  # type: ignore[method-assign]
    by_scheme = {"http": plain, "https": https}
    # On PostgreSQL both apps share one database, so each has a person of its own.
    for scheme, app in by_scheme.items():
        with app.app_context():
            make_user(email=f"cookies-{scheme}@example.org")
    yield by_scheme
    for app in (plain, https):
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_session_cookies_are_http_only_same_site_and_secure_over_https(
    apps: dict[str, Flask], scheme: str
) -> None:
    app = apps[scheme]
    client = app.test_client()

    sign_in(client, f"cookies-{scheme}@example.org", STRONG_PASSWORD, remember=True)

    for name in (app.config["SESSION_COOKIE_NAME"], REMEMBER):
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        assert cookie.http_only, name
        assert cookie.same_site == "Lax", name
        assert cookie.secure is (scheme == "https"), name
