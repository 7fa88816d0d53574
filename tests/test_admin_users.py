"""User administration: admins find people, see their progress and certificates, change roles,
disable and enable accounts, correct and revoke certificates; every change is audited, every
refusal changes nothing, and only admins signed in with two factors reach any of it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from werkzeug.routing import Rule

from course import create_app
from course.accounts.models import Role, User
from course.admin import user_administration as administration
from course.audit.models import AuditEntry
from course.catalogue.services import the_course
from course.certificates.models import Certificate, CertificatePdf
from course.extensions import db
from tests.fixtures.certificates import certified_learner
from tests.fixtures.clients import signed_in, signed_in_admin
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.mail import queued_emails
from tests.fixtures.pdf import pdf_text
from tests.fixtures.web import csrf_token_from, post_form, sign_in

BLUEPRINTS = ("admin_users", "admin_audit")


@dataclass
class People:
    admin: FlaskClient
    admin_id: int
    learner_id: int


@pytest.fixture
def people(app: Flask) -> People:
    admin = signed_in_admin(app, "chief@example.org")
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.email == "chief@example.org"))
        learner = make_user(email="lee@example.org", name="Lee Learner")
        learner_id = learner.id
    return People(admin, admin_id, learner_id)  # type: ignore[arg-type]


def audit_entries(app: Flask) -> list[tuple[str, str, str, dict | None, dict | None]]:
    with app.app_context():
        return [
            (entry.actor_email, entry.action, entry.target_id, entry.before, entry.after)
            for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def stored_user(app: Flask, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.expunge(user)
        return user


def act(client: FlaskClient, path: str, data: dict[str, str], page: str):  # type: ignore[no-untyped-def]
    return post_form(client, path, data, form_page=page)


# Finding people


def test_admins_find_people_by_name_or_email_a_page_at_a_time(app: Flask) -> None:
    admin = signed_in_admin(app, "chief@example.org")
    with app.app_context():
        for number in range(administration.PAGE_SIZE + 3):
            make_user(email=f"person{number:02d}@example.org", name=f"Person {number:02d}")
        make_user(email="grace@navy.example", name="Grace Hopper")
        make_user(email="percent%@example.org", name="Odd 100% Name")

    first = admin.get("/admin/users/").get_data(as_text=True)
    second = admin.get("/admin/users/?page=2").get_data(as_text=True)
    by_name = admin.get("/admin/users/?q=grace").get_data(as_text=True)
    by_email = admin.get("/admin/users/?q=NAVY.EXAMPLE").get_data(as_text=True)
    wildcard = admin.get("/admin/users/?q=%25").get_data(as_text=True)

    assert "56 accounts" in first and "Page 1 of 2" in first and "Person 00" in first
    assert "Person 52" in second and "Person 00" not in second
    assert "Grace Hopper" in by_name and "Person 01" not in by_name and "1 account" in by_name
    assert "Grace Hopper" in by_email and "1 account" in by_email
    assert "Odd 100% Name" in wildcard and "1 account" in wildcard


def test_the_user_page_shows_details_progress_and_certificates(course_app: Flask) -> None:
    admin = signed_in_admin(course_app, "chief@example.org")
    user_id, certificate_id = certified_learner(course_app, "Ada King")
    code = stored_certificate(course_app, certificate_id).display_code
    with course_app.app_context():
        course = the_course()
        assert course is not None
        required = len(course.required_modules)
        titles = [module.current_version.title for module in course.required_modules]  # type: ignore[union-attr]

    page = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)

    assert "ada@example.org" in page and "learner" in page
    assert f"{required} of {required} required modules completed." in page
    assert all(title in page for title in titles) and "Completed" in page
    assert code in page and "Ada King" in page and "Valid" in page
    assert "Email confirmed" in page and "Disable the account of Ada Lovelace" in page


def test_an_unknown_user_is_not_found(people: People) -> None:
    assert people.admin.get("/admin/users/999").status_code == 404
    token = csrf_token_from(people.admin.get("/admin/users/").get_data(as_text=True))
    response = people.admin.post(
        "/admin/users/999/role", data={"csrf_token": token, "role": "admin"}
    )
    assert response.status_code == 404


# Roles


def test_changing_a_role_stores_it_and_audits_before_and_after(app: Flask, people: People) -> None:
    user_page = f"/admin/users/{people.learner_id}"

    response = act(people.admin, f"{user_page}/role", {"role": "author"}, user_page)

    assert response.status_code == 302
    assert "Lee Learner is now an author." in people.admin.get(user_page).get_data(as_text=True)
    assert stored_user(app, people.learner_id).role == Role.AUTHOR
    assert audit_entries(app) == [
        (
            "chief@example.org",
            "user.role_changed",
            str(people.learner_id),
            {"role": "learner"},
            {"role": "author"},
        )
    ]


@pytest.mark.parametrize("role", ["superuser", "", "ADMIN"])
def test_an_unknown_role_is_refused_at_the_field(app: Flask, people: People, role: str) -> None:
    user_page = f"/admin/users/{people.learner_id}"

    response = act(people.admin, f"{user_page}/role", {"role": role}, user_page)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and (
        "Choose learner, author or admin" in page or "Choose a role" in page
    )
    assert stored_user(app, people.learner_id).role == Role.LEARNER
    assert audit_entries(app) == []


def test_an_admin_cannot_change_their_own_role_or_disable_themselves(
    app: Flask, people: People
) -> None:
    own_page = f"/admin/users/{people.admin_id}"

    page = people.admin.get(own_page).get_data(as_text=True)
    role = act(people.admin, f"{own_page}/role", {"role": "learner"}, own_page)
    disable = act(people.admin, f"{own_page}/disable", {}, own_page)

    assert "Another admin must change your role" in page
    assert role.status_code == 302 and disable.status_code == 302
    assert "You cannot disable your own account." in people.admin.get(own_page).get_data(
        as_text=True
    )
    admin = stored_user(app, people.admin_id)
    assert admin.role == Role.ADMIN and admin.disabled_at is None
    assert audit_entries(app) == []


def test_an_admin_demoted_meanwhile_cannot_demote_the_last_admin(app: Flask) -> None:
    with app.app_context():
        first = make_user(email="first@example.org", role=Role.ADMIN)
        second = make_user(email="second@example.org", role=Role.ADMIN)
        # Another request demotes the first admin after this one loaded them.
        with db.engine.begin() as connection:
            connection.execute(update(User).where(User.id == first.id).values(role=Role.LEARNER))

        with pytest.raises(administration.AdministrationError):
            administration.change_role(first, second, Role.LEARNER)
        with pytest.raises(administration.AdministrationError):
            administration.disable(first, second)
        db.session.rollback()

        assert db.session.get(User, second.id).role == Role.ADMIN  # type: ignore[union-attr]
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_an_admin_disabled_meanwhile_can_change_no_role(app: Flask) -> None:
    with app.app_context():
        acting = make_user(email="first@example.org", role=Role.ADMIN)
        only = make_user(email="second@example.org", role=Role.ADMIN)
        # The acting admin is being disabled by another request at the same moment.
        with db.engine.begin() as connection:
            connection.execute(
                update(User).where(User.id == acting.id).values(disabled_at=func.now())
            )

        with pytest.raises(administration.AdministrationError, match="Only an active admin"):
            administration.change_role(acting, only, Role.AUTHOR)
        db.session.rollback()
        assert db.session.get(User, only.id).role == Role.ADMIN  # type: ignore[union-attr]


# Disabling


def test_disabling_ends_their_sessions_and_enabling_lets_them_back(
    app: Flask, people: People
) -> None:
    learner = app.test_client()
    sign_in(learner, "lee@example.org", STRONG_PASSWORD)
    assert learner.get("/account/").status_code == 200
    user_page = f"/admin/users/{people.learner_id}"

    act(people.admin, f"{user_page}/disable", {}, user_page)

    assert learner.get("/account/").status_code == 302
    assert stored_user(app, people.learner_id).disabled_at is not None
    assert "Lee Learner can no longer sign in" in people.admin.get(user_page).get_data(as_text=True)

    act(people.admin, f"{user_page}/enable", {}, user_page)

    assert stored_user(app, people.learner_id).disabled_at is None
    assert learner.get("/account/").status_code == 302  # old sessions stay ended
    sign_in(learner, "lee@example.org", STRONG_PASSWORD)
    entries = audit_entries(app)
    assert [entry[1] for entry in entries] == ["user.disabled", "user.enabled"]
    assert entries[0][3] == {"disabled_at": None} and entries[0][4]["disabled_at"]  # type: ignore[index]
    assert entries[1][4] == {"disabled_at": None}


# Certificates


@pytest.fixture
def certified(course_app: Flask) -> tuple[People, int, int]:
    """An admin, and a learner holding a certificate: (people, learner id, certificate id)."""
    admin = signed_in_admin(course_app, "chief@example.org")
    user_id, certificate_id = certified_learner(course_app, "Ada Lovelace")
    with course_app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.email == "chief@example.org"))
    return People(admin, admin_id, user_id), user_id, certificate_id  # type: ignore[arg-type]


def stored_certificate(app: Flask, certificate_id: int) -> Certificate:
    with app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        assert certificate is not None
        db.session.expunge(certificate)
        return certificate


def test_correcting_the_name_renders_the_pdf_again_and_is_audited(
    course_app: Flask, certified: tuple[People, int, int]
) -> None:
    people, user_id, certificate_id = certified
    user_page = f"/admin/users/{user_id}"
    field = f"name-{certificate_id}-holder_name"

    response = act(
        people.admin,
        f"{user_page}/certificates/{certificate_id}/name",
        {field: "  Ada   King "},
        user_page,
    )

    assert response.status_code == 302
    assert stored_certificate(course_app, certificate_id).holder_name == "Ada King"
    with course_app.app_context():
        pdfs = list(db.session.scalars(select(CertificatePdf.content)))
    assert len(pdfs) == 1 and "Ada King" in pdf_text(pdfs[0])
    assert audit_entries(course_app) == [
        (
            "chief@example.org",
            "certificate.name_corrected",
            str(certificate_id),
            {"holder_name": "Ada Lovelace"},
            {"holder_name": "Ada King"},
        )
    ]


def test_an_empty_name_is_refused_and_changes_nothing(
    course_app: Flask, certified: tuple[People, int, int]
) -> None:
    people, user_id, certificate_id = certified
    user_page = f"/admin/users/{user_id}"
    field = f"name-{certificate_id}-holder_name"

    response = act(
        people.admin, f"{user_page}/certificates/{certificate_id}/name", {field: "   "}, user_page
    )

    assert response.status_code == 200
    assert "Enter the name to print on the certificate" in response.get_data(as_text=True)
    assert stored_certificate(course_app, certificate_id).holder_name == "Ada Lovelace"
    assert audit_entries(course_app) == []


def test_revoking_asks_for_confirmation_then_keeps_the_reason_audits_and_emails_the_holder(
    course_app: Flask, certified: tuple[People, int, int]
) -> None:
    people, user_id, certificate_id = certified
    user_page = f"/admin/users/{user_id}"
    revoke_path = f"{user_page}/certificates/{certificate_id}/revoke"
    reason_field = f"revoke-{certificate_id}-reason"

    asked = act(people.admin, revoke_path, {reason_field: "Issued to the wrong person"}, user_page)

    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Are you sure you want to revoke certificate" in page
    assert "You cannot undo this." in page and "Issued to the wrong person" in page
    assert f'name="revoke-{certificate_id}-confirmed" value="yes"' in page
    assert stored_certificate(course_app, certificate_id).revoked_at is None
    assert audit_entries(course_app) == []

    response = act(
        people.admin,
        revoke_path,
        {reason_field: "Issued to the wrong person", f"revoke-{certificate_id}-confirmed": "yes"},
        user_page,
    )

    assert response.status_code == 302
    certificate = stored_certificate(course_app, certificate_id)
    assert certificate.revoked_at is not None
    assert certificate.revocation_reason == "Issued to the wrong person"
    assert "is revoked" in people.admin.get(user_page).get_data(as_text=True)
    [entry] = audit_entries(course_app)
    assert entry[1] == "certificate.revoked"
    assert entry[3] == {"revoked_at": None, "revocation_reason": None}
    assert entry[4]["revocation_reason"] == "Issued to the wrong person"  # type: ignore[index]
    with course_app.app_context():
        [email] = [
            message
            for message in queued_emails(to="ada@example.org")
            if message.subject == "Your CT Citizen certificate has been revoked"
        ]
    assert "The reason given: Issued to the wrong person" in email.text_body
    assert "pass each module's quiz again" in email.text_body
    assert "/dashboard" in email.text_body


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Give a reason for revoking the certificate"),
        ("x" * 501, "The reason must be 500 characters or fewer"),
    ],
)
def test_a_revocation_without_a_proper_reason_is_refused(
    course_app: Flask, certified: tuple[People, int, int], reason: str, message: str
) -> None:
    people, user_id, certificate_id = certified
    user_page = f"/admin/users/{user_id}"

    response = act(
        people.admin,
        f"{user_page}/certificates/{certificate_id}/revoke",
        {f"revoke-{certificate_id}-reason": reason},
        user_page,
    )

    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert stored_certificate(course_app, certificate_id).revoked_at is None
    assert audit_entries(course_app) == []


@pytest.mark.parametrize("action", ["name", "revoke"])
def test_a_certificate_of_someone_else_is_not_found(
    course_app: Flask, certified: tuple[People, int, int], action: str
) -> None:
    people, _user_id, certificate_id = certified
    other_page = f"/admin/users/{people.admin_id}"

    response = act(
        people.admin,
        f"{other_page}/certificates/{certificate_id}/{action}",
        {
            f"name-{certificate_id}-holder_name": "Someone Else",
            f"revoke-{certificate_id}-reason": "Because",
        },
        other_page,
    )

    assert response.status_code == 404
    certificate = stored_certificate(course_app, certificate_id)
    assert certificate.holder_name == "Ada Lovelace" and certificate.revoked_at is None
    assert audit_entries(course_app) == []


# Who reaches what


def administration_routes() -> list[tuple[str, str, str]]:
    """Every (method, rule, endpoint) of the user administration and audit log blueprints."""
    app = create_app({"SECRET_KEY": "routes", "DATABASE_URL": "sqlite://"})
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in BLUEPRINTS:
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            found.append((method, rule.rule, rule.endpoint))
    return sorted(found)


ROUTES = administration_routes()


def test_the_matrix_covers_every_administration_page() -> None:
    assert {endpoint for _method, _rule, endpoint in ROUTES} == {
        "admin_users.index",
        "admin_users.user",
        "admin_users.change_role",
        "admin_users.disable",
        "admin_users.enable",
        "admin_users.correct_name",
        "admin_users.revoke",
        "admin_users.erase",
        "admin_audit.index",
    }


@pytest.mark.parametrize(("method", "rule", "endpoint"), ROUTES)
def test_only_admins_with_two_factors_reach_user_administration_and_the_audit_log(
    course_app: Flask, certified: tuple[People, int, int], method: str, rule: str, endpoint: str
) -> None:
    people, user_id, certificate_id = certified
    clients = {
        "anonymous": course_app.test_client(),
        "learner": signed_in(course_app, "learner@example.org"),
        "author": signed_in(course_app, "author@example.org", role=Role.AUTHOR),
        "admin without two factors": signed_in(course_app, "admin1@example.org", role=Role.ADMIN),
        "admin": people.admin,
    }
    url_rule: Rule = next(r for r in course_app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {"user_id": user_id, "certificate_id": certificate_id}
    with course_app.test_request_context():
        from flask import url_for

        path = url_for(endpoint, **{k: v for k, v in values.items() if k in url_rule.arguments})

    def attempt(client: FlaskClient):  # type: ignore[no-untyped-def]
        if method == "GET":
            return client.get(path)
        token = csrf_token_from(client.get("/").get_data(as_text=True))
        return client.post(path, data={"csrf_token": token, "role": "nonsense"})

    responses = {who: attempt(client) for who, client in clients.items()}

    assert responses["anonymous"].status_code == 302
    assert "/login" in responses["anonymous"].headers["Location"]
    assert responses["learner"].status_code == 403
    assert responses["author"].status_code == 403
    assert responses["admin without two factors"].status_code == 302
    assert "/two-factor" in responses["admin without two factors"].headers["Location"]
    assert responses["admin"].status_code in (200, 302), responses["admin"].status_code
