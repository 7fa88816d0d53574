"""Certificates: issued once, verified publicly with the minimum shown, renewed, revoked."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from course.accounts.services import find_user_by_email
from course.catalogue.services import the_course
from course.certificates import pdf
from course.certificates import services as certificates
from course.certificates.codes import ALPHABET, LENGTH, formatted, new_code, normalised
from course.certificates.models import Certificate, CertificatePdf
from course.extensions import db
from course.learning.models import QuizAttempt
from tests.fixtures.certificates import claim, finished_learner, the_certificate
from tests.fixtures.clients import signed_in_admin
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.learning import pass_quiz
from tests.fixtures.mail import queued_emails
from tests.fixtures.pdf import pdf_text
from tests.fixtures.web import sign_in


def certificate_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Certificate.id))) or 0


def test_a_finished_learner_is_asked_to_confirm_the_name_prefilled(course_app: Flask) -> None:
    client = finished_learner(course_app)

    dashboard = client.get("/dashboard").get_data(as_text=True)
    page = client.get("/certificates/complete").get_data(as_text=True)

    assert 'href="/certificates/complete">Get your certificate</a>' in dashboard
    assert "You have completed the course" in page
    assert 'name="holder_name"' in page and 'value="Ada Lovelace"' in page


def test_claiming_issues_one_certificate_with_the_confirmed_name_and_emails_its_link(
    course_app: Flask,
) -> None:
    client = finished_learner(course_app)

    first = claim(client)
    second = claim(client)  # double submission

    assert first.status_code == second.status_code == 302
    assert certificate_count(course_app) == 1
    certificate = the_certificate(course_app)
    assert certificate.holder_name == "Ada King, Countess of Lovelace"
    assert len(certificate.code) == LENGTH and set(certificate.code) <= set(ALPHABET)
    assert [entry["module"] for entry in certificate.module_versions] == [
        "staying-safe",
        "reporting",
    ]
    assert all(entry["version"] == 1 for entry in certificate.module_versions)
    assert certificate.expires_at - certificate.issued_at >= timedelta(days=365)
    with course_app.app_context():
        [email] = [e for e in queued_emails(to="ada@example.org") if "certificate" in e.subject]
        assert f"/verify/{certificate.display_code}" in email.text_body
        assert db.session.scalar(select(func.count(CertificatePdf.id))) == 1


def test_an_unfinished_or_unconfirmed_learner_gets_no_certificate(course_app: Flask) -> None:
    unconfirmed = finished_learner(course_app, "unconfirmed@example.org", verified=False)
    with course_app.app_context():
        make_user(email="starter@example.org")
    starter = course_app.test_client()
    sign_in(starter, "starter@example.org", STRONG_PASSWORD)

    refused_unconfirmed = claim(unconfirmed)
    refused_starter = claim(starter)

    assert "Confirm your email address first" in unconfirmed.get("/certificates/").get_data(
        as_text=True
    )
    assert "Complete every module of the course first" in starter.get("/certificates/").get_data(
        as_text=True
    )
    assert refused_unconfirmed.status_code == refused_starter.status_code == 302
    assert certificate_count(course_app) == 0


def test_an_empty_name_is_refused_at_the_field(course_app: Flask) -> None:
    client = finished_learner(course_app)

    response = claim(client, name="   ")

    assert response.status_code == 200
    assert "Enter the name to print on your certificate" in response.get_data(as_text=True)
    assert certificate_count(course_app) == 0


def test_codes_are_random_and_read_forgivingly() -> None:
    codes = {new_code() for _ in range(200)}
    sample = next(iter(codes))

    assert len(codes) == 200
    assert normalised(formatted(sample)) == sample
    assert normalised(formatted(sample).lower().replace("-", " ")) == sample
    assert (
        normalised("0000-1111-" + "A" * 20)
        == normalised("OOOO-IIII-" + "a" * 20)
        == normalised("oooo-llll-" + "A" * 20)
    )
    assert normalised("too-short") is None and normalised("U" * LENGTH) is None


@pytest.mark.parametrize("variant", ["formatted", "compact", "lower", "spaces"])
def test_verification_accepts_the_code_in_any_form(course_app: Flask, variant: str) -> None:
    claim(finished_learner(course_app))
    certificate = the_certificate(course_app)
    typed = {
        "formatted": certificate.display_code,
        "compact": certificate.code,
        "lower": certificate.display_code.lower(),
        "spaces": certificate.display_code.replace("-", " "),
    }[variant]
    visitor = course_app.test_client()

    by_path = visitor.get(f"/verify/{typed.replace(' ', '%20')}")
    by_form = visitor.get("/verify", query_string={"code": typed})

    for response in (by_path, by_form):
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "This certificate is valid" in page
        assert "Ada King, Countess of Lovelace" in page and "Example course" in page


def test_verification_shows_nothing_else_about_the_holder(course_app: Flask) -> None:
    claim(finished_learner(course_app))
    certificate = the_certificate(course_app)

    page = course_app.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)

    assert "ada@example.org" not in page
    assert "Lovelace" in page
    main = page[page.index("<main") : page.index("</main>")]
    assert "staying-safe" not in main and "Your certificates" not in main


@pytest.mark.parametrize("typed", ["ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345", "not a code", "x" * 5])
def test_an_unknown_or_malformed_code_gets_a_clear_404(course_app: Flask, typed: str) -> None:
    client = course_app.test_client()

    by_path = client.get(f"/verify/{typed}")
    by_form = client.get("/verify", query_string={"code": typed})

    for response in (by_path, by_form):
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        assert "No certificate has this code." in page
        assert "Check that you typed it exactly as it is printed" in page


def test_verification_answers_json_for_systems(course_app: Flask) -> None:
    claim(finished_learner(course_app))
    certificate = the_certificate(course_app)
    client = course_app.test_client()

    found = client.get(f"/verify/{certificate.code}", headers={"Accept": "application/json"})
    missing = client.get("/verify/" + "0" * 28, headers={"Accept": "application/json"})

    assert found.get_json() == {
        "code": certificate.display_code,
        "status": "valid",
        "holder_name": "Ada King, Countess of Lovelace",
        "name_corrected_on": None,
        "course": "Example course",
        "issued_on": certificate.issued_at.date().isoformat(),
        "expires_on": certificate.expires_at.date().isoformat(),
    }
    assert missing.status_code == 404 and missing.get_json()["error"] == 404


def test_verification_is_limited_to_30_lookups_a_minute_per_client(course_app: Flask) -> None:
    client = course_app.test_client()

    statuses = [client.get("/verify/" + "0" * 28).status_code for _ in range(31)]

    assert statuses == [404] * 30 + [429]


def test_only_the_holder_and_admins_with_two_factors_can_download_the_pdf(
    course_app: Flask,
) -> None:
    from course.accounts.models import Role

    holder = finished_learner(course_app)
    claim(holder)
    certificate = the_certificate(course_app)
    path = f"/certificates/{certificate.display_code}.pdf"
    with course_app.app_context():
        make_user(email="eve@example.org")
        make_user(email="password-only-admin@example.org", role=Role.ADMIN)
    eve, password_only_admin = course_app.test_client(), course_app.test_client()
    sign_in(eve, "eve@example.org", STRONG_PASSWORD)
    sign_in(password_only_admin, "password-only-admin@example.org", STRONG_PASSWORD)
    admin = signed_in_admin(course_app)

    response = holder.get(path)

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert (
        f"filename=ct-citizen-certificate-{certificate.display_code}.pdf"
        in response.headers["Content-Disposition"]
    )
    assert (
        "private" in response.headers["Cache-Control"]
        and "no-cache" in response.headers["Cache-Control"]
    )
    assert response.headers["ETag"]
    assert holder.get(path, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert eve.get(path).status_code == 404
    assert course_app.test_client().get(path).status_code == 302  # to sign in
    assert password_only_admin.get(path).status_code == 404
    assert admin.get(path).status_code == 200


def test_the_pdf_is_rendered_once_and_served_from_the_database(
    course_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = finished_learner(course_app)
    claim(holder)
    certificate = the_certificate(course_app)

    def no_rendering(*_args: object) -> bytes:
        raise AssertionError("rendered again")

    monkeypatch.setattr(pdf, "render_pdf", no_rendering)

    assert holder.get(f"/certificates/{certificate.code}.pdf").status_code == 200


def test_a_new_template_version_or_a_corrected_name_renders_again(
    course_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = finished_learner(course_app)
    claim(holder)
    certificate = the_certificate(course_app)
    monkeypatch.setattr(pdf, "TEMPLATE_VERSION", "next")

    assert holder.get(f"/certificates/{certificate.code}.pdf").status_code == 200
    with course_app.test_request_context():
        versions = db.session.scalars(select(CertificatePdf.template_version)).all()
        assert sorted(versions) == sorted([versions[0], "next"]) and "next" in versions
        stored = db.session.get(Certificate, certificate.id)
        assert stored is not None
        certificates.correct_holder_name(stored, "Augusta Ada King", changed_by=None)
        certificates.commit_and_store_pdf(stored)
        assert db.session.scalar(select(func.count(CertificatePdf.id))) == 1
    text = pdf_text(holder.get(f"/certificates/{certificate.code}.pdf").data)
    assert "Augusta Ada King" in text


def test_revoking_shows_revoked_at_once_and_keeps_the_reason_private(course_app: Flask) -> None:
    claim(finished_learner(course_app))
    certificate = the_certificate(course_app)
    course_app.config["BASE_URL"] = "https://course.example.org"

    result = course_app.test_cli_runner().invoke(
        args=[
            "certificates",
            "revoke",
            certificate.display_code.lower(),
            "--reason",
            "Shared account",
        ],
        input="y\n",
    )

    assert result.exit_code == 0 and f"Revoked {certificate.display_code}." in result.output
    assert "This cannot be undone." in result.output
    page = course_app.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "This certificate has been revoked" in page
    assert "Shared account" not in page
    with course_app.app_context():
        from course.audit.models import AuditEntry

        (entry,) = db.session.scalars(select(AuditEntry))
        assert entry.action == "certificate.revoked" and entry.actor_email == "command line"
        assert entry.after is not None and entry.after["revocation_reason"] == "Shared account"
    unknown = course_app.test_cli_runner().invoke(
        args=["certificates", "revoke", "nope", "--reason", "x", "--yes"]
    )
    assert unknown.exit_code == 2 and "No certificate has that code." in unknown.output


def backdate(app: Flask, days_until_expiry: int) -> None:
    """Move the latest certificate, and the quizzes passed to earn it, back in time."""
    with app.app_context():
        certificate = db.session.scalar(select(Certificate).order_by(Certificate.id.desc()))
        assert certificate is not None
        certificate.expires_at = datetime.now(UTC) + timedelta(days=days_until_expiry)
        certificate.issued_at = certificate.expires_at - timedelta(days=365)
        db.session.execute(
            update(QuizAttempt)
            .where(QuizAttempt.user_id == certificate.user_id)
            .values(submitted_at=certificate.issued_at - timedelta(days=1))
        )
        db.session.commit()


def test_renewal_opens_30_days_before_expiry_and_supersedes_the_old_certificate(
    course_app: Flask,
) -> None:
    holder = finished_learner(course_app)
    claim(holder)
    old = the_certificate(course_app)
    backdate(course_app, days_until_expiry=45)
    assert "expires soon" not in holder.get("/dashboard").get_data(as_text=True)

    backdate(course_app, days_until_expiry=20)
    page = holder.get("/dashboard").get_data(as_text=True)
    assert "Your certificate expires soon" in page and "To do" in page
    refused = claim(holder)
    assert refused.status_code == 302 and certificate_count(course_app) == 1

    with course_app.app_context():
        user = find_user_by_email("ada@example.org")
        course = the_course()
        assert user is not None and course is not None
        for module in course.required_modules:
            pass_quiz(user, module)
        db.session.commit()
    assert "Renew my certificate" in holder.get("/dashboard").get_data(as_text=True)
    claim(holder, name="Ada Lovelace")

    new = the_certificate(course_app)
    assert certificate_count(course_app) == 2 and new.code != old.code
    old_page = course_app.test_client().get(f"/verify/{old.code}").get_data(as_text=True)
    assert "This certificate has been replaced" in old_page and new.code not in old_page
    assert new.display_code not in old_page
    new_page = course_app.test_client().get(f"/verify/{new.code}").get_data(as_text=True)
    assert "This certificate is valid" in new_page


def test_an_expired_certificate_verifies_as_expired_and_can_be_renewed(course_app: Flask) -> None:
    holder = finished_learner(course_app)
    claim(holder)
    certificate = the_certificate(course_app)
    backdate(course_app, days_until_expiry=-3)

    page = course_app.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)

    assert "This certificate has expired" in page
    assert "Your certificate has expired" in holder.get("/dashboard").get_data(as_text=True)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ((2026, 1, 31), 1, (2026, 2, 28)),
        ((2028, 1, 31), 1, (2028, 2, 29)),
        ((2026, 11, 21), 12, (2027, 11, 21)),
    ],
)
def test_expiry_is_the_same_day_months_later(start: tuple, months: int, expected: tuple) -> None:
    moment = datetime(*start, 12, 0, tzinfo=UTC)

    assert certificates.add_months(moment, months).timetuple()[:3] == expected


def test_a_certificate_records_the_module_versions_it_was_earned_on(course_app: Flask) -> None:
    claim(finished_learner(course_app))

    certificate = the_certificate(course_app)

    assert certificate.module_versions == [
        {"module": "staying-safe", "version": 1},
        {"module": "reporting", "version": 1},
    ]
    assert re.fullmatch(r"([0-9A-Z]{4}-){6}[0-9A-Z]{4}", certificate.display_code)
