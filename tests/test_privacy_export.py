"""Downloading everything held about you: every section, nothing secret, nobody else's data, and
a schema check that no table holding someone's data is left out of the download."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, select

from course import PERSONAL_DATA_MODULES
from course.audit.models import AuditEntry
from course.catalogue.services import the_course
from course.config import PROJECT_ROOT
from course.core.mail import OutboxMessage
from course.core.personal_data import (
    ExportSection,
    PersonalData,
    exported_tables,
    not_exported_tables,
    register,
    registered,
    unaccounted_columns,
)
from course.extensions import db
from course.learning import services as learning
from course.privacy.export import EXPORT_FORMAT, personal_data_export
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.privacy import ADMIN_IP, LEARNER, OTHER, populate, signed_in_learner
from tests.fixtures.web import csrf_token_from, post_form, sign_in


def download(client: FlaskClient):  # noqa: ANN201 - a test response
    return post_form(client, "/account/data", {})


def downloaded(client: FlaskClient) -> dict[str, Any]:
    response = download(client)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))


def test_the_download_holds_every_section_with_the_learners_data(course_app: Flask) -> None:
    learner = populate(course_app)
    data = downloaded(signed_in_learner(course_app))

    assert list(data) == [
        "format",
        "exported_at",
        "note",
        "profile",
        "progress",
        "quiz_attempts",
        "scenario_choices",
        "learning_checks",
        "certificates",
        "organisations",
        "emails",
        "actions_on_your_account",
    ]
    assert data["format"] == EXPORT_FORMAT
    assert datetime.fromisoformat(data["exported_at"]).tzinfo is not None
    profile = data["profile"]
    assert profile["name"] == "Ada Lovelace"
    assert profile["email"] == LEARNER
    assert profile["region"] == "uk"
    assert profile["role"] == "author"
    assert profile["created_at"] and profile["email_confirmed_at"] and profile["last_activity_at"]
    assert profile["two_factor"]["on"] is True
    assert profile["two_factor"]["unused_recovery_codes"] == 10
    assert profile["pending_email_change"]["new_email"] == "ada.new@example.org"

    assert [module["module"] for module in data["progress"]] == ["staying-safe", "reporting"]
    for module in data["progress"]:
        assert module["completed_at"] and module["completed_on_version"] == 1
        assert module["lessons_viewed"]
        assert all(view["viewed_at"] and view["title"] for view in module["lessons_viewed"])

    assert len(data["quiz_attempts"]) == 2
    for attempt in data["quiz_attempts"]:
        assert attempt["version"] == 1 and attempt["passed"] is True
        assert attempt["score_percent"] == 100
        assert attempt["started_at"] and attempt["submitted_at"]
        for question in attempt["questions"]:
            assert question["right"] is True
            assert question["prompt"] == question["as_shown"]["prompt"]
            assert question["your_answer"] is not None
            assert "explanation" in question["as_shown"]

    [certificate] = data["certificates"]
    assert certificate["code"] == learner.certificate_code
    assert certificate["name_printed"] == "Ada King Lovelace"
    assert certificate["status"] == "revoked"
    assert certificate["revocation_reason"] == "Issued by mistake in a test"
    assert certificate["issued_at"] < certificate["expires_at"]
    assert certificate["module_versions"] == [
        {"module": "staying-safe", "version": 1},
        {"module": "reporting", "version": 1},
    ]

    [membership] = data["organisations"]["memberships"]
    assert membership["organisation"] == "Harbour Arts Centre"
    assert membership["role"] == "member" and membership["team"] == "Box office"
    assert membership["joined_at"] and membership["due_at"] > membership["joined_at"]
    [invitation] = data["organisations"]["invitations"]
    assert invitation["organisation"] == "Town Library"
    assert invitation["name"] == "Ada L." and invitation["team"] == "Desk"
    assert invitation["accepted_at"] is None

    subjects = [email["subject"] for email in data["emails"]]
    assert subjects == [
        "Your CT Citizen certificate",
        "Town Library invites you to take the CT Citizen course",
        "Reset your CT Citizen password",
        "Your CT Citizen certificate has been revoked",
    ]
    assert "/join/invitation/[code removed]" in data["emails"][1]["text"]
    assert all(email["status"] == "waiting" for email in data["emails"])
    assert "Hello Ada Lovelace" in data["emails"][0]["text"]

    actions = data["actions_on_your_account"]
    assert [action["action"] for action in actions] == ["user.role_changed", "certificate.revoked"]
    assert [action["target"] for action in actions] == ["account", "certificate"]
    assert "from learner to author" in actions[0]["summary"]


def test_the_download_holds_no_secret_and_not_the_admins_address(course_app: Flask) -> None:
    learner = populate(course_app)
    text = download(signed_in_learner(course_app)).get_data(as_text=True)

    assert len(learner.secrets) > 20
    with course_app.app_context():
        assert set(db.session.scalars(select(AuditEntry.ip_address))) == {ADMIN_IP}
    for secret in learner.secrets:
        assert secret not in text
    for leak in (
        "password_hash",
        "totp",
        "token_hash",
        "code_hash",
        "session_token",
        "ip_address",
        ADMIN_IP,
        "admin@example.org",
    ):
        assert leak not in text


def test_the_download_holds_nothing_about_anyone_else(course_app: Flask) -> None:
    populate(course_app)
    with course_app.app_context():
        # The other learner has mail, progress and a certificate of their own to leave out.
        assert OTHER in db.session.scalars(select(OutboxMessage.recipient)).all()
    text = download(signed_in_learner(course_app)).get_data(as_text=True)

    for theirs in (OTHER, "Grace", "Hopper", "Only for Grace", '"Bar"'):
        assert theirs not in text
    data = json.loads(text)
    assert len(data["certificates"]) == 1
    assert len(data["quiz_attempts"]) == 2


def test_an_open_quiz_attempt_does_not_give_its_answers_away(course_app: Flask) -> None:
    with course_app.app_context():
        user = make_user(email=LEARNER)
        course = the_course()
        assert course is not None
        module = course.required_modules[0]
        attempt = learning.start_attempt(user, module, user.region, random.Random(3))
        db.session.commit()
        hidden = [question["explanation"] for question in attempt.questions]
        [export] = personal_data_export(user)["quiz_attempts"]

    assert export["submitted_at"] is None and export["passed"] is None
    shown = json.dumps(export["questions"])
    assert '"correct"' not in shown and "correct_order" not in shown
    for explanation in hidden:
        assert explanation not in shown
    assert all(question["your_answer"] is None for question in export["questions"])


def test_visitors_who_are_not_signed_in_are_sent_to_sign_in(client: FlaskClient) -> None:
    page = client.get("/account/data")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login")

    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    posted = client.post("/account/data", data={"csrf_token": token})
    assert posted.status_code == 302
    assert posted.headers["Location"].startswith("/login")


def test_the_download_is_a_dated_attachment_that_is_never_cached(app: Flask) -> None:
    with app.app_context():
        make_user(email=LEARNER)
    client = app.test_client()
    sign_in(client, LEARNER, STRONG_PASSWORD)

    response = download(client)

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="ct-citizen-data-{today}.json"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["profile"]["email"] == LEARNER
    assert data["progress"] == [] and data["certificates"] == [] and data["emails"] == []


def test_a_download_without_the_forms_token_is_refused(app: Flask) -> None:
    with app.app_context():
        make_user(email=LEARNER)
    client = app.test_client()
    sign_in(client, LEARNER, STRONG_PASSWORD)

    response = client.post("/account/data")

    assert response.status_code == 400
    assert LEARNER not in response.get_data(as_text=True)


def test_downloads_are_limited_per_person_with_a_clear_message(app: Flask) -> None:
    with app.app_context():
        make_user(email=LEARNER)
        make_user(email=OTHER)
    client = app.test_client()
    sign_in(client, LEARNER, STRONG_PASSWORD)
    token = csrf_token_from(client.get("/account/data").get_data(as_text=True))

    statuses = [
        client.post("/account/data", data={"csrf_token": token}).status_code for _ in range(11)
    ]
    refused = client.post("/account/data", data={"csrf_token": token})

    assert statuses == [200] * 10 + [429]
    assert refused.status_code == 429
    assert "up to 10 times an hour" in refused.get_data(as_text=True)
    someone_else = app.test_client()
    sign_in(someone_else, OTHER, STRONG_PASSWORD)
    assert download(someone_else).status_code == 200


def test_the_account_page_links_to_a_page_that_explains_the_download(app: Flask) -> None:
    with app.app_context():
        make_user(email=LEARNER)
    client = app.test_client()
    sign_in(client, LEARNER, STRONG_PASSWORD)

    account = client.get("/account/").get_data(as_text=True)
    assert 'href="/account/data"' in account
    page = client.get("/account/data").get_data(as_text=True)
    assert len(re.findall(r"<h1[ >]", page)) == 1
    assert "Download your data" in page and "JSON" in page
    assert re.search(r'<form method="post" action="/account/data">', page)
    assert "<script" not in page.split("<main", 1)[1] and "style=" not in page


# The registry: no table that holds someone's data may be left out of the download.


def test_every_table_holding_personal_data_has_an_export_path_or_a_reason(app: Flask) -> None:
    with app.app_context():
        tables = list(db.metadata.tables.values())
    assert unaccounted_columns(tables) == []
    assert "users" in exported_tables()


def test_the_check_catches_a_new_table_holding_personal_data(app: Flask) -> None:
    metadata = MetaData()
    Table("users", metadata, Column("id", Integer, primary_key=True))
    Table(
        "shoe_sizes",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", ForeignKey("users.id")),
        Column("size", Integer),
    )
    Table(
        "newsletter_signups",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("email", String(320)),
        Column("referrer_email", String(320)),
    )
    Table("colours", metadata, Column("id", Integer, primary_key=True), Column("hex", String(7)))

    assert unaccounted_columns(list(metadata.tables.values())) == [
        "shoe_sizes.user_id",
        "newsletter_signups.email",
        "newsletter_signups.referrer_email",
    ]


def test_the_registries_name_only_tables_and_columns_that_exist(app: Flask) -> None:
    exported, not_exported = exported_tables(), not_exported_tables()
    with app.app_context():
        tables = db.metadata.tables
        for entry in [*exported, *not_exported]:
            table, _, column = entry.partition(".")
            assert table in tables, entry
            assert not column or column in tables[table].columns, entry
    assert not exported.keys() & not_exported.keys()


def test_each_feature_describes_only_its_own_tables(app: Flask) -> None:
    owners = {
        mapper.local_table.name: mapper.class_.__module__.split(".")[1]
        for mapper in db.Model.registry.mappers
    }
    described = {
        entry.partition(".")[0]: data.feature
        for data in registered().values()
        for entry in [*data.exported, *data.not_exported]
    }

    assert {table: owners[table] for table in described} == described


def test_every_personal_data_module_registers_when_the_app_is_built(app: Flask) -> None:
    package = PROJECT_ROOT / "course"
    found = {
        ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
        for path in package.rglob("*personal_data.py")
        if path != package / "core" / "personal_data.py"  # the registry itself
    }

    assert set(PERSONAL_DATA_MODULES) == found
    assert {module.split(".")[1] for module in found} == set(registered())


def test_a_feature_cannot_take_another_features_table_section_or_place(app: Flask) -> None:
    def nothing(_person: object, _now: datetime) -> None:
        return None

    for taken in (
        PersonalData(feature="copycat", exported={"lesson_views": "progress"}),
        PersonalData(feature="copycat", not_exported={"users": "a reason"}),
        PersonalData(feature="copycat", sections=(ExportSection("profile", 99, nothing),)),
        PersonalData(feature="copycat", sections=(ExportSection("shoes", 10, nothing),)),
        PersonalData(feature="copycat", erasure_order=90, erase=lambda _erasure: None),
    ):
        with pytest.raises(ValueError, match="copycat clashes with"):
            register(taken)
    with pytest.raises(ValueError, match="registered already"):
        register(PersonalData(feature="learning"))
    assert "copycat" not in registered()
