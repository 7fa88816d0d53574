"""Who reaches which organisation route: the full role-by-route matrix, over every route the app
has whose access rule is "manager of the organisation" or "manager of the site", found from the URL
map so a new route is covered the day it is added. Guessed ids of another organisation's members
and invitations are tried too, and a site manager is shown to see nothing of another site, nor
the organisation's own pages."""

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
from course.organisations.models import Invitation, Membership, ProcedureKind, TrainingRecord
from tests.fixtures.clients import signed_in, signed_in_admin
from tests.fixtures.organisations import add_site, create_org, place_at_sites
from tests.fixtures.web import csrf_token_from, post_form

MANAGER_RULE = "manager-of-organisation"
SITE_MANAGER_RULE = "manager-of-site"


def routes_guarded_by(access_rule: str) -> list[tuple[str, str]]:
    """Every (method, rule) guarded by ``access_rule``."""
    app = create_app({"SECRET_KEY": "routes", "DATABASE_URL": "sqlite://"})
    found = []
    for rule in app.url_map.iter_rules():
        if access_rule_of(app.view_functions[rule.endpoint]) != access_rule:
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            found.append((method, rule.rule))
    return sorted(found)


ROUTES = routes_guarded_by(MANAGER_RULE)
SITE_ROUTES = routes_guarded_by(SITE_MANAGER_RULE)


@dataclass
class World:
    """Organisation A with a member and an invitation, and B with its own manager."""

    organisation_a: int
    organisation_b: int
    #: A's two sites: the site manager manages the first; the member works at the second.
    site_managed: int
    site_other: int
    member_id: int
    invitation_id: int
    #: The training record A keeps of someone its manager removed.
    record_id: int
    clients: dict[str, FlaskClient]


@pytest.fixture
def world(app: Flask) -> World:
    manager_a = signed_in(app, "a@example.org")
    manager_b = signed_in(app, "b@example.org")
    organisation_a = create_org(manager_a, "Alpha")
    organisation_b = create_org(manager_b, "Bravo")
    member = signed_in(app, "member@example.org")
    site_manager = signed_in(app, "site-manager@example.org")
    post_form(manager_a, f"/orgs/{organisation_a}/invitations", {"email": "new@example.org"})
    with app.app_context():
        member_id = db.session.scalar(select(User.id).where(User.email == "member@example.org"))
        site_manager_id = db.session.scalar(
            select(User.id).where(User.email == "site-manager@example.org")
        )
        for user_id in (member_id, site_manager_id):
            db.session.add(Membership(organisation_id=organisation_a, user_id=user_id))
        invitation_id = db.session.scalar(select(Invitation.id))
        db.session.commit()
    site_managed = add_site(manager_a, organisation_a, "Managed site")
    site_other = add_site(manager_a, organisation_a, "Other site")
    place_at_sites(manager_a, organisation_a, site_manager_id, [site_managed], [site_managed])  # type: ignore[arg-type]
    place_at_sites(manager_a, organisation_a, member_id, [site_other])  # type: ignore[arg-type]
    add_site(manager_b, organisation_b, "B's site")
    for site_id in (site_managed, site_other):
        post_form(
            manager_a,
            f"/orgs/{organisation_a}/sites/{site_id}/procedures/new",
            {kind.value: "Do this." for kind in ProcedureKind} | {"action": "publish"},
        )
    signed_in(app, "leaver@example.org")
    with app.app_context():
        leaver_id = db.session.scalar(select(User.id).where(User.email == "leaver@example.org"))
        db.session.add(Membership(organisation_id=organisation_a, user_id=leaver_id))
        db.session.commit()
    post_form(manager_a, f"/orgs/{organisation_a}/members/{leaver_id}/remove", {"action": "remove"})
    with app.app_context():
        record_id = db.session.scalar(select(TrainingRecord.id))
    return World(
        organisation_a=organisation_a,
        organisation_b=organisation_b,
        site_managed=site_managed,
        site_other=site_other,
        member_id=member_id,  # type: ignore[arg-type]
        invitation_id=invitation_id,  # type: ignore[arg-type]
        record_id=record_id,  # type: ignore[arg-type]
        clients={
            "anonymous": app.test_client(),
            "learner": signed_in(app, "learner@example.org"),
            "member of A": member,
            "manager of B": manager_b,
            "site manager of A's other site": site_manager,
            "admin without two factors": signed_in(app, "admin1@example.org", role=Role.ADMIN),
            "admin": signed_in_admin(app),
            "manager of A": manager_a,
        },
    )


def path_for(
    app: Flask, rule_text: str, organisation_id: int, world: World, site_id: int | None = None
) -> str:
    rule: Rule = next(rule for rule in app.url_map.iter_rules() if rule.rule == rule_text)
    values: dict[str, object] = {
        "organisation_id": organisation_id,
        "site_id": site_id or world.site_other,
        "user_id": world.member_id,
        "invitation_id": world.invitation_id,
        "record_id": world.record_id,
        "number": 1,  # each site's procedures are at version 1
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
        and access_rule_of(app.view_functions[rule.endpoint])
        not in (MANAGER_RULE, SITE_MANAGER_RULE)
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


def test_the_site_matrix_covers_every_kind_of_site_page() -> None:
    rules = {rule for _method, rule in SITE_ROUTES}
    assert {
        "/orgs/<int:organisation_id>/sites/<int:site_id>/",
        "/orgs/<int:organisation_id>/sites/<int:site_id>/members.csv",
        "/orgs/<int:organisation_id>/sites/<int:site_id>/certificates.zip",
        "/orgs/<int:organisation_id>/sites/<int:site_id>/reminders",
        "/orgs/<int:organisation_id>/sites/<int:site_id>/members/<int:user_id>",
    } <= rules


@pytest.mark.parametrize(("method", "rule"), SITE_ROUTES)
def test_a_sites_pages_are_for_its_site_managers_and_the_organisations_managers_only(
    app: Flask, world: World, method: str, rule: str
) -> None:
    """The member works at the other site: its pages are hidden from the managed site's manager,
    as every site page of another organisation is from A's manager."""
    path = path_for(app, rule, world.organisation_a, world, site_id=world.site_other)

    outcomes = {
        who: attempt(client, method, path).status_code for who, client in world.clients.items()
    }

    assert outcomes.pop("anonymous") == 302
    allowed = {who: outcomes.pop(who) for who in ("admin", "manager of A")}
    assert outcomes == dict.fromkeys(outcomes, 404), outcomes
    for who, status in allowed.items():
        assert status not in (403, 404) and status < 500, (who, status)


@pytest.mark.parametrize(("method", "rule"), SITE_ROUTES)
def test_a_site_manager_reaches_their_own_sites_pages(
    app: Flask, world: World, method: str, rule: str
) -> None:
    path = path_for(app, rule, world.organisation_a, world, site_id=world.site_managed)
    if "user_id" in rule:  # a member of their own site: themselves
        with app.app_context():
            own_id = db.session.scalar(
                select(User.id).where(User.email == "site-manager@example.org")
            )
        path = path.replace(f"/members/{world.member_id}", f"/members/{own_id}")

    status = attempt(world.clients["site manager of A's other site"], method, path).status_code

    assert status not in (403, 404) and status < 500, status


@pytest.mark.parametrize(("method", "rule"), SITE_ROUTES)
def test_a_site_of_another_organisation_is_not_found_under_your_own(
    app: Flask, world: World, method: str, rule: str
) -> None:
    """A's manager names A's site under B's address, and B's manager names it under B's."""
    for client, organisation_id in (
        (world.clients["manager of A"], world.organisation_b),
        (world.clients["manager of B"], world.organisation_b),
    ):
        path = path_for(app, rule, organisation_id, world, site_id=world.site_other)
        assert attempt(client, method, path).status_code == 404
