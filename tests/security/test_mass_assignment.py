"""V5 Validation, sanitisation and encoding (ASVS 5.1.2, mass assignment): extra fields do nothing.

Every form a learner, member or manager can send is posted with its own fields plus fields naming
columns that must never come from a form (role, ids, verification and two-factor state, erasure,
scores, organisation links). The stored rows may change only in the fields the form is for.

The admin's own forms (role, certificate name and revocation) are covered by the fields each view
reads, proved in ``tests/test_admin_users.py``.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from course.accounts.models import Role, User
from course.catalogue.services import the_course
from course.certificates.models import Certificate
from course.core.database import utcnow
from course.extensions import db
from course.learning.models import QuizAttempt
from course.organisations.models import Invitation, Membership, MembershipRole, Organisation
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.learning import answers_for, complete_course
from tests.fixtures.mail import link_in, queued_emails
from tests.fixtures.security_site import MANAGER, Site
from tests.fixtures.web import csrf_token_from, sign_in

NEW_PASSWORD = "lantern meadow copper violin"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_numbers = itertools.count(1)


def extra_fields(site: Site) -> dict[str, str]:
    """Fields naming columns no user-facing form may set, with values an attacker would pick."""
    with site.app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.role == Role.ADMIN))
    return {
        "role": "admin",
        "is_admin": "1",
        "is_staff": "1",
        "id": str(admin_id),
        "user_id": str(admin_id),
        "organisation_id": str(site.ids["other_organisation_id"]),
        "email_verified": "1",
        "email_verified_at": "2020-01-01T00:00:00",
        "two_factor_secret": SECRET,
        "totp_secret": SECRET,
        "totp_enabled_at": "2020-01-01T00:00:00",
        "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$forged$forged",
        "session_token": "chosen-by-the-attacker",
        "disabled_at": "",
        "erased_at": "2020-01-01T00:00:00",
        "score": "100",
        "score_percent": "100",
        "passed": "true",
        "status": "valid",
        "revoked_at": "",
        "expires_at": "2099-01-01T00:00:00",
        "code": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG",
        "join_token": "chosen-by-the-attacker",
        "join_enabled": "1",
        "closed_at": "2020-01-01T00:00:00",
        "due_at": "2099-01-01T00:00:00",
        "accepted_at": "2020-01-01T00:00:00",
        "membership_role": "manager",
    }


def row(model: type, key: object) -> dict[str, Any]:
    """Every stored column of one row, by primary key; call inside an app context."""
    db.session.expire_all()
    found = db.session.get(model, key)
    assert found is not None
    return {column.key: getattr(found, column.key) for column in model.__table__.columns}  # type: ignore[attr-defined]


def changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {key for key in before if before[key] != after[key]}


def new_learner(site: Site, **user: object) -> tuple[FlaskClient, int]:
    email = f"mass-{next(_numbers)}@example.org"
    with site.app.app_context():
        user_id = make_user(email=email, **user).id  # type: ignore[arg-type]
    client = site.new_client()
    sign_in(client, email, STRONG_PASSWORD)
    return client, user_id


def post_with_extras(
    site: Site,
    client: FlaskClient,
    path: str,
    data: dict[str, Any],
    form_page: str | None = None,
) -> Any:
    token = csrf_token_from(client.get(form_page or path).get_data(as_text=True))
    return client.post(path, data={**extra_fields(site), **data, "csrf_token": token})


def memberships_of(user_id: int) -> list[tuple[int, str, str | None]]:
    return [
        (m.organisation_id, m.role.value, m.team)
        for m in db.session.scalars(
            select(Membership).where(Membership.user_id == user_id).order_by(Membership.id)
        )
    ]


def assert_an_ordinary_new_learner(user: User, *, confirmed_by_link: bool = False) -> None:
    """A learner with nothing the form named; with ``confirmed_by_link``, their address was
    confirmed just now (by the emailed link they registered through), never at the date sent."""
    assert user.role == Role.LEARNER
    if confirmed_by_link:
        assert user.email_verified_at is not None
        assert user.email_verified_at > utcnow() - timedelta(minutes=5)
    else:
        assert user.email_verified_at is None
    assert user.totp_secret is None and user.totp_enabled_at is None
    assert user.disabled_at is None and user.erased_at is None
    assert user.session_token != "chosen-by-the-attacker"
    assert not user.password_hash.endswith("forged")


def test_registration_stores_only_name_email_region_and_password(site: Site) -> None:
    with site.app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.role == Role.ADMIN))
        admin_before = row(User, admin_id)
    client = site.new_client()

    response = post_with_extras(
        site,
        client,
        "/register",
        {"name": "Reg Istrant", "email": "registrant@example.org", "password": NEW_PASSWORD},
    )

    assert response.status_code == 302 and response.headers["Location"] == "/register/check-email"
    with site.app.app_context():
        user = db.session.scalar(select(User).where(User.email == "registrant@example.org"))
        assert user is not None
        assert user.id != admin_id and user.name == "Reg Istrant"
        assert_an_ordinary_new_learner(user)
        assert memberships_of(user.id) == []
        assert row(User, admin_id) == admin_before


def test_the_profile_form_changes_only_name_and_region(site: Site) -> None:
    client, user_id = new_learner(site)
    with site.app.app_context():
        before = row(User, user_id)

    response = post_with_extras(
        site,
        client,
        "/account/profile",
        {"name": "New Name", "region": "au", "email": "taken-over@example.org"},
    )

    assert response.status_code == 302
    assert "Your details have been saved" in client.get("/account/").get_data(as_text=True)
    with site.app.app_context():
        after = row(User, user_id)
    assert changed(before, after) == {"name", "region"}
    assert after["name"] == "New Name" and after["region"].value == "au"


def test_signing_in_with_extra_fields_signs_in_as_yourself_and_changes_nothing(site: Site) -> None:
    email = f"mass-{next(_numbers)}@example.org"
    with site.app.app_context():
        user_id = make_user(email=email).id
        before = row(User, user_id)
    client = site.new_client()

    response = post_with_extras(
        site, client, "/login", {"email": email, "password": STRONG_PASSWORD}
    )

    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    account = client.get("/account/").get_data(as_text=True)
    assert email in account
    assert client.get("/admin/").status_code == 403
    with site.app.app_context():
        after = row(User, user_id)
        assert changed(before, after) <= {"last_activity_at"}
        with client.session_transaction() as session:
            assert session["_user_id"] == after["session_token"]


def test_quiz_answers_are_graded_by_the_app_not_by_the_form(site: Site) -> None:
    client, user_id = new_learner(site)
    slug = site.ids["slug"]
    started = post_with_extras(
        site, client, f"/modules/{slug}/quiz/start", {}, form_page=f"/modules/{slug}/quiz"
    )
    assert started.status_code == 302
    attempt_path = started.headers["Location"]
    attempt_id = int(attempt_path.rstrip("/").split("/")[-1])
    with site.app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt is not None and attempt.user_id == user_id
        before = row(QuizAttempt, attempt_id)
        db.session.expunge(attempt)

    response = post_with_extras(site, client, attempt_path, answers_for(attempt, right=False))

    assert response.status_code == 302 and response.headers["Location"].endswith("/result")
    assert "You did not pass" in client.get(response.headers["Location"]).get_data(as_text=True)
    with site.app.app_context():
        after = row(QuizAttempt, attempt_id)
    assert changed(before, after) == {
        "answers",
        "results",
        "score_percent",
        "passed",
        "submitted_at",
    }
    assert after["passed"] is False and after["score_percent"] == 0
    assert after["user_id"] == user_id


def test_claiming_a_certificate_takes_only_the_name_from_the_form(site: Site) -> None:
    client, user_id = new_learner(site)
    with site.app.test_request_context():
        user = db.session.get(User, user_id)
        course = the_course()
        assert user is not None and course is not None
        complete_course(user, course)
        others = {c.id: row(Certificate, c.id) for c in db.session.scalars(select(Certificate))}

    response = post_with_extras(
        site, client, "/certificates/issue", {"holder_name": "Cert Holder"}, "/certificates/"
    )

    assert response.status_code == 302
    assert "Your certificate is ready" in client.get("/certificates/").get_data(as_text=True)
    with site.app.app_context():
        [certificate] = db.session.scalars(
            select(Certificate).where(Certificate.user_id == user_id)
        )
        assert certificate.holder_name == "Cert Holder"
        assert certificate.code != extra_fields(site)["code"].replace("-", "")
        assert certificate.revoked_at is None and certificate.erased_at is None
        assert certificate.expires_at.year < 2099
        assert {key: row(Certificate, key) for key in others} == others


def test_creating_an_organisation_takes_only_its_name_and_deadline(site: Site) -> None:
    client, user_id = new_learner(site)
    with site.app.app_context():
        other_before = row(Organisation, site.ids["other_organisation_id"])

    response = post_with_extras(site, client, "/orgs/new", {"name": "Delta", "due_days": "45"})

    assert response.status_code == 302
    organisation_id = int(response.headers["Location"].split("/")[2])
    with site.app.app_context():
        created = row(Organisation, organisation_id)
        assert organisation_id != site.ids["other_organisation_id"]
        assert created["name"] == "Delta" and created["due_days"] == 45
        assert created["join_token"] != "chosen-by-the-attacker"
        assert created["closed_at"] is None
        assert memberships_of(user_id) == [(organisation_id, "manager", None)]
        assert row(Organisation, site.ids["other_organisation_id"]) == other_before


def test_editing_a_members_team_changes_only_the_team(site: Site) -> None:
    path = f"/orgs/{site.ids['organisation_id']}/members/{site.ids['member_id']}"
    with site.app.app_context():
        membership_id = db.session.scalar(
            select(Membership.id).where(
                Membership.organisation_id == site.ids["organisation_id"],
                Membership.user_id == site.ids["member_id"],
            )
        )
        before = row(Membership, membership_id)
        user_before = row(User, site.ids["member_id"])

    response = post_with_extras(
        site, site.clients[MANAGER], path, {"action": "team", "team": "Box office"}
    )

    assert response.status_code == 302
    assert "is now in Box office" in site.clients[MANAGER].get(path).get_data(as_text=True)
    with site.app.app_context():
        after = row(Membership, membership_id)
        assert changed(before, after) == {"team"}
        assert after["team"] == "Box office" and after["role"] == MembershipRole.MEMBER
        assert row(User, site.ids["member_id"]) == user_before


def invite(site: Site, email: str, team: str = "Front of house") -> str:
    """Invite ``email`` to the organisation; the token from the emailed link."""
    response = post_with_extras(
        site,
        site.clients[MANAGER],
        f"/orgs/{site.ids['organisation_id']}/invitations",
        {"email": email, "team": team},
    )
    assert response.status_code == 302
    with site.app.app_context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.email == email))
        assert invitation is not None
        assert invitation.organisation_id == site.ids["organisation_id"]
        assert invitation.accepted_at is None and invitation.team == "Front of house"
        return link_in(queued_emails(to=email)[-1], "/join/invitation/").rsplit("/", 1)[1]


def test_accepting_an_invitation_joins_its_organisation_as_a_member_only(site: Site) -> None:
    client, user_id = new_learner(site)
    with site.app.app_context():
        email = db.session.get(User, user_id).email  # type: ignore[union-attr]
    # Only the account the invitation was sent to may accept it.
    token = invite(site, email)
    with site.app.app_context():
        user_before = row(User, user_id)

    response = post_with_extras(site, client, f"/join/invitation/{token}", {"team": "Chosen by me"})

    assert response.status_code == 302 and response.headers["Location"] == "/account/organisations"
    with site.app.app_context():
        assert memberships_of(user_id) == [
            (site.ids["organisation_id"], "member", "Front of house")
        ]
        assert row(User, user_id) == user_before


def test_registering_through_an_invitation_makes_an_ordinary_member(site: Site) -> None:
    email = "invited-registrant@example.org"
    token = invite(site, email)
    client = site.new_client()

    response = post_with_extras(
        site,
        client,
        f"/join/invitation/{token}/register",
        {"name": "Inv Itee", "email": email, "password": NEW_PASSWORD, "region": "uk"},
    )

    assert response.status_code == 302 and response.headers["Location"] == "/register/check-email"
    with site.app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        assert_an_ordinary_new_learner(user, confirmed_by_link=True)
        assert memberships_of(user.id) == [
            (site.ids["organisation_id"], "member", "Front of house")
        ]


def test_joining_by_link_makes_a_member_of_that_organisation_only(site: Site) -> None:
    client, user_id = new_learner(site)
    with site.app.app_context():
        organisation_before = row(Organisation, site.ids["organisation_id"])

    response = post_with_extras(site, client, site.ids["join_path"], {"team": "Chosen by me"})  # type: ignore[arg-type]

    assert response.status_code == 302
    with site.app.app_context():
        assert memberships_of(user_id) == [(site.ids["organisation_id"], "member", None)]
        assert row(Organisation, site.ids["organisation_id"]) == organisation_before
