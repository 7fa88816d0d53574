"""Who reaches which organisation route: the full role-by-route matrix, over every route the app
has whose access rule is "manager of the organisation", found from the URL map so a new route is
covered the day it is added. Guessed ids of another organisation's members and invitations are
tried too."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import AnyConverter, Rule

from course import create_app
from course.accounts.models import Role, User
from course.core.access import access_rule_of
from course.extensions import db
from course.organisations.models import Invitation, Membership
from tests.fixtures.clients import signed_in, signed_in_admin
from tests.fixtures.organisations import create_org
from tests.fixtures.web import csrf_token_from, post_form

MANAGER_RULE = "manager-of-organisation"


def organisation_routes() -> list[tuple[str, str]]:
    """Every (method, rule) guarded by the manager rule."""
    app = create_app({"SECRET_KEY": "routes", "DATABASE_URL": "sqlite://"})
    found = []
    for rule in app.url_map.iter_rules():
        if access_rule_of(app.view_functions[rule.endpoint]) != MANAGER_RULE:
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            found.append((method, rule.rule))
    return sorted(found)


ROUTES = organisation_routes()


@dataclass
class World:
    """Organisation A with a member and an invitation, and B with its own manager."""

    organisation_a: int
    organisation_b: int
    member_id: int
    invitation_id: int
    clients: dict[str, FlaskClient]


@pytest.fixture
def world(app: Flask) -> World:
    manager_a = signed_in(app, "a@example.org")
    manager_b = signed_in(app, "b@example.org")
    organisation_a = create_org(manager_a, "Alpha")
    organisation_b = create_org(manager_b, "Bravo")
    member = signed_in(app, "member@example.org")
    post_form(manager_a, f"/orgs/{organisation_a}/invitations", {"email": "new@example.org"})
    with app.app_context():
        member_id = db.session.scalar(select(User.id).where(User.email == "member@example.org"))
        db.session.add(Membership(organisation_id=organisation_a, user_id=member_id))
        invitation_id = db.session.scalar(select(Invitation.id))
        db.session.commit()
    return World(
        organisation_a=organisation_a,
        organisation_b=organisation_b,
        member_id=member_id,  # type: ignore[arg-type]
        invitation_id=invitation_id,  # type: ignore[arg-type]
        clients={
            "anonymous": app.test_client(),
            "learner": signed_in(app, "learner@example.org"),
            "member of A": member,
            "manager of B": manager_b,
            "admin without two factors": signed_in(app, "admin1@example.org", role=Role.ADMIN),
            "admin": signed_in_admin(app),
            "manager of A": manager_a,
        },
    )


def path_for(app: Flask, rule_text: str, organisation_id: int, world: World) -> str:
    rule: Rule = next(rule for rule in app.url_map.iter_rules() if rule.rule == rule_text)
    values: dict[str, object] = {
        "organisation_id": organisation_id,
        "user_id": world.member_id,
        "invitation_id": world.invitation_id,
    }
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{k: v for k, v in values.items() if k in rule.arguments})


def test_every_organisation_route_is_in_the_matrix(app: Flask) -> None:
    """No route under /orgs/<id> escapes the manager rule (and so this matrix)."""
    outside = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/orgs/<")
        and access_rule_of(app.view_functions[rule.endpoint]) != MANAGER_RULE
    ]
    assert outside == []


def attempt(client: FlaskClient, method: str, path: str):  # type: ignore[no-untyped-def]
    if method == "GET":
        return client.get(path)
    # A valid CSRF token from a page this client may see, and a body that changes nothing.
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, "action": "none", "name": "wrong"})


def test_the_matrix_covers_every_kind_of_organisation_page() -> None:
    rules = {rule for _method, rule in ROUTES}
    assert {
        "/orgs/<int:organisation_id>/",
        "/orgs/<int:organisation_id>/members.csv",
        "/orgs/<int:organisation_id>/invitations",
        "/orgs/<int:organisation_id>/members/<int:user_id>",
        "/orgs/<int:organisation_id>/reminders",
        "/orgs/<int:organisation_id>/close",
        "/orgs/<int:organisation_id>/join-link",
    } <= rules
    assert len(ROUTES) >= 13


@pytest.mark.parametrize(("method", "rule"), ROUTES)
def test_only_managers_of_the_organisation_and_admins_with_two_factors_reach_it(
    app: Flask, world: World, method: str, rule: str
) -> None:
    path = path_for(app, rule, world.organisation_a, world)

    outcomes = {
        who: attempt(client, method, path).status_code for who, client in world.clients.items()
    }

    assert outcomes.pop("anonymous") == 302
    allowed = {who: outcomes.pop(who) for who in ("admin", "manager of A")}
    assert outcomes == dict.fromkeys(outcomes, 404), outcomes
    for who, status in allowed.items():
        assert status not in (403, 404) and status < 500, (who, status)


@pytest.mark.parametrize(
    ("method", "rule"), [(m, r) for m, r in ROUTES if "user_id" in r or "invitation_id" in r]
)
def test_another_organisations_ids_are_not_found_under_your_own(
    app: Flask, world: World, method: str, rule: str
) -> None:
    """B's manager, on B's own pages, names A's member or A's invitation: nothing is found."""
    path = path_for(app, rule, world.organisation_b, world)

    response = attempt(world.clients["manager of B"], method, path)

    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Invitation, world.invitation_id) is not None
        assert (
            db.session.scalar(select(Membership).where(Membership.user_id == world.member_id))
            is not None
        )
