"""A certificate after it is issued: its emails (the PDF attached, 30 days before expiry, at
expiry, at revocation), the completion page, "Add to LinkedIn", the holder's name correction, and
earning a new certificate after a revocation."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from course.accounts.models import User
from course.accounts.services import find_user_by_email
from course.catalogue.services import the_course
from course.certificates import services as certificates
from course.certificates.models import Certificate, CertificateNameChange, CertificatePdf
from course.core.database import utcnow
from course.core.mail import OutboxMessage, deliver_due_messages
from course.core.pdf import PdfRenderError
from course.extensions import db
from course.learning.models import QuizAttempt
from tests.fixtures.certificates import claim, finished_learner, the_certificate
from tests.fixtures.clients import signed_in_admin
from tests.fixtures.factories import make_user
from tests.fixtures.learning import pass_quiz
from tests.fixtures.mail import queued_emails
from tests.fixtures.pdf import pdf_text
from tests.fixtures.web import post_form

HOLDER = "ada@example.org"


@pytest.fixture
def holder(course_app: Flask) -> FlaskClient:
    """Ada, signed in, holding the certificate she has just claimed."""
    client = finished_learner(course_app)
    claim(client)
    return client


def sent_emails(app: Flask) -> list[EmailMessage]:
    """Deliver the outbox (to the instance's outbox folder) and read back what was written."""
    with app.app_context():
        deliver_due_messages()
    folder = Path(app.instance_path) / "outbox"
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for path in sorted(folder.glob("*.eml"))
    ]


def email_to(app: Flask, subject: str) -> OutboxMessage:
    with app.app_context():
        [message] = [m for m in queued_emails(to=HOLDER) if m.subject == subject]
        db.session.expunge(message)
        return message


# The email at issue, with the PDF attached, and what every email looks like


def test_the_issue_email_has_a_styled_html_part_a_text_part_and_the_pdf_attached(
    course_app: Flask, holder: FlaskClient
) -> None:
    certificate = the_certificate(course_app)

    [email] = [e for e in sent_emails(course_app) if e["Subject"] == "Your CT Citizen certificate"]

    assert email["From"] == "CT Citizen <no-reply@localhost>"
    assert email["Reply-To"] is None
    text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = email.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Your certificate is attached to this email as a PDF" in text
    assert f"/verify/{certificate.display_code}" in text
    assert "You got this email because you completed the course on localhost" in text
    # The stylesheet is in style attributes, which mail clients keep, not in a <style> block.
    assert "<style" not in html and 'style="' in html
    assert "background-color: #00703c" in html  # the button
    assert ">See your certificate</a>" in html
    assert "Or copy this address into your browser: http://localhost/certificates/" in html
    [attachment] = list(email.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"ct-citizen-certificate-{certificate.display_code}.pdf"
    content = attachment.get_content()
    with course_app.app_context():
        stored = db.session.scalar(select(CertificatePdf.content))
    assert content == stored and content.startswith(b"%PDF-")


def test_the_sender_follows_the_sites_address_and_replies_go_to_the_contact_address(
    tmp_path: Path,
) -> None:
    from tests.fixtures.apps import build_app

    app = build_app(
        tmp_path, BASE_URL="https://course.example.org", CONTACT_EMAIL="help@example.org"
    )
    with app.test_request_context():
        make_user(email="grace@example.org", verified=False)
        from course.accounts.services import send_confirmation_email

        send_confirmation_email(find_user_by_email("grace@example.org"))  # type: ignore[arg-type]
        db.session.commit()

    [email] = sent_emails(app)

    assert email["From"] == "CT Citizen <no-reply@course.example.org>"
    assert email["Reply-To"] == "help@example.org"
    html = email.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "registration page of course.example.org" in html


def test_an_email_queued_before_its_certificate_was_revoked_goes_without_the_pdf(
    course_app: Flask, holder: FlaskClient
) -> None:
    with course_app.test_request_context():
        certificates.revoke_certificate(the_certificate(course_app).code, "Issued by mistake")
        db.session.commit()

    emails = {email["Subject"]: email for email in sent_emails(course_app)}

    assert list(emails["Your CT Citizen certificate"].iter_attachments()) == []
    assert "has been revoked" in emails["Your CT Citizen certificate has been revoked"]["Subject"]


def test_an_attachment_that_cannot_be_rendered_waits_and_is_retried(
    course_app: Flask, holder: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with course_app.app_context():
        db.session.execute(db.delete(CertificatePdf))
        db.session.commit()

    def failing_render(*_args: object) -> bytes:
        raise PdfRenderError("took too long")

    monkeypatch.setattr(certificates.pdf, "render_pdf", failing_render)
    course_app.config["BASE_URL"] = "https://course.example.org"  # the sender has no request
    emails = sent_emails(course_app)

    assert "Your CT Citizen certificate" not in [email["Subject"] for email in emails]
    message = email_to(course_app, "Your CT Citizen certificate")
    assert message.sent_at is None and message.attempts == 1
    assert message.last_error == "AttachmentUnavailable: took too long"


# Expiry: 30 days before, and at expiry, once each


def expire_in(app: Flask, days: float) -> None:
    with app.app_context():
        db.session.execute(update(Certificate).values(expires_at=utcnow() + timedelta(days=days)))
        db.session.commit()


def remind(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["certificates", "remind"])
    assert result.exit_code == 0, result.output
    return result.output


def test_holders_are_reminded_30_days_before_expiry_and_told_at_expiry_once_each(
    course_app: Flask, holder: FlaskClient
) -> None:
    course_app.config["BASE_URL"] = "https://course.example.org"
    expire_in(course_app, 45)
    assert "Queued 0 reminder(s) to renew and 0 expiry notice(s)." in remind(course_app)

    expire_in(course_app, 29)
    assert "Queued 1 reminder(s) to renew and 0 expiry notice(s)." in remind(course_app)
    assert "Queued 0 reminder(s)" in remind(course_app)  # the next day: nothing again
    reminder = email_to(course_app, "Your CT Citizen certificate expires soon")
    assert "To renew it, pass each module's quiz again" in reminder.text_body
    assert "https://course.example.org/dashboard" in reminder.text_body
    assert 'href="https://course.example.org/dashboard"' in reminder.html_body

    expire_in(course_app, -1)
    assert "and 1 expiry notice(s)." in remind(course_app)
    assert "and 0 expiry notice(s)." in remind(course_app)
    notice = email_to(course_app, "Your CT Citizen certificate has expired")
    assert "You can still renew it" in notice.text_body
    assert "valid for another 12 months" in notice.text_body


@pytest.mark.parametrize("state", ["revoked", "superseded", "disabled", "long expired"])
def test_no_expiry_email_for_a_certificate_that_no_longer_needs_one(
    course_app: Flask, holder: FlaskClient, state: str
) -> None:
    course_app.config["BASE_URL"] = "https://course.example.org"
    expire_in(course_app, -40 if state == "long expired" else 10)
    with course_app.app_context():
        certificate = db.session.scalar(select(Certificate))
        assert certificate is not None
        if state == "revoked":
            certificate.revoked_at = utcnow()
        elif state == "superseded":
            certificate.superseded_at = utcnow()
        elif state == "disabled":
            db.session.execute(update(User).values(disabled_at=utcnow()))
        db.session.commit()

    assert "Queued 0 reminder(s) to renew and 0 expiry notice(s)." in remind(course_app)


def test_the_remind_command_needs_the_sites_address(course_app: Flask) -> None:
    result = course_app.test_cli_runner().invoke(args=["certificates", "remind"])

    assert result.exit_code == 2
    assert "Set COURSE_BASE_URL: the emails link to the site." in result.output


# The completion page and "Add to LinkedIn"


def test_the_completion_page_asks_for_the_name_then_shows_the_certificate_ready(
    course_app: Flask,
) -> None:
    client = finished_learner(course_app)

    before = client.get("/certificates/complete").get_data(as_text=True)
    issued = claim(client)
    after = client.get(issued.headers["Location"]).get_data(as_text=True)

    assert "You have completed the course" in before
    assert "You have passed the quiz of all 2 modules" in before
    assert 'value="Ada Lovelace"' in before
    assert issued.headers["Location"] == "/certificates/complete"
    certificate = the_certificate(course_app)
    assert "Your certificate is ready" in after and 'name="holder_name"' not in after
    assert f'href="/certificates/{certificate.display_code}.pdf"' in after
    assert "Add to LinkedIn" in after and "print the wallet card" in after


def test_the_completion_page_sends_a_learner_who_has_not_finished_to_their_dashboard(
    course_app: Flask,
) -> None:
    with course_app.app_context():
        make_user(email="starter@example.org")
    client = course_app.test_client()
    from tests.fixtures.factories import STRONG_PASSWORD
    from tests.fixtures.web import sign_in

    sign_in(client, "starter@example.org", STRONG_PASSWORD)

    response = client.get("/certificates/complete")

    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Complete every module of the course to get your certificate." in page


def test_a_bad_name_on_the_completion_page_says_what_is_wrong(course_app: Flask) -> None:
    client = finished_learner(course_app)

    response = claim(client, name="   ")

    assert response.status_code == 200
    assert "Enter the name to print on your certificate" in response.get_data(as_text=True)
    with course_app.app_context():
        assert db.session.scalar(select(Certificate)) is None


def test_add_to_linkedin_fills_in_the_certificate(course_app: Flask, holder: FlaskClient) -> None:
    certificate = the_certificate(course_app)
    course_app.config["ISSUER_NAME"] = "Harbour Arts Centre"
    page = holder.get("/certificates/").get_data(as_text=True)

    [link] = [
        part.split('"', 1)[0].replace("&amp;", "&")
        for part in page.split('href="')[1:]
        if part.startswith("https://www.linkedin.com/")
    ]

    address = urlsplit(link)
    assert address.netloc == "www.linkedin.com" and address.path == "/profile/add"
    fields = {name: values[0] for name, values in parse_qs(address.query).items()}
    assert fields == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Example course",
        "organizationName": "Harbour Arts Centre",
        "issueYear": str(certificate.issued_at.year),
        "issueMonth": str(certificate.issued_at.month),
        "expirationYear": str(certificate.expires_at.year),
        "expirationMonth": str(certificate.expires_at.month),
        "certUrl": f"http://localhost/verify/{certificate.display_code}",
        "certId": certificate.display_code,
    }


def test_the_pdf_lists_the_modules_the_learning_time_and_who_issues_it(
    course_app: Flask, holder: FlaskClient
) -> None:
    course_app.config["ISSUER_NAME"] = "Harbour Arts Centre"
    certificate = the_certificate(course_app)
    with course_app.test_request_context():
        stored = db.session.get(Certificate, certificate.id)
        assert stored is not None
        text = " ".join(pdf_text(certificates.render_certificate(stored)).split())

    assert "Staying safe" in text and "Reporting" in text
    assert "minutes of learning" in text
    assert "Issued by Harbour Arts Centre" in " ".join(
        text.replace("ISSUED BY", "Issued by").split()
    )


def test_learning_time_reads_as_hours_and_minutes() -> None:
    from flask import Flask as _Flask

    from course.extensions import babel

    app = _Flask(__name__)
    babel.init_app(app)
    with app.test_request_context():
        assert certificates.learning_time(95) == "1 hour 35 minutes"
        assert certificates.learning_time(120) == "2 hours"
        assert certificates.learning_time(45) == "45 minutes"


# The holder corrects the printed name


def correct(client: FlaskClient, code: str, name: str, reason: str):
    return post_form(client, f"/certificates/{code}/name", {"holder_name": name, "reason": reason})


def test_the_holder_corrects_the_name_with_a_reason_and_the_pdf_is_made_again(
    course_app: Flask, holder: FlaskClient
) -> None:
    certificate = the_certificate(course_app)
    form = holder.get(f"/certificates/{certificate.display_code}/name").get_data(as_text=True)
    assert "You can correct it 2 more times." in form

    response = correct(holder, certificate.display_code, "Augusta Ada King", "I spelt it wrong")

    assert response.status_code == 302 and response.headers["Location"] == "/certificates/"
    with course_app.app_context():
        stored = db.session.get(Certificate, certificate.id)
        assert stored is not None and stored.holder_name == "Augusta Ada King"
        [change] = db.session.scalars(select(CertificateNameChange))
        assert change.previous_name == "Ada King, Countess of Lovelace"
        assert change.new_name == "Augusta Ada King" and change.reason == "I spelt it wrong"
        assert change.changed_by_id == stored.user_id
        content = db.session.scalar(select(CertificatePdf.content))
    assert content is not None and "Augusta Ada King" in pdf_text(content)
    verified = course_app.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Name corrected" in verified and "Augusta Ada King" in verified
    admin_page = signed_in_admin(course_app).get(f"/admin/users/{change.changed_by_id}")
    text = " ".join(admin_page.get_data(as_text=True).split())
    assert "Name corrections" in text
    assert "from Ada King, Countess of Lovelace to Augusta Ada King, by the holder: I spelt" in text


def test_a_correction_needs_a_reason_and_a_name(course_app: Flask, holder: FlaskClient) -> None:
    code = the_certificate(course_app).display_code

    no_reason = correct(holder, code, "Augusta Ada King", "  ")
    no_name = correct(holder, code, "", "Typo")

    assert no_reason.status_code == no_name.status_code == 200
    assert "Say why the name needs correcting" in no_reason.get_data(as_text=True)
    assert "Enter the name to print on your certificate" in no_name.get_data(as_text=True)
    assert the_certificate(course_app).holder_name == "Ada King, Countess of Lovelace"


def test_a_holder_may_correct_the_name_twice_then_must_ask(
    course_app: Flask, holder: FlaskClient
) -> None:
    code = the_certificate(course_app).display_code
    correct(holder, code, "Ada King", "Shorter")
    correct(holder, code, "Ada Lovelace", "The name people know")

    refused = correct(holder, code, "Someone Else", "Lending it")

    assert refused.status_code == 200
    assert "You have corrected the name on this certificate" in refused.get_data(as_text=True)
    assert the_certificate(course_app).holder_name == "Ada Lovelace"


def test_nobody_else_can_correct_the_name_and_a_revoked_certificate_stays_as_it_was(
    course_app: Flask, holder: FlaskClient
) -> None:
    code = the_certificate(course_app).display_code
    other = finished_learner(course_app, "grace@example.org")

    assert other.get(f"/certificates/{code}/name").status_code == 404
    assert correct(other, code, "Grace Hopper", "Mine now").status_code == 404
    with course_app.test_request_context():
        certificates.revoke_certificate(code, "Issued by mistake")
        db.session.commit()
    refused = correct(holder, code, "Augusta Ada King", "Typo")
    assert "This certificate can no longer be changed." in refused.get_data(as_text=True)
    assert the_certificate(course_app).holder_name == "Ada King, Countess of Lovelace"


# Revocation: the holder is told why, and earns a new certificate by passing every quiz again


def test_a_revoked_holder_is_told_why_and_earns_a_new_certificate_by_passing_again(
    course_app: Flask, holder: FlaskClient
) -> None:
    old = the_certificate(course_app)
    with course_app.app_context():
        db.session.execute(update(QuizAttempt).values(submitted_at=utcnow() - timedelta(days=2)))
        db.session.commit()
    with course_app.test_request_context():
        certificates.revoke_certificate(old.code, "Shared the account with a colleague")
        db.session.commit()

    email = email_to(course_app, "Your CT Citizen certificate has been revoked")
    assert "The reason given: Shared the account with a colleague" in email.text_body
    assert "You can earn a new certificate: pass each module's quiz again." in email.text_body
    dashboard = holder.get("/dashboard").get_data(as_text=True)
    assert "Your certificate was revoked" in dashboard
    assert "Shared the account with a colleague" in dashboard and "To do" in dashboard
    refused = claim(holder)
    assert refused.status_code == 302
    assert "Pass the quiz of every module again to earn a new certificate." in holder.get(
        "/certificates/"
    ).get_data(as_text=True)

    with course_app.app_context():
        user = find_user_by_email(HOLDER)
        course = the_course()
        assert user is not None and course is not None
        for module in course.required_modules:
            pass_quiz(user, module)
        db.session.commit()
    assert "Get your new certificate" in holder.get("/dashboard").get_data(as_text=True)
    claim(holder, name="Ada Lovelace")

    with course_app.app_context():
        old_now, new = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
        assert old_now.revoked_at is not None and old_now.superseded_at is None
        assert new.sequence == 2 and new.revoked_at is None and new.holder_name == "Ada Lovelace"
    verified = course_app.test_client().get(f"/verify/{old.code}").get_data(as_text=True)
    assert "This certificate has been revoked" in verified


def test_revoking_twice_emails_once(course_app: Flask, holder: FlaskClient) -> None:
    code = the_certificate(course_app).code
    with course_app.test_request_context():
        certificates.revoke_certificate(code, "Issued by mistake")
        certificates.revoke_certificate(code, "Again")
        db.session.commit()
        revoked = [m for m in queued_emails(to=HOLDER) if "revoked" in m.subject]
        certificate = db.session.scalar(select(Certificate))
        assert certificate is not None
        assert len(revoked) == 1 and certificate.revocation_reason == "Issued by mistake"


def test_every_email_template_renders_both_parts_with_its_reason(
    course_app: Flask, holder: FlaskClient
) -> None:
    with course_app.app_context():
        messages = list(db.session.scalars(select(OutboxMessage)))

    assert messages
    for message in messages:
        assert "You got this email because" in message.text_body, message.subject
        assert "You got this email because" in message.html_body, message.subject
        assert "<style" not in message.html_body and "<!DOCTYPE html>" in message.html_body
