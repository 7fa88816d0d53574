"""A certificate's status is defined once, for Python and for SQL (``Certificate.status_at``,
``is_valid_at`` and ``expires_soon_at``): the two agree for every state a certificate can be in,
at the edges of the 30-day renewal window too, and the organisation's table, filters, counts and
reminders, and the learner's renewal, all follow that one definition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from course.accounts.models import User
from course.catalogue.models import Course
from course.catalogue.services import the_course
from course.certificates import services as certificates
from course.certificates.codes import new_code
from course.certificates.models import Certificate, CertificateStatus
from course.extensions import db
from course.organisations import reminders
from course.organisations.member_table import (
    CERTIFICATE_ORDER,
    CERTIFICATE_STATUSES,
    MemberFilters,
    member_page,
)
from course.organisations.reports import organisation_overview
from tests.fixtures.factories import make_org, make_user

#: A moment with microseconds, so that the edges are compared to the microsecond.
NOW = datetime(2027, 3, 10, 14, 30, 15, 123456, tzinfo=UTC)
TICK = timedelta(microseconds=1)
DAY = timedelta(days=1)

#: Every state a certificate can be in, by when it expires and what happened to it, with the
#: status and "expires soon" it must have at ``NOW``.
STATES: dict[str, tuple[timedelta, dict[str, datetime], CertificateStatus, bool]] = {
    "valid, 31 days left": (31 * DAY, {}, CertificateStatus.VALID, False),
    "valid, 30 days and a microsecond left": (30 * DAY + TICK, {}, CertificateStatus.VALID, False),
    "expiring, 30 days left": (30 * DAY, {}, CertificateStatus.VALID, True),
    "expiring, 29 days left": (29 * DAY, {}, CertificateStatus.VALID, True),
    "expiring, a microsecond left": (TICK, {}, CertificateStatus.VALID, True),
    "expired this moment": (timedelta(0), {}, CertificateStatus.EXPIRED, False),
    "expired yesterday": (-DAY, {}, CertificateStatus.EXPIRED, False),
    "revoked, 29 days left": (
        29 * DAY,
        {"revoked_at": NOW - DAY},
        CertificateStatus.REVOKED,
        False,
    ),
    "revoked, 200 days left": (200 * DAY, {"revoked_at": NOW}, CertificateStatus.REVOKED, False),
    "revoked and expired": (-DAY, {"revoked_at": NOW - 9 * DAY}, CertificateStatus.REVOKED, False),
    "superseded, 29 days left": (
        29 * DAY,
        {"superseded_at": NOW - DAY},
        CertificateStatus.SUPERSEDED,
        False,
    ),
    "superseded and expired": (
        -DAY,
        {"superseded_at": NOW - 9 * DAY},
        CertificateStatus.SUPERSEDED,
        False,
    ),
    "erased, 29 days left": (29 * DAY, {"erased_at": NOW - DAY}, CertificateStatus.ERASED, False),
    "erased and expired": (-DAY, {"erased_at": NOW - DAY}, CertificateStatus.ERASED, False),
    "erased after it was revoked": (
        200 * DAY,
        {"revoked_at": NOW - 9 * DAY, "erased_at": NOW - DAY},
        CertificateStatus.ERASED,
        False,
    ),
}

#: The states a member's current certificate can be in: renewal supersedes the old one, and
#: erasing an account removes its memberships.
MEMBER_STATES = [
    state
    for state, (_, marks, _, _) in STATES.items()
    if "superseded_at" not in marks and "erased_at" not in marks
]


def add_certificate(user: User, course: Course, sequence: int, state: str) -> Certificate:
    expires_in, marks, _, _ = STATES[state]
    certificate = Certificate(
        user_id=user.id,
        course_id=course.id,
        sequence=sequence,
        code=new_code(),
        holder_name=user.name,
        issued_at=NOW - 300 * DAY,
        expires_at=NOW + expires_in,
        module_versions=[],
        **marks,
    )
    db.session.add(certificate)
    return certificate


def the_example_course() -> Course:
    course = the_course()
    assert course is not None
    return course


def ids_where(condition: object) -> set[int]:
    return set(db.session.scalars(select(Certificate.id).where(condition)))


def test_python_and_sql_give_every_certificate_the_same_status(course_app: Flask) -> None:
    with course_app.app_context():
        holder = make_user(email="holder@example.org")
        made = {
            state: add_certificate(holder, the_example_course(), sequence, state)
            for sequence, state in enumerate(STATES, start=1)
        }
        db.session.commit()
        state_of = {certificate.id: state for state, certificate in made.items()}
        db.session.expire_all()  # Python reads back what the database stored, as SQL does

        in_python = {
            state_of[certificate.id]: (
                certificate.status_at(NOW),
                certificate.is_valid_at(NOW),
                certificate.expires_soon_at(NOW),
            )
            for certificate in db.session.scalars(select(Certificate))
        }
        in_sql = {
            state_of[certificate_id]: (status, bool(valid), bool(soon))
            for certificate_id, status, valid, soon in db.session.execute(
                select(
                    Certificate.id,
                    Certificate.status_at(NOW),
                    Certificate.is_valid_at(NOW),
                    Certificate.expires_soon_at(NOW),
                )
            )
        }
        filtered_in_sql = {
            status: ids_where(Certificate.status_at(NOW) == status.value)
            for status in CertificateStatus
        }
        expiring_in_sql = ids_where(Certificate.expires_soon_at(NOW))

    expected = {
        state: (status, status == CertificateStatus.VALID, soon)
        for state, (_, _, status, soon) in STATES.items()
    }
    assert in_python == expected
    assert in_sql == expected
    for status in CertificateStatus:
        assert {state_of[each] for each in filtered_in_sql[status]} == {
            state for state, (_, _, wanted, _) in STATES.items() if wanted == status
        }
    assert {state_of[each] for each in expiring_in_sql} == {
        "expiring, 30 days left",
        "expiring, 29 days left",
        "expiring, a microsecond left",
    }


def test_renewal_opens_when_the_certificate_starts_to_expire_soon_or_is_revoked(
    course_app: Flask,
) -> None:
    """A revoked certificate is earned again the same way, by passing every quiz again."""
    renewable = set()
    with course_app.app_context():
        course = the_example_course()
        for number, state in enumerate(STATES):
            learner = make_user(email=f"learner{number}@example.org")
            add_certificate(learner, course, 1, state)
            db.session.commit()
            if certificates.standing(learner, course, NOW).renewal is not None:
                renewable.add(state)

    assert renewable == {
        "expiring, 30 days left",
        "expiring, 29 days left",
        "expiring, a microsecond left",
        "expired this moment",
        "expired yesterday",
        "revoked, 200 days left",
        "revoked, 29 days left",
        "revoked and expired",
    }


def test_the_organisation_table_counts_filters_and_reminders_follow_the_certificate(
    course_app: Flask,
) -> None:
    with course_app.app_context():
        course = the_example_course()
        manager = make_user(email="manager@example.org", name="Manager")
        members = {
            state: make_user(email=f"member{number}@example.org", name=state)
            for number, state in enumerate(MEMBER_STATES)
        }
        renewed = make_user(email="renewed@example.org", name="renewed a month early")
        organisation = make_org(manager=manager, members=[*members.values(), renewed])
        expected = {"Manager": "none"}
        for state, member in members.items():
            certificate = add_certificate(member, course, 1, state)
            expected[state] = (
                "expiring" if certificate.expires_soon_at(NOW) else certificate.status_at(NOW).value
            )
        add_certificate(renewed, course, 1, "superseded, 29 days left")
        add_certificate(renewed, course, 2, "valid, 31 days left")
        expected["renewed a month early"] = "valid"
        db.session.commit()

        def names(filters: MemberFilters) -> set[str]:
            return {row.name for row in member_page(organisation, course, filters, now=NOW).rows}

        table = member_page(organisation, course, now=NOW).rows
        by_filter = {
            status: names(MemberFilters(status=status))
            for status in (*CERTIFICATE_STATUSES, "completed")
        }
        by_certificate = [
            row.certificate_status
            for row in member_page(
                organisation, course, MemberFilters(sort="certificate"), now=NOW
            ).rows
        ]
        summary = organisation_overview(organisation, course, NOW).summary
        needs_course = {
            row.name: row.needs_course
            for row in reminders.reminder_page(organisation, course, now=NOW).rows
        }

    assert {row.name: row.certificate_status for row in table} == expected
    assert set(expected.values()) == set(CERTIFICATE_STATUSES)
    for status in CERTIFICATE_STATUSES:
        assert by_filter[status] == {name for name, word in expected.items() if word == status}
    assert by_filter["completed"] == {
        name for name, word in expected.items() if word in ("valid", "expiring")
    }
    assert by_certificate == sorted(by_certificate, key=CERTIFICATE_ORDER.index)
    assert summary.completed == len(by_filter["completed"])
    assert summary.expiring == len(by_filter["expiring"]) == 3
    assert needs_course == {name: word != "valid" for name, word in expected.items()}
