"""V2 Authentication and V3 Session management (ASVS 2.2.x, 3.x; account enumeration): nobody
learns from an answer whether an address has an account.

Sign-in, password reset and registration answer with the same status, headers and page for an
address with an account and one without (after the CSRF token and the address typed are taken
out), and sign-in runs the argon2 check, with the same cost parameters, whether or not the
account exists. Time is proved by counting calls, never by a clock.

Proved by feature tests and not repeated: moving to an address in use says nothing
(``tests/test_accounts_profile.py::
test_moving_to_an_address_with_an_account_changes_nothing_and_says_nothing``), and registering
through an invitation with an address in use joins nobody
(``tests/test_organisation_invitations.py::test_registering_through_an_invitation_with_an_address_in_use_joins_nobody``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher, extract_parameters
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from course.accounts import services
from course.accounts.models import User
from course.extensions import db
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.mail import queued_emails
from tests.fixtures.web import post_form

KNOWN = "known@example.org"
UNKNOWN = "nobody@example.org"
NEW_PASSWORD = "lantern meadow copper violin"
WRONG_PASSWORD = "not the right password at all"
# Headers that differ between any two requests, whoever asks.
VARYING_HEADERS = {
    "Set-Cookie",
    "Content-Length",
    "X-Request-ID",
    "X-RateLimit-Reset",
    "Retry-After",
    "Vary",
}
_addresses = itertools.count(1)


@pytest.fixture
def known(app: Flask) -> str:
    with app.app_context():
        make_user(email=KNOWN)
        make_user(email="disabled@example.org")
        make_user(email="unconfirmed@example.org", verified=False)
        user = services.find_user_by_email("disabled@example.org")
        assert user is not None
        services.disable_user(user)
        db.session.commit()
    return KNOWN


def new_visitor(app: Flask) -> FlaskClient:
    """A browser from an address of its own, so that per-client limits count alike."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"192.0.2.{next(_addresses)}"
    return client


def normalised(response: TestResponse, typed: str) -> str:
    """The page without what differs by design: the CSRF token and the address typed."""
    page = response.get_data(as_text=True)
    page = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", page)
    return page.replace(typed, "ADDRESS")


def answer(response: TestResponse, typed: str) -> tuple[object, ...]:
    headers = sorted(
        (name, value.replace(typed, "ADDRESS"))
        for name, value in response.headers.items()
        if name not in VARYING_HEADERS
    )
    cookies = sorted(header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie"))
    return response.status_code, headers, cookies, normalised(response, typed)


def sign_in_answer(app: Flask, email: str, password: str) -> tuple[object, ...]:
    client = new_visitor(app)
    response = post_form(client, "/login", {"email": email, "password": password})
    assert client.get("/account/").status_code == 302, "must not be signed in"
    return answer(response, email)


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (UNKNOWN, WRONG_PASSWORD),
        (UNKNOWN, STRONG_PASSWORD),
        ("disabled@example.org", STRONG_PASSWORD),
        ("disabled@example.org", WRONG_PASSWORD),
    ],
)
def test_sign_in_answers_an_unknown_or_disabled_account_as_a_wrong_password(
    app: Flask, known: str, email: str, password: str
) -> None:
    wrong_password = sign_in_answer(app, known, WRONG_PASSWORD)

    other = sign_in_answer(app, email, password)

    assert wrong_password[0] == 200
    assert "The email address or password is not correct" in str(wrong_password[3])
    assert other == wrong_password


@pytest.mark.parametrize(
    "email", [UNKNOWN, "disabled@example.org", "unconfirmed@example.org", "  KNOWN@example.org "]
)
def test_a_reset_request_answers_every_address_alike(app: Flask, known: str, email: str) -> None:
    def reset_answer(address: str) -> tuple[tuple[object, ...], tuple[object, ...]]:
        client = new_visitor(app)
        response = post_form(client, "/password/forgotten", {"email": address})
        shown = services.normalise_email(address)
        return answer(response, shown), answer(client.get(response.headers["Location"]), shown)

    for_known = reset_answer(known)
    for_other = reset_answer(email)

    assert for_known[0][0] == 302
    assert "ADDRESS" in str(for_known[1][3])  # the page names the address typed, either way
    assert for_other == for_known
    with app.app_context():
        # Only active accounts get a link; the answer on screen never says which.
        active = {KNOWN, "unconfirmed@example.org"}
        address = services.normalise_email(email)
        expected = [KNOWN] + ([address] if address in active else [])
        assert [message.recipient for message in queued_emails()] == expected


def test_registering_an_address_in_use_answers_as_a_new_one(app: Flask, known: str) -> None:
    def register_answer(address: str) -> tuple[tuple[object, ...], tuple[object, ...]]:
        client = new_visitor(app)
        response = post_form(
            client,
            "/register",
            {"name": "Ada Lovelace", "email": address, "password": NEW_PASSWORD, "region": "uk"},
        )
        return answer(response, address), answer(client.get(response.headers["Location"]), address)

    for_new = register_answer("fresh@example.org")
    for_known = register_answer(known)

    assert for_new[0][0] == 302
    assert for_known == for_new
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 4  # one new account
        owner_emails = [message.subject for message in queued_emails(to=KNOWN)]
        assert owner_emails == ["You already have a CT Citizen account"]


# Equal work: argon2 runs, with the same cost, whether or not the account exists.


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Every argon2 verify and hash call, as (kind, the hash verified against or made)."""
    calls: list[tuple[str, str]] = []
    real_verify, real_hash = PasswordHasher.verify, PasswordHasher.hash

    def verify(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
        calls.append(("verify", hash if isinstance(hash, str) else hash.decode()))
        return real_verify(self, hash, password)

    def hash_(self: PasswordHasher, password: str | bytes, *, salt: bytes | None = None) -> str:
        made = real_hash(self, password, salt=salt)
        calls.append(("hash", made))
        return made

    monkeypatch.setattr(PasswordHasher, "verify", verify)
    monkeypatch.setattr(PasswordHasher, "hash", hash_)
    yield calls


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (KNOWN, WRONG_PASSWORD),
        (KNOWN, STRONG_PASSWORD),
        (UNKNOWN, WRONG_PASSWORD),
        ("disabled@example.org", STRONG_PASSWORD),
    ],
)
def test_sign_in_runs_argon2_once_at_full_cost_for_any_address(
    app: Flask, known: str, argon2_calls: list[tuple[str, str]], email: str, password: str
) -> None:
    with app.app_context():
        stored_hash = db.session.scalar(select(User.password_hash).where(User.email == KNOWN))
        assert stored_hash is not None
    client = new_visitor(app)
    client.get("/login")
    argon2_calls.clear()

    post_form(client, "/login", {"email": email, "password": password}, form_page="/login")

    verified = [made for kind, made in argon2_calls if kind == "verify"]
    assert len(verified) == 1, argon2_calls
    assert extract_parameters(verified[0]) == extract_parameters(stored_hash)


@pytest.mark.parametrize("email", ["fresh@example.org", KNOWN])
def test_registration_hashes_the_password_for_a_new_or_existing_address(
    app: Flask, known: str, argon2_calls: list[tuple[str, str]], email: str
) -> None:
    client = new_visitor(app)
    client.get("/register")
    argon2_calls.clear()

    response = post_form(
        client,
        "/register",
        {"name": "Ada Lovelace", "email": email, "password": NEW_PASSWORD, "region": "uk"},
    )

    assert response.status_code == 302
    assert [kind for kind, _made in argon2_calls] == ["hash"]
