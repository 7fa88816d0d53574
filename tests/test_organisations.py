"""Organisations: create, join by link with consent, leave, the manager's table, and isolation."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from course.accounts.models import Role
from course.catalogue.services import the_course
from course.extensions import db
from course.organisations.models import Membership, MembershipRole, Organisation
from tests.fixtures.clients import signed_in, signed_in_admin
from tests.fixtures.factories import make_user
from tests.fixtures.learning import complete_course
from tests.fixtures.organisations import create_org, join_path
from tests.fixtures.web import post_form


def memberships(app: Flask) -> list[tuple[int, str]]:
    with app.app_context():
        return [
            (m.user_id, m.role.value)
            for m in db.session.scalars(select(Membership).order_by(Membership.id))
        ]


def test_creating_an_organisation_makes_its_creator_the_manager(app: Flask) -> None:
    manager = signed_in(app, "boss@example.org")

    organisation_id = create_org(manager)

    page = manager.get(f"/orgs/{organisation_id}/").get_data(as_text=True)
    assert "Harbour Arts Centre" in page and "/join/" in page
    assert [role for _user, role in memberships(app)] == ["manager"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Enter the name of the organisation"),
        ({"name": "A", "due_days": "0"}, "Enter a number of days from 1 to 3650"),
        ({"name": "A", "due_days": "soon"}, "Not a valid integer value"),
    ],
)
def test_bad_organisation_details_are_refused(
    app: Flask, data: dict[str, str], message: str
) -> None:
    manager = signed_in(app, "boss@example.org")

    response = post_form(manager, "/orgs/new", data)

    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == 0


def test_joining_needs_the_learners_consent_and_happens_once(app: Flask) -> None:
    organisation_id = create_org(signed_in(app, "boss@example.org"))
    path = join_path(app, organisation_id)
    visitor = app.test_client()
    assert "Sign in or create an account first" in visitor.get(path).get_data(as_text=True)
    learner = signed_in(app, "learner@example.org")

    page = learner.get(path).get_data(as_text=True)
    assert "can see your name, email address, progress" in page
    assert len(memberships(app)) == 1  # looking at the page joins nothing

    post_form(learner, path, {})
    post_form(learner, path, {}, form_page="/account/organisations")

    assert [role for _user, role in memberships(app)] == ["manager", "member"]
    assert "Harbour Arts Centre" in learner.get("/account/organisations").get_data(as_text=True)


def test_a_rotated_or_disabled_link_stops_working(app: Flask) -> None:
    manager = signed_in(app, "boss@example.org")
    organisation_id = create_org(manager)
    old = join_path(app, organisation_id)

    post_form(
        manager,
        f"/orgs/{organisation_id}/join-link",
        {"action": "rotate"},
        form_page=f"/orgs/{organisation_id}/",
    )
    new = join_path(app, organisation_id)
    assert app.test_client().get(old).status_code == 404
    assert app.test_client().get(new).status_code == 200

    post_form(
        manager,
        f"/orgs/{organisation_id}/join-link",
        {"action": "disable"},
        form_page=f"/orgs/{organisation_id}/",
    )
    assert app.test_client().get(new).status_code == 404
    assert app.test_client().get("/join/made-up-token").status_code == 404


def test_a_learner_can_leave_and_the_last_manager_must_hand_over_first(app: Flask) -> None:
    manager = signed_in(app, "boss@example.org")
    organisation_id = create_org(manager)
    learner = signed_in(app, "learner@example.org")
    post_form(learner, join_path(app, organisation_id), {})

    refused = post_form(
        manager,
        f"/account/organisations/{organisation_id}/leave",
        {},
        form_page="/account/organisations",
    )
    assert "You are the only manager" in manager.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    post_form(
        learner,
        f"/account/organisations/{organisation_id}/leave",
        {},
        form_page="/account/organisations",
    )

    assert [role for _user, role in memberships(app)] == ["manager"]
    assert "No organisation can see your progress" in learner.get(
        "/account/organisations"
    ).get_data(as_text=True)


def test_the_table_shows_progress_and_certificates_only_for_confirmed_members(
    course_app: Flask,
) -> None:
    manager = signed_in(course_app, "boss@example.org")
    organisation_id = create_org(manager)
    path = join_path(course_app, organisation_id)
    finisher = signed_in(course_app, "finisher@example.org", name="Fay Finisher")
    unconfirmed = signed_in(course_app, "new@example.org", name="Nell New", verified=False)
    for client in (finisher, unconfirmed):
        post_form(client, path, {})
    with course_app.app_context():
        from course.accounts.services import find_user_by_email

        user = find_user_by_email("finisher@example.org")
        course = the_course()
        assert user is not None and course is not None
        complete_course(user, course)
    post_form(
        finisher, "/certificates/issue", {"holder_name": "Fay Finisher"}, form_page="/certificates/"
    )

    page = manager.get(f"/orgs/{organisation_id}/").get_data(as_text=True)

    fay = page[page.index("Fay Finisher") : page.index("</tr>", page.index("Fay Finisher"))]
    nell = page[page.index("Nell New") : page.index("</tr>", page.index("Nell New"))]
    assert "2 of 2" in fay and "Valid until" in fay
    assert "Waiting for the member to confirm their email address" in nell and "of 2" not in nell
    assert "3 members" in page


def test_the_table_searches_filters_sorts_and_pages(app: Flask) -> None:
    manager = signed_in(app, "boss@example.org", name="Zed Boss")
    organisation_id = create_org(manager)
    with app.app_context():
        for number in range(55):
            user = make_user(email=f"staff{number:02d}@example.org", name=f"Staff {number:02d}")
            db.session.add(
                Membership(
                    organisation_id=organisation_id,
                    user_id=user.id,
                    team="Box office" if number % 2 else "Bar",
                )
            )
        db.session.commit()

    first = manager.get(f"/orgs/{organisation_id}/").get_data(as_text=True)
    second = manager.get(f"/orgs/{organisation_id}/?page=2").get_data(as_text=True)
    found = manager.get(f"/orgs/{organisation_id}/?q=STAFF07").get_data(as_text=True)
    bar = manager.get(f"/orgs/{organisation_id}/?team=Bar").get_data(as_text=True)
    by_email_desc = manager.get(f"/orgs/{organisation_id}/?sort=email&order=desc").get_data(
        as_text=True
    )

    assert "56 members" in first and "Page 1 of 2" in first and "Staff 00" in first
    assert "Zed Boss" in second and "Staff 00" not in second
    assert "1 member" in found and "Staff 07" in found
    assert "28 members" in bar and "Staff 01" not in bar
    assert by_email_desc.index("staff54@") < by_email_desc.index("staff53@")


def test_the_table_takes_the_same_number_of_queries_for_any_number_of_members(app: Flask) -> None:
    manager = signed_in(app, "boss@example.org")
    organisation_id = create_org(manager)

    def queries_for_page() -> int:
        statements: list[str] = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            manager.get(f"/orgs/{organisation_id}/")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    def add_members(count: int, start: int) -> None:
        with app.app_context():
            for number in range(start, start + count):
                user = make_user(email=f"m{number}@example.org")
                db.session.add(Membership(organisation_id=organisation_id, user_id=user.id))
            db.session.commit()

    add_members(3, 0)
    few = queries_for_page()
    add_members(30, 3)
    many = queries_for_page()

    assert few == many


def test_managers_see_nothing_of_other_organisations(app: Flask) -> None:
    manager_a = signed_in(app, "a@example.org")
    manager_b = signed_in(app, "b@example.org")
    organisation_a = create_org(manager_a, "Alpha")
    organisation_b = create_org(manager_b, "Bravo")
    member = signed_in(app, "member@example.org")
    post_form(member, join_path(app, organisation_a), {})
    admin = signed_in_admin(app)
    admin_without_two_factor = signed_in(app, "admin2@example.org", role=Role.ADMIN)

    assert admin_without_two_factor.get(f"/orgs/{organisation_b}/").status_code == 404
    assert manager_a.get(f"/orgs/{organisation_b}/").status_code == 404
    assert (
        post_form(
            manager_a,
            f"/orgs/{organisation_b}/join-link",
            {"action": "rotate"},
            form_page=f"/orgs/{organisation_a}/",
        ).status_code
        == 404
    )
    assert (
        post_form(
            manager_a,
            f"/account/organisations/{organisation_b}/leave",
            {},
            form_page=f"/orgs/{organisation_a}/",
        ).status_code
        == 404
    )
    assert member.get(f"/orgs/{organisation_a}/").status_code == 404
    assert manager_a.get("/orgs/99999/").status_code == 404
    assert app.test_client().get(f"/orgs/{organisation_a}/").status_code == 302
    assert admin.get(f"/orgs/{organisation_b}/").status_code == 200
    with app.app_context():
        roles = {m.role for m in db.session.scalars(select(Membership))}
        assert roles == {MembershipRole.MANAGER, MembershipRole.MEMBER}


def test_a_manager_finds_their_organisations_in_the_navigation_and_on_the_dashboard(
    app: Flask,
) -> None:
    manager = signed_in(app, "boss@example.org")
    learner = signed_in(app, "lee@example.org")
    assert "Your organisations" not in manager.get("/dashboard").get_data(as_text=True)

    organisation_id = create_org(manager, "Harbour Arts Centre")

    dashboard = manager.get("/dashboard").get_data(as_text=True)
    assert '<a href="/account/organisations" class="site-nav__link">Your organisations</a>' in (
        dashboard
    )
    assert f'<a href="/orgs/{organisation_id}/">Manage Harbour Arts Centre</a>' in dashboard
    managing = manager.get(f"/orgs/{organisation_id}/").get_data(as_text=True)
    assert 'class="site-nav__link" aria-current="page">Your organisations</a>' in managing
    post_form(learner, join_path(app, organisation_id), {})
    learner_page = learner.get("/dashboard").get_data(as_text=True)
    assert "Your organisations</a>" not in learner_page and "Manage Harbour" not in learner_page
