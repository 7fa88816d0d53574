"""Managing an organisation's members: teams, manager rights, removal, handing over, closing, the
admins' list of organisations, and who may reach each of these pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from course.accounts.models import Role
from course.accounts.services import find_user_by_email
from course.catalogue.services import the_course
from course.certificates.codes import new_code
from course.certificates.models import Certificate
from course.core.database import utcnow
from course.extensions import db
from course.organisations import memberships as management
from course.organisations.models import Membership, MembershipRole, Organisation
from tests.fixtures.clients import signed_in, signed_in_admin
from tests.fixtures.organisations import create_org, join_path
from tests.fixtures.web import post_form


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        user = find_user_by_email(email)
        assert user is not None
        return user.id


def membership(app: Flask, organisation_id: int, email: str) -> Membership | None:
    with app.app_context():
        found = db.session.scalar(
            select(Membership).where(
                Membership.organisation_id == organisation_id,
                Membership.user_id == user_id(app, email),
            )
        )
        if found is not None:
            db.session.expunge(found)
        return found


def org_with_member(app: Flask) -> tuple[FlaskClient, FlaskClient, int, str]:
    """A manager's client, a member's client, the organisation id, and the member's page path."""
    manager = signed_in(app, "boss@example.org", name="Bea Boss")
    organisation_id = create_org(manager)
    member = signed_in(app, "lee@example.org", name="Lee Learner")
    post_form(member, join_path(app, organisation_id), {})
    path = f"/orgs/{organisation_id}/members/{user_id(app, 'lee@example.org')}"
    return manager, member, organisation_id, path


def act(client: FlaskClient, path: str, action: str, **data: str):  # type: ignore[no-untyped-def]
    return post_form(client, path, {"action": action, **data})


def test_the_member_page_shows_who_they_are(app: Flask) -> None:
    manager, _member, organisation_id, path = org_with_member(app)

    page = manager.get(path).get_data(as_text=True)

    assert "Lee Learner" in page and "lee@example.org" in page
    assert "Member" in page and "Joined" in page and "Due" in page
    manage = manager.get(f"/orgs/{organisation_id}/").get_data(as_text=True)
    assert path in manage


def test_a_manager_sets_and_clears_a_members_team(app: Flask) -> None:
    manager, _member, organisation_id, path = org_with_member(app)

    response = act(manager, path, "team", team="   Box    office  ")

    assert response.status_code == 302
    assert membership(app, organisation_id, "lee@example.org").team == "Box office"  # type: ignore[union-attr]
    page = manager.get(path).get_data(as_text=True)
    assert "Lee Learner is now in Box office." in page

    act(manager, path, "team", team="  ")

    assert membership(app, organisation_id, "lee@example.org").team is None  # type: ignore[union-attr]
    assert "Lee Learner is no longer in a team." in manager.get(path).get_data(as_text=True)


def test_a_team_longer_than_100_characters_is_refused(app: Flask) -> None:
    manager, _member, organisation_id, path = org_with_member(app)
    act(manager, path, "team", team="Bar")

    response = act(manager, path, "team", team="x" * 101)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and "The team must be 100 characters or fewer" in page
    assert membership(app, organisation_id, "lee@example.org").team == "Bar"  # type: ignore[union-attr]


def test_a_manager_makes_a_member_a_manager_and_takes_it_back(app: Flask) -> None:
    manager, member, organisation_id, path = org_with_member(app)

    act(manager, path, "make_manager")

    assert membership(app, organisation_id, "lee@example.org").role == MembershipRole.MANAGER  # type: ignore[union-attr]
    assert "Lee Learner is now a manager." in manager.get(path).get_data(as_text=True)
    assert member.get(f"/orgs/{organisation_id}/").status_code == 200

    act(manager, path, "remove_manager")

    assert membership(app, organisation_id, "lee@example.org").role == MembershipRole.MEMBER  # type: ignore[union-attr]
    assert "Lee Learner is no longer a manager." in manager.get(path).get_data(as_text=True)
    assert member.get(f"/orgs/{organisation_id}/").status_code == 404


def test_the_only_manager_keeps_manager_rights(app: Flask) -> None:
    manager, _member, organisation_id, _path = org_with_member(app)
    own = f"/orgs/{organisation_id}/members/{user_id(app, 'boss@example.org')}"

    act(manager, own, "remove_manager")

    assert "This is the only manager" in manager.get(own).get_data(as_text=True)
    assert membership(app, organisation_id, "boss@example.org").role == MembershipRole.MANAGER  # type: ignore[union-attr]


def test_an_admin_cannot_remove_the_only_manager(app: Flask) -> None:
    _manager, _member, organisation_id, _path = org_with_member(app)
    admin = signed_in_admin(app)
    boss = f"/orgs/{organisation_id}/members/{user_id(app, 'boss@example.org')}"

    act(admin, boss, "remove")
    act(admin, boss, "remove_manager")

    assert "This is the only manager" in admin.get(boss).get_data(as_text=True)
    assert membership(app, organisation_id, "boss@example.org").role == MembershipRole.MANAGER  # type: ignore[union-attr]


def test_removing_a_member_keeps_their_progress_and_certificates(course_app: Flask) -> None:
    manager, member, organisation_id, path = org_with_member(course_app)
    with course_app.app_context():
        course = the_course()
        assert course is not None
        db.session.add(
            Certificate(
                user_id=user_id(course_app, "lee@example.org"),
                course_id=course.id,
                sequence=1,
                code=new_code(),
                holder_name="Lee Learner",
                expires_at=utcnow() + timedelta(days=300),
                module_versions=[],
            )
        )
        db.session.commit()

    response = act(manager, path, "remove")

    assert response.headers["Location"] == f"/orgs/{organisation_id}/"
    assert membership(course_app, organisation_id, "lee@example.org") is None
    page = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lee Learner has been removed" in page and "lee@example.org" not in page
    with course_app.app_context():
        assert db.session.scalar(select(Certificate.holder_name)) == "Lee Learner"
    assert "Lee Learner" in member.get("/certificates/").get_data(as_text=True)
    assert "No organisation can see your progress" in member.get("/account/organisations").get_data(
        as_text=True
    )
    assert manager.get(path).status_code == 404


def test_a_manager_cannot_remove_themselves_from_the_member_page(app: Flask) -> None:
    manager, _member, organisation_id, _path = org_with_member(app)
    own = f"/orgs/{organisation_id}/members/{user_id(app, 'boss@example.org')}"

    act(manager, own, "remove")

    assert "You cannot remove yourself here" in manager.get(own).get_data(as_text=True)
    assert membership(app, organisation_id, "boss@example.org") is not None


def test_handing_over_makes_the_member_the_manager_and_the_manager_a_member(app: Flask) -> None:
    manager, member, organisation_id, path = org_with_member(app)

    response = act(manager, path, "transfer")

    assert response.headers["Location"] == "/account/organisations"
    assert "Lee Learner is now a manager and you are no longer one." in manager.get(
        "/account/organisations"
    ).get_data(as_text=True)
    assert membership(app, organisation_id, "lee@example.org").role == MembershipRole.MANAGER  # type: ignore[union-attr]
    assert membership(app, organisation_id, "boss@example.org").role == MembershipRole.MEMBER  # type: ignore[union-attr]
    assert manager.get(f"/orgs/{organisation_id}/").status_code == 404
    assert member.get(f"/orgs/{organisation_id}/").status_code == 200


def test_management_cannot_be_handed_to_someone_outside_the_organisation(app: Flask) -> None:
    manager, _member, organisation_id, _path = org_with_member(app)
    signed_in(app, "outsider@example.org")
    outsider = user_id(app, "outsider@example.org")

    response = post_form(
        manager,
        f"/orgs/{organisation_id}/members/{outsider}",
        {"action": "transfer"},
        form_page=f"/orgs/{organisation_id}/",
    )

    assert response.status_code == 404
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        boss = find_user_by_email("boss@example.org")
        assert organisation is not None and boss is not None
        with pytest.raises(management.ManagementError, match="not a member"):
            management.transfer_management(organisation, boss, outsider)
        db.session.rollback()
    assert membership(app, organisation_id, "boss@example.org").role == MembershipRole.MANAGER  # type: ignore[union-attr]
    assert membership(app, organisation_id, "outsider@example.org") is None


def test_an_unknown_action_changes_nothing(app: Flask) -> None:
    manager, _member, organisation_id, path = org_with_member(app)

    response = act(manager, path, "promote_to_king")

    assert response.status_code == 302
    assert "Choose one of the buttons on this page." in manager.get(path).get_data(as_text=True)
    assert membership(app, organisation_id, "lee@example.org").role == MembershipRole.MEMBER  # type: ignore[union-attr]


def test_a_member_of_another_organisation_is_not_found(app: Flask) -> None:
    manager, _member, organisation_id, _path = org_with_member(app)
    other = signed_in(app, "other@example.org")
    other_org = create_org(other, "Bravo")
    other_manager = user_id(app, "other@example.org")

    assert manager.get(f"/orgs/{organisation_id}/members/{other_manager}").status_code == 404
    assert manager.get(f"/orgs/{organisation_id}/members/99999").status_code == 404
    assert other.get(f"/orgs/{other_org}/members/{other_manager}").status_code == 200


def test_closing_needs_the_organisations_name(app: Flask) -> None:
    manager, _member, organisation_id, _path = org_with_member(app)
    path = f"/orgs/{organisation_id}/close"

    wrong = post_form(manager, path, {"name": "Harbour Arts"})
    empty = post_form(manager, path, {"name": ""})

    assert wrong.status_code == 200
    assert "Type the name of the organisation exactly as shown to close it." in wrong.get_data(
        as_text=True
    )
    assert "Type the name of the organisation to confirm" in empty.get_data(as_text=True)
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        assert organisation is not None and organisation.closed_at is None


def test_closing_hides_the_organisation_and_members_keep_their_own_records(
    app: Flask,
) -> None:
    manager, member, organisation_id, member_path = org_with_member(app)
    join = join_path(app, organisation_id)
    admin = signed_in_admin(app)
    assert "Harbour Arts Centre" in member.get("/account/organisations").get_data(as_text=True)

    response = post_form(manager, f"/orgs/{organisation_id}/close", {"name": "harbour arts centre"})

    assert response.headers["Location"] == "/account/organisations"
    page = manager.get("/account/organisations").get_data(as_text=True)
    assert "Harbour Arts Centre is closed." in page
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        assert organisation is not None and organisation.closed_at is not None
        assert len(list(db.session.scalars(select(Membership)))) == 2
    for client in (manager, admin):
        for path in (
            f"/orgs/{organisation_id}/",
            member_path,
            f"/orgs/{organisation_id}/close",
            f"/orgs/{organisation_id}/reminders",
        ):
            assert client.get(path).status_code == 404
    assert app.test_client().get(join).status_code == 404
    assert "No organisation can see your progress" in member.get("/account/organisations").get_data(
        as_text=True
    )


def test_admins_list_every_open_organisation_with_member_counts(app: Flask) -> None:
    manager, _member, organisation_id, _path = org_with_member(app)
    create_org(manager, "Closed Cafe")
    with app.app_context():
        closed = db.session.scalar(select(Organisation).where(Organisation.name == "Closed Cafe"))
        assert closed is not None
        closed.closed_at = utcnow()
        for number in range(55):
            db.session.add(Organisation(name=f"Venue {number:02d}"))
        db.session.commit()
    admin = signed_in_admin(app)

    first = admin.get("/admin/organisations").get_data(as_text=True)
    second = admin.get("/admin/organisations?page=2").get_data(as_text=True)
    found = admin.get("/admin/organisations?q=HARBOUR").get_data(as_text=True)
    nothing = admin.get("/admin/organisations?q=100%25").get_data(as_text=True)

    assert "56 organisations" in first and "Page 1 of 2" in first
    assert "Harbour Arts Centre" in first and "Closed Cafe" not in first + second
    assert "Venue 54" in second and "Venue 00" not in second
    assert "1 organisation" in found and f'href="/orgs/{organisation_id}/"' in found
    row = found[found.index("Harbour Arts Centre") : found.index("</tr>", found.index("Harbour"))]
    assert "<td>2</td>" in row and "<td>1</td>" in row
    assert "0 organisations" in nothing
    assert "/admin/organisations" in admin.get("/admin/").get_data(as_text=True)


def test_the_organisations_list_is_only_for_admins_with_two_factor(app: Flask) -> None:
    learner = signed_in(app, "learner@example.org")
    author = signed_in(app, "author@example.org", role=Role.AUTHOR)
    admin_without = signed_in(app, "plain-admin@example.org", role=Role.ADMIN)

    anonymous = app.test_client().get("/admin/organisations")

    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert learner.get("/admin/organisations").status_code == 403
    assert author.get("/admin/organisations").status_code == 403
    assert "two-factor" in admin_without.get("/admin/organisations").headers["Location"]
