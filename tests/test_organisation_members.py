"""Managing an organisation's members: teams, manager rights, removal, handing over, closing, the
admins' list of organisations, and who may reach each of these pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from course.accounts.models import Role, User
from course.accounts.services import find_user_by_email
from course.catalogue.services import the_course
from course.certificates.codes import new_code
from course.certificates.models import Certificate
from course.core.database import utcnow
from course.extensions import db
from course.learning import services as learning
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


CONFIRMATIONS = [("remove", "remove"), ("hand-over", "hand_over")]


def confirm(client: FlaskClient, path: str, step: str, action: str):  # type: ignore[no-untyped-def]
    """Press the Yes button of the ``step`` confirmation page of the member page ``path`` (the
    CSRF token comes from the member page, which every manager can open)."""
    return post_form(client, f"{path}/{step}", {"action": action}, form_page=path)


def roles(app: Flask, organisation_id: int) -> dict[str, str]:
    """Each member's email address and role in the organisation, as stored."""
    with app.app_context():
        return {
            email: role.value
            for email, role in db.session.execute(
                select(User.email, Membership.role)
                .join(User, User.id == Membership.user_id)
                .where(Membership.organisation_id == organisation_id)
            )
        }


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

    asked = admin.get(f"{boss}/remove")
    refused_page = admin.get(boss).get_data(as_text=True)
    confirm(admin, boss, "remove", "remove")
    act(admin, boss, "remove_manager")

    assert asked.status_code == 302 and asked.headers["Location"] == boss
    assert "This is the only manager" in refused_page
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

    response = confirm(manager, path, "remove", "remove")

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

    asked = manager.get(f"{own}/remove")
    told = manager.get(own).get_data(as_text=True)
    confirm(manager, own, "remove", "remove")

    assert asked.status_code == 302 and asked.headers["Location"] == own
    assert "You cannot remove yourself here" in told
    assert f"{own}/remove" not in told
    assert "You cannot remove yourself here" in manager.get(own).get_data(as_text=True)
    assert membership(app, organisation_id, "boss@example.org") is not None


def test_handing_over_makes_the_member_the_manager_and_the_manager_a_member(app: Flask) -> None:
    manager, member, organisation_id, path = org_with_member(app)

    response = confirm(manager, path, "hand-over", "hand_over")

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

    asked = manager.get(f"/orgs/{organisation_id}/members/{outsider}/hand-over")
    response = post_form(
        manager,
        f"/orgs/{organisation_id}/members/{outsider}/hand-over",
        {"action": "hand_over"},
        form_page=f"/orgs/{organisation_id}/",
    )

    assert asked.status_code == response.status_code == 404
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        boss = find_user_by_email("boss@example.org")
        assert organisation is not None and boss is not None
        with pytest.raises(management.ManagementError, match="not a member"):
            management.transfer_management(organisation, boss, outsider)
        db.session.rollback()
    assert membership(app, organisation_id, "boss@example.org").role == MembershipRole.MANAGER  # type: ignore[union-attr]
    assert membership(app, organisation_id, "outsider@example.org") is None


def test_the_remove_page_says_what_happens_and_changes_nothing(app: Flask) -> None:
    manager, _member, organisation_id, path = org_with_member(app)
    before = roles(app, organisation_id)

    member_page = manager.get(path).get_data(as_text=True)
    response = manager.get(f"{path}/remove")

    page = response.get_data(as_text=True)
    assert f'href="{path}/remove"' in member_page and 'value="remove"' not in member_page
    assert response.status_code == 200
    assert "Are you sure you want to remove Lee Learner?" in page
    assert "lee@example.org" in page and "Harbour Arts Centre" in page
    assert "the organisation's managers can no longer see their progress" in page
    assert "they keep their own progress and certificates" in page
    assert "they need a new invitation or the organisation's join link" in page
    assert "You cannot undo this." in page
    assert "they lose their manager rights" not in page
    assert 'name="csrf_token"' in page
    assert '<button type="submit" name="action" value="remove"' in page
    assert "Yes, remove Lee Learner" in page
    assert f'href="{path}">No, go back</a>' in page
    assert roles(app, organisation_id) == before


def test_the_remove_page_says_a_manager_loses_their_rights(app: Flask) -> None:
    manager, _member, _organisation_id, path = org_with_member(app)
    act(manager, path, "make_manager")

    page = manager.get(f"{path}/remove").get_data(as_text=True)

    assert "they lose their manager rights" in page


def test_the_hand_over_page_says_what_happens_and_changes_nothing(app: Flask) -> None:
    manager, _member, organisation_id, path = org_with_member(app)
    before = roles(app, organisation_id)

    member_page = manager.get(path).get_data(as_text=True)
    response = manager.get(f"{path}/hand-over")

    page = response.get_data(as_text=True)
    assert f'href="{path}/hand-over"' in member_page and 'value="transfer"' not in member_page
    assert response.status_code == 200
    assert "Are you sure you want to hand over to Lee Learner?" in page
    assert "lee@example.org" in page and "Harbour Arts Centre" in page
    assert "Lee Learner becomes a manager" in page
    assert "you stop being a manager" in page
    assert "Only a manager can make you a manager again." in page
    assert '<button type="submit" name="action" value="hand_over"' in page
    assert "Yes, hand over to Lee Learner" in page
    assert f'href="{path}">No, go back</a>' in page
    assert (
        roles(app, organisation_id)
        == before
        == {
            "boss@example.org": "manager",
            "lee@example.org": "member",
        }
    )


def test_handing_over_to_yourself_is_refused_before_asking(app: Flask) -> None:
    manager, _member, organisation_id, _path = org_with_member(app)
    own = f"/orgs/{organisation_id}/members/{user_id(app, 'boss@example.org')}"

    asked = manager.get(f"{own}/hand-over")
    told = manager.get(own).get_data(as_text=True)
    pressed = confirm(manager, own, "hand-over", "hand_over")

    assert asked.status_code == 302 and asked.headers["Location"] == own
    assert "Choose someone other than yourself to take over." in told
    assert pressed.status_code == 302
    assert "Choose someone other than yourself" in manager.get(own).get_data(as_text=True)
    assert roles(app, organisation_id)["boss@example.org"] == "manager"


def test_an_admin_who_is_not_a_member_has_nothing_to_hand_over(app: Flask) -> None:
    _manager, _member, organisation_id, path = org_with_member(app)
    admin = signed_in_admin(app)
    before = roles(app, organisation_id)

    member_page = admin.get(path).get_data(as_text=True)
    asked = admin.get(f"{path}/hand-over")
    told = admin.get(path).get_data(as_text=True)
    confirm(admin, path, "hand-over", "hand_over")

    assert f"{path}/hand-over" not in member_page
    assert asked.status_code == 302 and asked.headers["Location"] == path
    assert "You are not a manager of this organisation, so there is nothing to hand over." in told
    assert roles(app, organisation_id) == before


def test_an_admin_removes_a_member_after_confirming(app: Flask) -> None:
    _manager, _member, organisation_id, path = org_with_member(app)
    admin = signed_in_admin(app)

    asked = admin.get(f"{path}/remove")
    response = confirm(admin, path, "remove", "remove")

    assert asked.status_code == 200 and "Yes, remove Lee Learner" in asked.get_data(as_text=True)
    assert response.headers["Location"] == f"/orgs/{organisation_id}/"
    assert roles(app, organisation_id) == {"boss@example.org": "manager"}


@pytest.mark.parametrize("action", ["remove", "transfer"])
def test_the_member_page_no_longer_removes_or_hands_over_without_asking(
    app: Flask, action: str
) -> None:
    manager, _member, organisation_id, path = org_with_member(app)
    before = roles(app, organisation_id)

    response = act(manager, path, action)

    assert response.status_code == 302 and response.headers["Location"] == path
    assert "Choose one of the buttons on this page." in manager.get(path).get_data(as_text=True)
    assert roles(app, organisation_id) == before


@pytest.mark.parametrize(("step", "action"), CONFIRMATIONS)
def test_a_confirmation_without_the_yes_button_changes_nothing(
    app: Flask, step: str, action: str
) -> None:
    manager, _member, organisation_id, path = org_with_member(app)
    before = roles(app, organisation_id)

    missing = post_form(manager, f"{path}/{step}", {})
    other = post_form(manager, f"{path}/{step}", {"action": "remove_manager"})

    assert missing.status_code == other.status_code == 302
    assert missing.headers["Location"] == f"{path}/{step}"
    page = manager.get(f"{path}/{step}").get_data(as_text=True)
    assert "Choose one of the buttons on this page." in page
    assert roles(app, organisation_id) == before


@pytest.mark.parametrize(("step", "action"), CONFIRMATIONS)
def test_a_confirmation_without_a_csrf_token_is_refused(app: Flask, step: str, action: str) -> None:
    manager, _member, organisation_id, path = org_with_member(app)
    before = roles(app, organisation_id)

    response = manager.post(f"{path}/{step}", data={"action": action})

    assert response.status_code == 400
    assert "The form could not be sent" in response.get_data(as_text=True)
    assert roles(app, organisation_id) == before


@pytest.mark.parametrize(("step", "action"), CONFIRMATIONS)
def test_only_the_organisations_managers_reach_the_confirmation_pages(
    app: Flask, step: str, action: str
) -> None:
    _manager, member, organisation_id, path = org_with_member(app)
    outsider = signed_in(app, "other@example.org")
    create_org(outsider, "Bravo")
    before = roles(app, organisation_id)

    anonymous = app.test_client().get(f"{path}/{step}")
    outcomes = {}
    for who, client in (("member", member), ("other organisation's manager", outsider)):
        outcomes[who, "GET"] = client.get(f"{path}/{step}").status_code
        outcomes[who, "POST"] = post_form(
            client, f"{path}/{step}", {"action": action}, form_page="/account/profile"
        ).status_code

    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert outcomes == dict.fromkeys(outcomes, 404)
    assert roles(app, organisation_id) == before


@pytest.mark.parametrize(("step", "action"), CONFIRMATIONS)
def test_a_confirmation_page_for_someone_outside_the_organisation_is_not_found(
    app: Flask, step: str, action: str
) -> None:
    manager, _member, organisation_id, _path = org_with_member(app)
    other = signed_in(app, "other@example.org")
    create_org(other, "Bravo")
    before = roles(app, organisation_id)

    for user in (user_id(app, "other@example.org"), 99999):
        path = f"/orgs/{organisation_id}/members/{user}"
        asked = manager.get(f"{path}/{step}")
        pressed = post_form(
            manager, f"{path}/{step}", {"action": action}, form_page=f"/orgs/{organisation_id}/"
        )
        assert asked.status_code == pressed.status_code == 404, user

    assert roles(app, organisation_id) == before


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


def test_a_members_page_shows_their_progress_in_each_module(course_app: Flask) -> None:
    manager, member, _organisation_id, path = org_with_member(course_app)
    with course_app.app_context():
        lee = find_user_by_email("lee@example.org")
        course = the_course()
        assert lee is not None and course is not None
        first = course.required_modules[0]
        learning.record_lesson_read(lee, first, first.current_version.lessons[0])  # type: ignore[union-attr]
        db.session.commit()

    page = manager.get(path).get_data(as_text=True)

    progress = page[page.index('id="progress-caption"') : page.index("</table>")]
    assert "<td>Staying safe</td>" in progress and "<td>1 of 2</td>" in progress
    assert "In progress" in progress and "Not started" in progress


def test_a_members_progress_waits_until_they_confirm_their_email(course_app: Flask) -> None:
    manager, _member, _organisation_id, path = org_with_member(course_app)
    with course_app.app_context():
        lee = find_user_by_email("lee@example.org")
        assert lee is not None
        lee.email_verified_at = None
        db.session.commit()

    page = manager.get(path).get_data(as_text=True)

    assert 'id="progress-caption"' not in page
    assert "Waiting for the member to confirm their email address" in page
