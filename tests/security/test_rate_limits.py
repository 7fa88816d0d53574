"""V2 Authentication and V11 Business logic (ASVS 2.2.1, 11.1.4): every rate-limited endpoint.

``DECLARED`` lists every limit the app declares, read from the limiter itself, so a new limit, a
removed one or a weakened one fails ``test_every_limit_the_app_declares_is_known``. Each limit is
then shown to answer 429 with the "Too many requests" page once it is used up, for that client or
account only, here or in the feature test that already proves it:

* sign-in per client and per address: ``tests/test_accounts_sign_in.py::
  test_sign_in_is_rate_limited_per_client`` and ``::test_sign_in_is_rate_limited_per_account``;
* registration per client: ``tests/test_accounts_registration.py::
  test_registration_is_rate_limited_per_client``;
* new confirmation links per account: ``tests/test_accounts_registration.py::
  test_asking_for_new_confirmation_links_is_rate_limited``;
* password reset requests per address: ``tests/test_accounts_passwords.py::
  test_reset_requests_are_rate_limited_per_address``;
* two-factor codes per account: ``tests/test_accounts_two_factor.py::
  test_code_guessing_is_rate_limited``;
* certificate verification by link, 30 a minute: ``tests/test_certificates.py::
  test_verification_is_limited_to_30_lookups_a_minute_per_client``;
* downloading your data per account: ``tests/test_privacy_export.py`` (the hourly limit);
* evidence packs per account, 10 an hour (for an organisation and for each site alike):
  ``tests/test_evidence_download.py::test_an_account_builds_at_most_10_packs_an_hour``;
* the 429 page itself and its Retry-After header: ``tests/test_errors.py::
  test_too_many_requests_gets_429_page_with_retry_after``; limits behind a proxy:
  ``tests/test_proxies.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_limiter.util import get_qualified_name, get_remote_address
from werkzeug.test import TestResponse

from course.extensions import limiter
from tests.fixtures.factories import STRONG_PASSWORD, make_user, new_two_factor_secret
from tests.fixtures.two_factor import code_at, enter_code, enter_password
from tests.fixtures.web import csrf_token_from, sign_in
from tests.security.access_table import REAL_APP

CLIENT = "client address"
ACCOUNT = "signed-in account"
ADDRESS = "email address in the form"
AWAITING = "account awaiting a two-factor code"

# Every limit of every endpoint: (amount, window, method or None for all, what it counts by).
DECLARED: dict[str, set[tuple[str, str | None, str]]] = {
    "accounts.register": {
        ("10 per 1 minute", "post", CLIENT),
        ("50 per 1 hour", "post", CLIENT),
    },
    "accounts.confirm_email": {("20 per 1 minute", "post", CLIENT)},
    "accounts.resend_confirmation": {("3 per 1 hour", None, ACCOUNT)},
    "accounts.login": {
        ("20 per 1 minute", "post", CLIENT),
        ("5 per 1 minute", "post", ADDRESS),
        ("30 per 1 hour", "post", ADDRESS),
    },
    "accounts.two_factor_challenge": {
        ("5 per 1 minute", "post", AWAITING),
        ("20 per 1 hour", "post", AWAITING),
    },
    "accounts.forgotten_password": {
        ("10 per 1 minute", "post", CLIENT),
        ("3 per 1 hour", "post", ADDRESS),
    },
    "accounts.reset_password": {("20 per 1 minute", "post", CLIENT)},
    "accounts.change_email": {("5 per 1 hour", "post", ACCOUNT)},
    "accounts.confirm_email_change": {("20 per 1 minute", "post", CLIENT)},
    "accounts.two_factor_setup": {("10 per 1 minute", "post", ACCOUNT)},
    "accounts.two_factor_disable": {("10 per 1 hour", "post", ACCOUNT)},
    "accounts.replace_recovery_codes": {("10 per 1 hour", "post", ACCOUNT)},
    "certificates.verify_form": {("30 per 1 minute", None, CLIENT)},
    "certificates.verify": {("30 per 1 minute", None, CLIENT)},
    "certificates.correct_name": {("10 per 1 hour", "post", ACCOUNT)},
    "verification.check_many": {("10 per 1 hour", "post", ACCOUNT)},
    "evidence.organisation_pack": {("10 per 1 hour", None, ACCOUNT)},
    "evidence.site_pack": {("10 per 1 hour", None, ACCOUNT)},
    "learning.wallet_card": {("30 per 1 minute", None, CLIENT)},
    "invitations.accept": {("30 per 1 minute", None, CLIENT)},
    "invitations.register": {("10 per 1 minute", "post", CLIENT)},
    "account_deletion.delete_account": {("10 per 1 hour", "post", ACCOUNT)},
    "privacy.download_your_data": {("10 per 1 hour", None, ACCOUNT)},
}


def counted_by(key_func: Callable[[], str]) -> str:
    if key_func is get_remote_address:
        return CLIENT
    return {
        "signed_in_account": ACCOUNT,
        "_email_in_form": ADDRESS,
        "_account_awaiting_code": AWAITING,
    }[key_func.__name__]


def declared_limits(app: Flask) -> dict[str, set[tuple[str, str | None, str]]]:
    found: dict[str, set[tuple[str, str | None, str]]] = {}
    for endpoint, view in app.view_functions.items():
        limits = limiter.limit_manager.decorated_limits(get_qualified_name(view))
        if limits:
            found[endpoint] = {
                (
                    str(limit.limit),
                    ",".join(sorted(limit.methods)) if limit.methods else None,
                    counted_by(limit.key_func),
                )
                for limit in limits
            }
    return found


def test_every_limit_the_app_declares_is_known() -> None:
    assert declared_limits(REAL_APP) == DECLARED


# Exercising the limits that no feature test exercises.

OTHER_ADDRESS = {"REMOTE_ADDR": "198.51.100.23"}


@dataclass(frozen=True)
class Limited:
    """One limit to use up: ``allowed`` requests pass, the next gets 429."""

    endpoint: str
    method: str
    path: str
    allowed: int
    counted_by: str
    data: dict[str, str] = field(default_factory=dict)
    two_factor: bool = False
    #: A new address in each request, so that only the per-client limit is reached.
    new_address_each_time: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint}"


EXERCISED = [
    Limited("accounts.confirm_email", "POST", "/account/confirm/not-a-token", 20, CLIENT),
    Limited("accounts.reset_password", "POST", "/password/reset/not-a-token", 20, CLIENT),
    Limited(
        "accounts.confirm_email_change", "POST", "/account/email/confirm/not-a-token", 20, CLIENT
    ),
    Limited(
        "accounts.forgotten_password",
        "POST",
        "/password/forgotten",
        10,
        CLIENT,
        new_address_each_time=True,
    ),
    Limited(
        "accounts.change_email",
        "POST",
        "/account/email",
        5,
        ACCOUNT,
        {"email": "new@example.org", "password": "not the password"},
    ),
    Limited(
        "accounts.two_factor_setup",
        "POST",
        "/account/two-factor/set-up",
        10,
        ACCOUNT,
        {"code": "000000", "password": STRONG_PASSWORD},
    ),
    Limited(
        "accounts.two_factor_disable",
        "POST",
        "/account/two-factor/turn-off",
        10,
        ACCOUNT,
        {"password": "not the password"},
        two_factor=True,
    ),
    Limited(
        "accounts.replace_recovery_codes",
        "POST",
        "/account/two-factor/recovery-codes",
        10,
        ACCOUNT,
        {"password": "not the password"},
        two_factor=True,
    ),
    Limited("certificates.verify_form", "GET", "/verify?code=NOPE", 30, CLIENT),
    Limited(
        "certificates.correct_name",
        "POST",
        "/certificates/NOPE/name",
        10,
        ACCOUNT,
        {"holder_name": "Someone Else", "reason": "Lending it"},
    ),
    # A bulk check of certificates is counted even when its file is refused.
    Limited("verification.check_many", "POST", "/verify/many", 10, ACCOUNT, {}),
    # Each card is a PDF rendered on request; cards of no region are counted too.
    Limited("learning.wallet_card", "GET", "/who-to-call/card-mars.pdf", 30, CLIENT),
    Limited("invitations.accept", "GET", "/join/invitation/not-a-token", 30, CLIENT),
    Limited("invitations.accept", "POST", "/join/invitation/not-a-token", 30, CLIENT),
    Limited("invitations.register", "POST", "/join/invitation/not-a-token/register", 10, CLIENT),
    Limited(
        "account_deletion.delete_account",
        "POST",
        "/account/delete",
        10,
        ACCOUNT,
        {"password": "not the password", "code": ""},
    ),
]


def test_each_declared_limit_is_exercised_here_or_by_a_feature_test() -> None:
    proved_elsewhere = {
        "accounts.login",
        "accounts.register",
        "accounts.resend_confirmation",
        "accounts.two_factor_challenge",
        "certificates.verify",
        "privacy.download_your_data",
        "evidence.organisation_pack",
        "evidence.site_pack",
    }

    assert {limited.endpoint for limited in EXERCISED} | proved_elsewhere == set(DECLARED)


_people = itertools.count(1)


def visitor(app: Flask, limited: Limited, environ: dict[str, str] | None = None) -> FlaskClient:
    """A client as the limit needs it: signed in as a new person when it counts by account."""
    client = app.test_client()
    if environ:
        client.environ_base.update(environ)
    if limited.counted_by != ACCOUNT:
        return client
    email = f"person{next(_people)}@example.org"
    with app.app_context():
        secret = new_two_factor_secret() if limited.two_factor else None
        make_user(email=email, two_factor_secret=secret)
    if secret:
        enter_password(client, email)
        assert enter_code(client, code_at(secret)).status_code == 302
    else:
        sign_in(client, email, STRONG_PASSWORD)
    return client


def request_once(client: FlaskClient, limited: Limited, number: int) -> TestResponse:
    if limited.method == "GET":
        return client.get(limited.path)
    form_page = "/account/profile" if limited.counted_by == ACCOUNT else "/login"
    token = csrf_token_from(client.get(form_page).get_data(as_text=True))
    data = {"csrf_token": token, **limited.data}
    if limited.new_address_each_time:
        data["email"] = f"someone{number}@example.org"
    return client.post(limited.path, data=data)


@pytest.mark.parametrize("limited", EXERCISED, ids=str)
def test_a_limit_answers_429_once_used_up_for_that_client_only(
    app: Flask, limited: Limited
) -> None:
    client = visitor(app, limited)

    statuses = [
        request_once(client, limited, number).status_code for number in range(limited.allowed)
    ]
    refused = request_once(client, limited, limited.allowed)

    assert 429 not in statuses, statuses
    assert refused.status_code == 429
    assert "Too many requests" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    # Someone else, from another address or signed in as another person, is not held back.
    someone_else = visitor(app, limited, OTHER_ADDRESS if limited.counted_by == CLIENT else None)
    assert request_once(someone_else, limited, limited.allowed + 1).status_code != 429
