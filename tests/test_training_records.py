"""Training records that last: what an organisation keeps of someone's training when they leave,
are removed or delete their account; how long it keeps it; the manager's pages; what the person
is told and can download."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from course.accounts.models import User
from course.catalogue.models import Module, ModuleVersion
from course.catalogue.services import the_course
from course.certificates.codes import formatted, new_code
from course.certificates.models import Certificate
from course.core.database import utcnow
from course.extensions import db
from course.learning.models import ModuleCompletion
from course.organisations import memberships as management
from course.organisations import training_records
from course.organisations.models import (
    CapacityTier,
    Membership,
    Organisation,
    RecordReason,
    Site,
    SiteMember,
    TrainingRecord,
)
from course.privacy.erasure import ErasureReason, erase_account
from tests.fixtures.clients import login_as, signed_in
from tests.fixtures.factories import make_org, make_user
from tests.fixtures.learning import complete_course
from tests.fixtures.organisations import create_org, join_path
from tests.fixtures.web import post_form

CHOOSE = "Choose how long to keep training records from the list"


@dataclass(frozen=True)
class Trained:
    """An organisation with a manager, and a member who finished the course there."""

    manager: FlaskClient
    member: FlaskClient
    organisation_id: int
    member_id: int
    code: str


def trained_member(app: Flask, *, revoked: bool = False) -> Trained:
    """Lee Learner joins Harbour Arts Centre by its link, works at its Main hall in the team Bar,
    completes every module and holds a certificate (revoked, if asked)."""
    manager = signed_in(app, "boss@example.org", name="Bea Boss")
    organisation_id = create_org(manager)
    member = signed_in(app, "lee@example.org", name="Lee Learner")
    assert post_form(member, join_path(app, organisation_id), {}).status_code == 302
    now = utcnow()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "lee@example.org"))
        course = the_course()
        assert user is not None and course is not None
        complete_course(user, course)
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        assert membership is not None
        membership.team = "Bar"
        site = Site(
            organisation_id=organisation_id,
            name="Main hall",
            address="1 Quay Street",
            capacity_tier=CapacityTier.STANDARD,
        )
        db.session.add(site)
        db.session.flush()
        db.session.add(SiteMember(site_id=site.id, membership_id=membership.id))
        code = new_code()
        db.session.add(
            Certificate(
                user_id=user.id,
                course_id=course.id,
                sequence=1,
                code=code,
                holder_name="Lee Learner",
                issued_at=now - timedelta(days=10),
                expires_at=now + timedelta(days=355),
                revoked_at=now if revoked else None,
                module_versions=[],
            )
        )
        db.session.commit()
        return Trained(manager, member, organisation_id, user.id, code)


def completed_modules(app: Flask, user_id: int) -> list[tuple[str, int, str]]:
    """(slug, version number, completion date) of every module the user completed."""
    with app.app_context():
        return [
            (slug, number, completed_at.date().isoformat())
            for slug, number, completed_at in db.session.execute(
                select(Module.slug, ModuleVersion.number, ModuleCompletion.completed_at)
                .join(ModuleVersion, ModuleVersion.id == ModuleCompletion.module_version_id)
                .join(Module, Module.id == ModuleCompletion.module_id)
                .where(ModuleCompletion.user_id == user_id)
                .order_by(Module.position)
            )
        ]


def records(app: Flask) -> list[TrainingRecord]:
    with app.app_context():
        found = list(db.session.scalars(select(TrainingRecord).order_by(TrainingRecord.id)))
        for record in found:
            db.session.expunge(record)
        return found


def leave_by_page(trained: Trained) -> None:
    response = post_form(
        trained.member,
        f"/account/organisations/{trained.organisation_id}/leave",
        {},
        form_page="/account/organisations",
    )
    assert response.status_code == 302


def remove_by_page(trained: Trained):  # type: ignore[no-untyped-def]
    path = f"/orgs/{trained.organisation_id}/members/{trained.member_id}/remove"
    return post_form(trained.manager, path, {"action": "remove"})


# Keeping the record


def test_leaving_keeps_a_record_of_the_modules_versions_dates_and_certificate(
    course_app: Flask,
) -> None:
    trained = trained_member(course_app)
    expected_modules = completed_modules(course_app, trained.member_id)
    assert expected_modules  # the example course has modules to complete

    leave_by_page(trained)

    [record] = records(course_app)
    details = training_records.details_of(record)
    assert (record.organisation_id, record.user_id, record.reason) == (
        trained.organisation_id,
        trained.member_id,
        RecordReason.LEFT,
    )
    assert (record.name, record.email, record.team) == ("Lee Learner", "lee@example.org", "Bar")
    assert details.sites == ["Main hall"]
    assert details.training_visible
    assert [
        (module.module, module.version, module.completed_at.date().isoformat())
        for module in details.modules
    ] == expected_modules
    assert all(module.title for module in details.modules)
    assert details.certificate is not None
    assert (details.certificate.code, details.certificate.status) == (trained.code, "valid")
    assert record.keep_until - record.recorded_at == timedelta(days=1095)
    with course_app.app_context():
        assert (
            db.session.scalar(select(Membership).where(Membership.user_id == trained.member_id))
            is None
        )


def test_removing_a_member_keeps_a_record_with_the_certificate_as_it_was(
    course_app: Flask,
) -> None:
    trained = trained_member(course_app, revoked=True)

    response = remove_by_page(trained)

    assert response.status_code == 302
    [record] = records(course_app)
    details = training_records.details_of(record)
    assert record.reason == RecordReason.REMOVED
    assert details.certificate is not None and details.certificate.status == "revoked"
    assert len(details.modules) == len(completed_modules(course_app, trained.member_id))


def test_a_refused_removal_keeps_no_record(course_app: Flask) -> None:
    trained = trained_member(course_app)
    with course_app.app_context():
        boss = db.session.scalar(select(User).where(User.email == "boss@example.org"))
        assert boss is not None
        boss_id = boss.id

    response = post_form(
        trained.manager,
        f"/orgs/{trained.organisation_id}/members/{boss_id}/remove",
        {"action": "remove"},
        form_page=f"/orgs/{trained.organisation_id}/members/{trained.member_id}/remove",
    )

    assert response.status_code == 302
    assert records(course_app) == []


def test_a_member_who_never_confirmed_their_address_leaves_no_training_in_the_record(
    course_app: Flask,
) -> None:
    with course_app.app_context():
        learner = make_user(email="una@example.org", name="Una Unconfirmed", verified=False)
        course = the_course()
        assert course is not None
        complete_course(learner, course)
        organisation = make_org(members=[learner])
        management.leave(learner, organisation)
        db.session.commit()

    [record] = records(course_app)
    details = training_records.details_of(record)
    assert (record.name, record.email) == ("Una Unconfirmed", "una@example.org")
    assert not details.training_visible
    assert details.modules == [] and details.certificate is None


def test_deleting_an_account_keeps_one_record_per_open_organisation_with_no_account(
    course_app: Flask,
) -> None:
    with course_app.app_context():
        learner = make_user(email="ada@example.org", name="Ada Lovelace")
        course = the_course()
        assert course is not None
        complete_course(learner, course)
        make_org(name="Harbour Arts Centre", members=[learner])
        make_org(name="Town Library", members=[learner])
        closed = make_org(name="Old Pier", members=[learner])
        management.close_organisation(closed, "Old Pier")
        earlier = make_org(name="Museum")
        management.join(learner, earlier)
        management.leave(learner, earlier)
        db.session.commit()
        learner_id = learner.id

        erase_account(learner, by=None, reason=ErasureReason.HOLDER_ASKED)
        db.session.commit()

        kept = {
            record.organisation.name: record
            for record in db.session.scalars(select(TrainingRecord))
        }
        assert set(kept) == {"Harbour Arts Centre", "Town Library", "Museum"}
        assert kept["Harbour Arts Centre"].reason == RecordReason.ACCOUNT_DELETED
        assert kept["Town Library"].reason == RecordReason.ACCOUNT_DELETED
        assert kept["Museum"].reason == RecordReason.LEFT
        assert {record.user_id for record in kept.values()} == {None}
        assert {record.name for record in kept.values()} == {"Ada Lovelace"}
        assert len(training_records.details_of(kept["Town Library"]).modules) == len(
            course.required_modules
        )
        assert db.session.get(User, learner_id) is None


# How long records are kept


def test_changing_the_retention_recalculates_every_record_of_the_organisation(
    course_app: Flask,
) -> None:
    trained = trained_member(course_app)
    leave_by_page(trained)
    with course_app.app_context():
        other = make_org(name="Elsewhere", members=[make_user(email="zed@example.org")])
        zed = db.session.scalar(select(User).where(User.email == "zed@example.org"))
        assert zed is not None
        management.leave(zed, other)
        db.session.commit()
        long_ago = utcnow() - timedelta(days=400)
        db.session.execute(
            update(TrainingRecord)
            .where(TrainingRecord.organisation_id == trained.organisation_id)
            .values(recorded_at=long_ago)
        )
        db.session.commit()
    elsewhere_before = [r.keep_until for r in records(course_app) if r.email == "zed@example.org"]
    path = f"/orgs/{trained.organisation_id}/records"

    response = post_form(trained.manager, path, {"days": "365"})

    assert response.status_code == 302
    page = trained.manager.get(path).get_data(as_text=True)
    assert "Training records are now kept for 1 year." in page
    assert "has changed to match" in page
    mine = [r for r in records(course_app) if r.organisation_id == trained.organisation_id]
    assert [r.keep_until - r.recorded_at for r in mine] == [timedelta(days=365)]
    assert mine[0].keep_until < utcnow()  # due for the next purge
    assert [r.keep_until for r in records(course_app) if r.email == "zed@example.org"] == (
        elsewhere_before
    )
    with course_app.app_context():
        organisation = db.session.get(Organisation, trained.organisation_id)
        assert organisation is not None and organisation.record_retention_days == 365


@pytest.mark.parametrize("typed", ["5000", "10", "two years", ""])
def test_a_bad_retention_period_is_refused_with_a_clear_message_and_changes_nothing(
    course_app: Flask, typed: str
) -> None:
    trained = trained_member(course_app)
    leave_by_page(trained)
    [before] = records(course_app)
    path = f"/orgs/{trained.organisation_id}/records"

    response = post_form(trained.manager, path, {"days": typed})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and CHOOSE in page
    [after] = records(course_app)
    assert after.keep_until == before.keep_until
    with course_app.app_context():
        organisation = db.session.get(Organisation, trained.organisation_id)
        assert organisation is not None and organisation.record_retention_days == 1095


def test_the_service_refuses_a_period_outside_30_days_to_6_years(course_app: Flask) -> None:
    with course_app.test_request_context():
        organisation = make_org()
        for days in (29, 2191):
            with pytest.raises(training_records.RetentionRefused):
                training_records.set_record_retention(organisation, days)
        assert training_records.set_record_retention(organisation, 2190) == 0
        db.session.commit()
        assert db.session.get(Organisation, organisation.id).record_retention_days == 2190  # type: ignore[union-attr]


def test_the_purge_deletes_only_records_past_their_time(course_app: Flask) -> None:
    trained = trained_member(course_app)
    leave_by_page(trained)
    with course_app.app_context():
        other = make_org(name="Elsewhere", members=[make_user(email="zed@example.org")])
        zed = db.session.scalar(select(User).where(User.email == "zed@example.org"))
        assert zed is not None
        management.leave(zed, other)
        # A closed organisation's records stay until their time, then go like any others.
        management.close_organisation(other, "Elsewhere")
        db.session.execute(
            update(TrainingRecord)
            .where(TrainingRecord.email == "zed@example.org")
            .values(keep_until=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()

    result = course_app.test_cli_runner().invoke(args=["privacy", "purge"])

    assert result.exit_code == 0, result.output
    assert "1 expired training records" in result.output
    assert [record.email for record in records(course_app)] == ["lee@example.org"]


def test_closing_the_organisation_keeps_its_records(course_app: Flask) -> None:
    trained = trained_member(course_app)
    leave_by_page(trained)
    with course_app.app_context():
        organisation = db.session.get(Organisation, trained.organisation_id)
        assert organisation is not None
        management.close_organisation(organisation, organisation.name)
        db.session.commit()

    assert [record.email for record in records(course_app)] == ["lee@example.org"]


@pytest.mark.parametrize(
    ("days", "words"),
    [(1095, "3 years"), (365, "1 year"), (30, "1 month"), (180, "6 months"), (45, "45 days")],
)
def test_a_period_reads_as_people_say_it(app: Flask, days: int, words: str) -> None:
    with app.test_request_context():
        assert training_records.retention_in_words(days) == words


# The manager's pages


def two_leavers(app: Flask) -> Trained:
    """Lee leaves first; Kim, who joined too, leaves a day later."""
    trained = trained_member(app)
    kim = signed_in(app, "kim@example.org", name="Kim Kestrel")
    assert post_form(kim, join_path(app, trained.organisation_id), {}).status_code == 302
    leave_by_page(trained)
    post_form(
        kim,
        f"/account/organisations/{trained.organisation_id}/leave",
        {},
        form_page="/account/organisations",
    )
    with app.app_context():
        db.session.execute(
            update(TrainingRecord)
            .where(TrainingRecord.email == "lee@example.org")
            .values(recorded_at=utcnow() - timedelta(days=1))
        )
        db.session.commit()
    return trained


def test_the_records_page_lists_the_newest_first_and_searches_by_name_or_email(
    course_app: Flask,
) -> None:
    trained = two_leavers(course_app)
    path = f"/orgs/{trained.organisation_id}/records"

    page = trained.manager.get(path)
    searched = trained.manager.get(path + "?q=KESTREL").get_data(as_text=True)
    by_email = trained.manager.get(path + "?q=lee@").get_data(as_text=True)
    nothing = trained.manager.get(path + "?q=nobody").get_data(as_text=True)

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2 records" in text
    assert text.index("Kim Kestrel") < text.index("Lee Learner")
    assert "Left the organisation" in text
    assert "Each record is kept for 3 years" in text
    assert "Kim Kestrel" in searched and "Lee Learner" not in searched
    assert "Lee Learner" in by_email and "Kim Kestrel" not in by_email
    assert "No record matches your search." in nothing


def test_the_manage_page_links_to_the_records(course_app: Flask) -> None:
    trained = trained_member(course_app)

    page = trained.manager.get(f"/orgs/{trained.organisation_id}/").get_data(as_text=True)

    assert f'href="/orgs/{trained.organisation_id}/records"' in page


def test_a_record_page_shows_the_training_kept(course_app: Flask) -> None:
    trained = trained_member(course_app)
    leave_by_page(trained)
    [record] = records(course_app)
    with course_app.app_context():
        titles = list(
            db.session.scalars(
                select(ModuleVersion.title)
                .join(ModuleCompletion, ModuleCompletion.module_version_id == ModuleVersion.id)
                .where(ModuleCompletion.user_id == trained.member_id)
            )
        )

    response = trained.manager.get(f"/orgs/{trained.organisation_id}/records/{record.id}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Lee Learner" in page and "lee@example.org" in page
    assert "Main hall" in page and "Bar" in page
    assert all(title in page for title in titles)
    assert formatted(trained.code) in page
    assert "Valid" in page


def test_the_csv_holds_every_record_with_its_training(course_app: Flask) -> None:
    trained = two_leavers(course_app)

    response = trained.manager.get(f"/orgs/{trained.organisation_id}/records.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert "harbour-arts-centre-training-records-" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))
    assert [row["Name"] for row in rows] == ["Kim Kestrel", "Lee Learner"]
    lee = rows[1]
    assert lee["Why kept"] == "Left the organisation"
    assert lee["Sites"] == "Main hall" and lee["Team"] == "Bar"
    assert lee["Certificate code"] == formatted(trained.code)
    assert lee["Certificate status then"] == "Valid"
    assert lee["Verification link"].endswith(formatted(trained.code))
    assert "(v1, " in lee["Modules completed"]
    assert rows[0]["Modules completed"] == "" and rows[0]["Certificate status then"] == "None"


def test_deleting_a_record_asks_first_and_then_deletes_only_it(course_app: Flask) -> None:
    trained = two_leavers(course_app)
    lee, kim = sorted(records(course_app), key=lambda record: record.name != "Lee Learner")
    path = f"/orgs/{trained.organisation_id}/records/{lee.id}/delete"

    asked = trained.manager.get(path).get_data(as_text=True)
    stray = post_form(trained.manager, path, {"action": "none"})
    assert len(records(course_app)) == 2
    deleted = post_form(trained.manager, path, {"action": "delete"}, form_page=path)

    assert "Are you sure you want to delete the training record of Lee Learner?" in asked
    assert "You cannot undo this." in asked
    assert stray.status_code == 302 and stray.headers["Location"] == path
    assert deleted.status_code == 302
    assert deleted.headers["Location"] == f"/orgs/{trained.organisation_id}/records"
    assert [record.id for record in records(course_app)] == [kim.id]
    page = trained.manager.get(deleted.headers["Location"]).get_data(as_text=True)
    assert "The training record of Lee Learner has been deleted." in page
    assert (
        trained.manager.get(f"/orgs/{trained.organisation_id}/records/{lee.id}").status_code == 404
    )


def test_only_the_organisations_managers_reach_its_records(course_app: Flask) -> None:
    trained = trained_member(course_app)
    bystander = signed_in(course_app, "kim@example.org", name="Kim Kestrel")
    assert (
        post_form(bystander, join_path(course_app, trained.organisation_id), {}).status_code == 302
    )
    leave_by_page(trained)
    [record] = records(course_app)
    other_manager = signed_in(course_app, "other@example.org", name="Oli Other")
    other_id = create_org(other_manager, "Elsewhere")
    pages = [
        f"/orgs/{trained.organisation_id}/records",
        f"/orgs/{trained.organisation_id}/records/{record.id}",
        f"/orgs/{trained.organisation_id}/records/{record.id}/delete",
        f"/orgs/{trained.organisation_id}/records.csv",
    ]

    for client in (bystander, other_manager, trained.member):
        assert [client.get(page).status_code for page in pages] == [404] * 4
    anonymous = course_app.test_client().get(pages[0])
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    # Their own organisation's address does not reach another's record either.
    assert other_manager.get(f"/orgs/{other_id}/records/{record.id}").status_code == 404
    assert len(records(course_app)) == 1


# What the person is told, and can download


def test_the_joining_page_says_what_is_kept_and_for_how_long(course_app: Flask) -> None:
    trained = trained_member(course_app)
    join = join_path(course_app, trained.organisation_id)
    visitor = course_app.test_client()

    before = visitor.get(join).get_data(as_text=True)
    post_form(trained.manager, f"/orgs/{trained.organisation_id}/records", {"days": "180"})
    after = visitor.get(join).get_data(as_text=True)

    assert "keeps a record of your training for 3 years" in before
    assert "the modules you completed with their versions and dates" in before
    assert "keeps a record of your training for 6 months" in after


def test_the_download_of_your_data_holds_the_records_organisations_keep(
    course_app: Flask,
) -> None:
    trained = trained_member(course_app)
    leave_by_page(trained)
    client = course_app.test_client()
    with course_app.app_context():
        lee = db.session.get(User, trained.member_id)
        assert lee is not None
    login_as(client, lee)

    page = client.get("/account/data").get_data(as_text=True)
    response = post_form(client, "/account/data", {})

    assert "the training records organisations you have left keep about you" in page
    data = json.loads(response.get_data(as_text=True))
    [record] = data["organisations"]["training_records_held_by_organisations"]
    assert record["held_by"] == "Harbour Arts Centre"
    assert record["why_kept"] == "left"
    assert record["name"] == "Lee Learner" and record["sites"] == ["Main hall"]
    assert record["certificate"]["code"] == trained.code
    assert [module["module"] for module in record["modules"]] == [
        slug for slug, _, _ in completed_modules(course_app, trained.member_id)
    ]
    assert data["organisations"]["memberships"] == []
