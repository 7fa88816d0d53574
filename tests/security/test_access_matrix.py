"""Who reaches which page: every route of the app, GET and POST, for every kind of visitor.

The routes come from the URL map and each has an expected rule in ``access_table.EXPECTED_RULE``,
so a new route fails here until someone decides who may reach it.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from course.core.access import access_rule_of
from tests.fixtures.security_site import (
    ANONYMOUS,
    HARMLESS_BODY,
    MEMBER,
    ROLES,
    Site,
    csrf_token_for,
)
from tests.security.access_table import (
    ALLOWED,
    DECLARED_RULE,
    EXPECTED_RULE,
    GET_AND_POST,
    REAL_APP,
    REFUSAL,
    SIGNED_IN,
    rule_of,
)

# Requests that would spoil a shared client (signing out; the member leaving the organisation):
# these roles get a new client of their own for them.
SPOILS_THE_SESSION = {
    ("POST", "accounts.logout"): set(ROLES) - {ANONYMOUS},
    ("POST", "organisations.leave"): {MEMBER},
}


def test_every_endpoint_of_the_app_has_an_expected_rule() -> None:
    endpoints = set(REAL_APP.view_functions)

    assert sorted(endpoints - set(EXPECTED_RULE)) == [], "endpoints without a decision"
    assert sorted(set(EXPECTED_RULE) - endpoints) == [], "the table names endpoints that are gone"


def test_each_view_declares_the_rule_the_table_expects() -> None:
    declared = {
        endpoint: access_rule_of(view) for endpoint, view in REAL_APP.view_functions.items()
    }

    assert {
        endpoint: rule
        for endpoint, rule in declared.items()
        if rule != DECLARED_RULE[EXPECTED_RULE[endpoint]]
    } == {}


def attempt(client: FlaskClient, method: str, path: str) -> TestResponse:
    if method == "GET":
        response = client.get(path)
    else:
        token = csrf_token_for(client)
        response = client.post(path, data={"csrf_token": token, **HARMLESS_BODY})
    response.close()
    return response


def goes_to_sign_in(response: TestResponse) -> bool:
    """Turned away to the sign-in page, which sends the visitor back afterwards."""
    return response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(("method", "endpoint"), GET_AND_POST)
def test_only_the_right_people_reach_the_route(site: Site, method: str, endpoint: str) -> None:
    kind = EXPECTED_RULE[endpoint]
    path = site.path_for(rule_of(site.app, endpoint))
    outcomes: dict[str, TestResponse] = {}
    for role in ROLES:
        client = (
            site.fresh_client(role)
            if role in SPOILS_THE_SESSION.get((method, endpoint), set())
            else site.clients[role]
        )
        outcomes[role] = attempt(client, method, path)
    summary = {role: response.status_code for role, response in outcomes.items()}

    for role, response in outcomes.items():
        if role in ALLOWED[kind]:
            assert response.status_code not in (401, 403) and response.status_code < 500, (
                role,
                path,
                summary,
            )
            assert not goes_to_sign_in(response), (role, path, response.headers["Location"])
            if role != ANONYMOUS and kind != SIGNED_IN:
                assert "two-factor" not in response.headers.get("Location", ""), (role, path)
        elif role == ANONYMOUS:
            assert goes_to_sign_in(response), (path, summary)
        else:
            assert response.status_code == REFUSAL[kind], (role, path, summary)
