"""Every state-changing route refuses a request without a CSRF token, even from someone allowed to
use it, and the refused request changes nothing."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from course.accounts.models import User
from course.extensions import db
from course.organisations.models import Organisation
from tests.fixtures.security_site import ADMIN, AUTHOR, HARMLESS_BODY, LEARNER, MANAGER, Site
from tests.security.access_table import (
    ADMIN_ONLY,
    EXPECTED_RULE,
    ORGANISATION_MANAGER,
    STAFF,
    STATE_CHANGING_ROUTES,
    rule_of,
)

# Who is allowed to send each kind of request (public routes: a signed-in learner).
SENDER = {STAFF: AUTHOR, ADMIN_ONLY: ADMIN, ORGANISATION_MANAGER: MANAGER}

# Bodies that these routes would act on, given a token: the refusal must not be down to a bad form.
WORKING_BODIES: dict[str, dict[str, str]] = {
    "organisations.create": {"name": "Charlie", "due_days": "30"},
    "organisations.join_link": {"action": "rotate"},
    "organisation_members.remove": {"action": "remove"},
    "organisation_members.hand_over": {"action": "hand_over"},
    "invitations.invite_one": {"email": "someone.new@example.org"},
    "admin_users.change_role": {"role": "author"},
    "admin_users.disable": {},
    "admin_modules.archive": {"archived": "yes"},
    "accounts.profile": {"name": "Someone Else", "region": "us"},
    "learning.choose_region": {"region": "us"},
}


def test_the_state_changing_routes_are_found() -> None:
    endpoints = {endpoint for _method, endpoint in STATE_CHANGING_ROUTES}
    assert {"accounts.logout", "admin_users.disable", "invitations.upload"} <= endpoints
    assert len(STATE_CHANGING_ROUTES) >= 50


def snapshot(site: Site) -> dict[str, object]:
    """Row counts of every table, and the rows a refused request is most likely to have changed."""
    with site.app.app_context():
        counts = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
        users = db.session.execute(
            select(User.id, User.email, User.name, User.role, User.region, User.disabled_at)
        ).all()
        organisations = db.session.execute(
            select(Organisation.id, Organisation.name, Organisation.join_token)
        ).all()
        return {"counts": counts, "users": users, "organisations": organisations}


def is_signed_in(client: FlaskClient) -> bool:
    response = client.get("/account/")
    response.close()
    return response.status_code == 200


@pytest.mark.parametrize(("method", "endpoint"), STATE_CHANGING_ROUTES)
def test_a_request_without_a_csrf_token_is_refused_and_changes_nothing(
    site: Site, method: str, endpoint: str
) -> None:
    sender = SENDER.get(EXPECTED_RULE[endpoint], LEARNER)
    client = site.clients[sender]
    path = site.path_for(rule_of(site.app, endpoint))
    before = snapshot(site)

    response = client.open(path, method=method, data=WORKING_BODIES.get(endpoint, HARMLESS_BODY))

    assert response.status_code == 400, (sender, path, response.status_code)
    assert "The form could not be sent" in response.get_data(as_text=True)
    assert snapshot(site) == before
    assert is_signed_in(client)
