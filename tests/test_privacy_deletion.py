"""Deleting an account: by its holder or by an admin on request, leaving nothing personal in any
table while organisation counts and course statistics stay right; certificates afterwards; the
purge of unconfirmed accounts and expired links."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import JSON, String, Text, select, update

from course.accounts.models import AccountToken, Role, TokenPurpose, User
from course.accounts.services import issue_token
from course.audit.models import AuditEntry, AuditLogIsAppendOnly
from course.core.database import utcnow
from course.core.personal_data import (
    Erasure,
    PersonalData,
    in_erasure_order,
    register,
    registered,
    unregister,
)
from course.extensions import db
from course.organisations.models import Membership, Organisation, RecordReason, TrainingRecord
from course.privacy.erasure import purge_expired
from tests.fixtures.clients import signed_in, signed_in_admin
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.privacy import LEARNER, OTHER, course_counts, populate, signed_in_learner
from tests.fixtures.two_factor import code_at
from tests.fixtures.web import csrf_token_from, post_form, sign_in

PERSONAL = [
    LEARNER,
    "Ada Lovelace",
    "Ada King Lovelace",
    "Augusta Ada King",
    "ada.new@example.org",
]


def correct_printed_name(app: Flask) -> None:
    """An admin corrects the name printed on the learner's certificate, so the audit log holds
    the old and the new printed name."""
    from course.admin import user_administration
    from course.certificates.models import Certificate

    with app.test_request_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        certificate = db.session.scalars(
            select(Certificate).join(User).where(User.email == LEARNER)
        ).first()
        assert admin is not None and certificate is not None
        assert user_administration.correct_name(admin, certificate, "Augusta Ada King")
        db.session.commit()


def learner(app: Flask) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == LEARNER))
        if user is not None:
            db.session.expunge(user)
        return user


def delete_own_account(client: FlaskClient, app: Flask, password: str = STRONG_PASSWORD):  # type: ignore[no-untyped-def]
    user = learner(app)
    assert user is not None and user.totp_secret is not None
    return post_form(
        client,
        "/account/delete",
        {"password": password, "code": code_at(user.totp_secret, offset_steps=1)},
    )


def every_value(app: Flask) -> list[tuple[str, str, Any]]:
    """(table, column, value) for every text or JSON value in every table."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            # In a stable order: PostgreSQL returns rows as they lie, and an update (signing
            # in stamps the user) moves a row.
            order = list(table.primary_key.columns)
            for row in db.session.execute(select(*columns).order_by(*order)):
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        found.append((table.name, column.name, value))
    return found


def user_references(app: Flask, user_id: int) -> list[str]:
    """Every column pointing at users.id that holds ``user_id``."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if any(key.column.table.name == "users" for key in column.foreign_keys) or (
                    table.name == "users" and column.name == "id"
                ):
                    if db.session.execute(select(column).where(column == user_id)).first():
                        found.append(f"{table.name}.{column.name}")
    return found


def test_a_learner_deletes_their_account_and_nothing_personal_remains(course_app: Flask) -> None:
    made = populate(course_app)
    correct_printed_name(course_app)
    counts_before = course_counts(course_app)
    client = signed_in_learner(course_app)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "Delete your account" in page and "Download your data" in page

    response = delete_own_account(client, course_app)

    assert response.status_code == 302
    assert learner(course_app) is None
    for table, column, value in every_value(course_app):
        if table == "training_records":
            continue  # the organisation's own record of their training, below
        text = (json.dumps(value) if not isinstance(value, str) else value).lower()
        for personal in PERSONAL:
            assert personal.lower() not in text, f"{personal!r} is still in {table}.{column}"
    assert user_references(course_app, made.user_id) == []
    with course_app.app_context():
        [kept] = db.session.scalars(select(TrainingRecord)).all()
        assert (kept.name, kept.email, kept.reason, kept.user_id) == (
            "Ada Lovelace",
            LEARNER,
            RecordReason.ACCOUNT_DELETED,
            None,
        )
    # The course's statistics keep their counts, anonymously.
    assert course_counts(course_app) == counts_before
    # Someone else's data is untouched.
    with course_app.app_context():
        other = db.session.scalar(select(User).where(User.email == OTHER))
        assert other is not None and other.name == "Grace Hopper"
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.erased")
        ).one()
        assert entry.actor_email == "the account holder"
        assert entry.summary == "An account holder deleted their account"


def test_after_deletion_the_sessions_end_and_the_address_can_register_again(
    course_app: Flask,
) -> None:
    populate(course_app)
    client = signed_in_learner(course_app)
    assert delete_own_account(client, course_app).status_code == 302
    assert client.get("/account/").headers["Location"].startswith("/login")
    registration = post_form(
        course_app.test_client(),
        "/register",
        {"name": "Ada Again", "email": LEARNER, "password": STRONG_PASSWORD, "region": "uk"},
    )
    assert registration.status_code == 302
    again = learner(course_app)
    assert again is not None and again.name == "Ada Again"


def test_the_certificate_then_verifies_as_no_longer_available(course_app: Flask) -> None:
    made = populate(course_app)
    client = signed_in_learner(course_app)
    delete_own_account(client, course_app)
    visitor = course_app.test_client()
    page = visitor.get(f"/verify/{made.certificate_code}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "This certificate is no longer available" in text
    assert "Ada" not in text
    data = visitor.get(f"/verify/{made.certificate_code}", headers={"Accept": "application/json"})
    assert data.json == {
        "code": made.certificate_code,
        "status": "erased",
        "message": "This certificate is no longer available.",
    }


def test_managers_see_the_member_gone(course_app: Flask) -> None:
    populate(course_app)
    with course_app.app_context():
        arts = db.session.scalar(
            select(Organisation).where(Organisation.name == "Harbour Arts Centre")
        )
        assert arts is not None
        members_before = len(arts.memberships)
    client = signed_in_learner(course_app)
    delete_own_account(client, course_app)
    with course_app.app_context():
        arts = db.session.scalar(
            select(Organisation).where(Organisation.name == "Harbour Arts Centre")
        )
        assert arts is not None and len(arts.memberships) == members_before - 1
        organisation_id = arts.id
    page = _manager_client(course_app).get(f"/orgs/{organisation_id}/").get_data(as_text=True)
    assert "Grace Hopper" in page and "Ada" not in page


def _manager_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    sign_in(client, "manager@example.org", STRONG_PASSWORD)
    return client


@pytest.mark.parametrize(
    ("password", "code_ok"), [("wrong password 123", True), (STRONG_PASSWORD, False)]
)
def test_a_wrong_password_or_code_deletes_nothing(
    course_app: Flask, password: str, code_ok: bool
) -> None:
    populate(course_app)
    client = signed_in_learner(course_app)
    user = learner(course_app)
    assert user is not None and user.totp_secret is not None
    code = code_at(user.totp_secret, offset_steps=1) if code_ok else "000000"
    response = post_form(client, "/account/delete", {"password": password, "code": code})
    assert response.status_code == 200
    assert "is not right" in response.get_data(as_text=True)
    assert learner(course_app) is not None


def test_the_only_manager_of_an_organisation_must_hand_it_over_first(course_app: Flask) -> None:
    populate(course_app)
    manager = _manager_client(course_app)
    page = manager.get("/account/delete")
    text = page.get_data(as_text=True)
    assert "You are the only manager of Harbour Arts Centre" in text
    assert "Delete my account" not in text
    response = post_form(manager, "/account/delete", {"password": STRONG_PASSWORD})
    assert response.status_code == 409
    with course_app.app_context():
        assert db.session.scalar(select(User).where(User.email == "manager@example.org"))


def test_an_admin_deletes_an_account_on_request_and_the_log_says_who(course_app: Flask) -> None:
    made = populate(course_app)
    admin = signed_in_admin(course_app, "chief@example.org")
    path = f"/admin/users/{made.user_id}/delete"
    wrong = post_form(admin, path, {"confirm_email": OTHER})
    assert wrong.status_code == 200
    assert "That is not this account" in wrong.get_data(as_text=True)
    assert learner(course_app) is not None

    response = post_form(admin, path, {"confirm_email": LEARNER.upper()})

    assert response.status_code == 302
    assert learner(course_app) is None
    with course_app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.erased")
        ).one()
        assert entry.actor_email == "chief@example.org"
        assert entry.summary == "Deleted an account at its holder's request"
        # The earlier entries about the learner stay, without their details.
        role_change = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.role_changed")
        ).one()
        assert role_change.target_id == "[erased]"
        assert "Ada" not in role_change.summary
    assert admin.get(path).status_code == 404


def test_the_audit_log_stays_append_only_outside_an_erasure(app: Flask) -> None:
    with app.app_context():
        admin = make_user(email="admin@example.org", role=Role.ADMIN)
        from course.audit.services import record

        record("user.role_changed", actor=admin, target_type="user", target_id=1, summary="x")
        db.session.commit()
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.execute(update(AuditEntry.__table__).values(summary="changed"))
        db.session.rollback()
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.execute(update(AuditEntry).values(summary="changed"))
        db.session.rollback()


def test_purge_deletes_unconfirmed_accounts_after_30_days_and_expired_links(app: Flask) -> None:
    now = utcnow()
    with app.app_context():
        old = make_user(email="old@example.org", verified=False)
        recent = make_user(email="recent@example.org", verified=False)
        confirmed = make_user(email="confirmed@example.org")
        old.created_at = now - timedelta(days=31)
        recent.created_at = now - timedelta(days=29)
        confirmed.created_at = now - timedelta(days=400)
        issue_token(confirmed, TokenPurpose.RESET_PASSWORD)
        live = issue_token(confirmed, TokenPurpose.RESET_PASSWORD)
        db.session.commit()
        first = db.session.scalars(select(AccountToken).order_by(AccountToken.id)).first()
        assert first is not None
        first.expires_at = now - timedelta(minutes=1)
        db.session.commit()
        del live

    runner = app.test_cli_runner()
    result = runner.invoke(args=["privacy", "purge"])

    assert result.exit_code == 0, result.output
    assert (
        "Deleted 1 accounts unconfirmed after 30 days and 1 expired email links and 0 expired "
        "training records." in result.output
    )
    with app.app_context():
        emails = set(db.session.scalars(select(User.email)))
        assert emails == {"recent@example.org", "confirmed@example.org"}
        assert db.session.scalar(select(db.func.count(AccountToken.id))) == 1
        assert purge_expired().unconfirmed_accounts == 0


def test_only_signed_in_people_reach_account_deletion(client: FlaskClient) -> None:
    assert client.get("/account/delete").headers["Location"].startswith("/login")
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post("/account/delete", data={"csrf_token": token})
    assert response.headers["Location"].startswith("/login")


def test_a_learner_without_two_factor_deletes_with_their_password(app: Flask) -> None:
    client = signed_in(app, "plain@example.org", name="Pat Plain")
    page = client.get("/account/delete").get_data(as_text=True)
    assert 'name="code"' not in page
    response = post_form(client, "/account/delete", {"password": STRONG_PASSWORD})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "plain@example.org")) is None
        # Nothing to keep for statistics, so no stand-in either.
        assert db.session.scalar(select(db.func.count(User.id))) == 0
        assert db.session.scalar(select(db.func.count(Membership.id))) == 0


@pytest.fixture
def a_failing_last_erasure_step(course_app: Flask) -> Iterator[None]:
    """A feature whose erasure fails after every other feature has erased its part."""

    def fail(_erasure: Erasure) -> None:
        raise RuntimeError("the database went away")

    last = max(data.erasure_order or 0 for data in registered().values())
    register(PersonalData(feature="a failing feature", erasure_order=last + 1, erase=fail))
    yield
    unregister("a failing feature")


def test_a_deletion_that_fails_part_way_changes_nothing(
    course_app: Flask, a_failing_last_erasure_step: None
) -> None:
    made = populate(course_app)
    values_before = every_value(course_app)

    client = signed_in_learner(course_app)
    with pytest.raises(RuntimeError):
        delete_own_account(client, course_app)

    assert learner(course_app) is not None
    assert every_value(course_app) == values_before
    assert user_references(course_app, made.user_id)


def test_features_erase_from_the_top_layer_down_and_the_account_goes_last(app: Flask) -> None:
    order = [data.feature for data in in_erasure_order()]

    # The audit log's step finds the person's certificates, to remove the names printed on them,
    # before the certificates' step gives them to the stand-in; the account goes once nothing
    # else points at it.
    assert order.index("audit") < order.index("certificates") < order.index("learning")
    assert order[-1] == "accounts"
