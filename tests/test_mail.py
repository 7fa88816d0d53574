"""The outbox: written with the change that causes it, sent afterwards, retried with backoff."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from course.accounts import services
from course.core.database import utcnow
from course.core.mail import MAX_ATTEMPTS, OutboxMessage, deliver_due_messages, retry_delay
from course.extensions import db
from tests.fixtures.apps import build_app
from tests.fixtures.factories import STRONG_PASSWORD
from tests.fixtures.mail import LocalSmtpServer, free_port, queued_emails
from tests.fixtures.web import post_form


def register(client: FlaskClient, email: str = "grace@example.org"):
    return post_form(
        client,
        "/register",
        {"name": "Grace Hopper", "email": email, "region": "uk", "password": STRONG_PASSWORD},
    )


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp_app(tmp_path: Path, smtp_port: int) -> Flask:
    return build_app(
        tmp_path,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_port,
        MAIL_SENDER="CT Citizen <courses@example.org>",
    )


@pytest.fixture
def smtp_server(smtp_port: int):
    server = LocalSmtpServer(smtp_port)
    server.start()
    yield server
    server.stop()


def test_nothing_is_queued_for_a_change_that_rolls_back(app: Flask) -> None:
    with app.test_request_context():
        services.register("Grace", "grace@example.org", STRONG_PASSWORD)
        db.session.rollback()

        assert queued_emails() == []


def test_emails_are_delivered_by_smtp_with_text_and_html(
    smtp_app: Flask, smtp_server: LocalSmtpServer
) -> None:
    register(smtp_app.test_client())

    with smtp_app.app_context():
        assert deliver_due_messages() == 1
        [stored] = queued_emails()
        assert stored.sent_at is not None and stored.attempts == 0

    [received] = smtp_server.received
    assert received["To"] == "grace@example.org"
    assert received["From"] == "CT Citizen <courses@example.org>"
    assert received["Subject"] == "Confirm your email address for CT Citizen"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in received.walk()
        if not part.is_multipart()
    }
    assert "/account/confirm/" in parts["text/plain"]
    assert 'href="http://localhost/account/confirm/' in parts["text/html"]


def test_registration_succeeds_while_the_mail_server_is_down_and_the_email_follows_later(
    smtp_app: Flask, smtp_port: int
) -> None:
    response = register(smtp_app.test_client())
    assert response.status_code == 302

    with smtp_app.app_context():
        assert deliver_due_messages() == 0
        [waiting] = queued_emails()
        assert waiting.sent_at is None and waiting.attempts == 1
        assert "ConnectionRefusedError" in (waiting.last_error or "")
        assert deliver_due_messages() == 0  # not due again yet: no retry storm

    server = LocalSmtpServer(smtp_port)
    server.start()
    try:
        with smtp_app.app_context():
            assert deliver_due_messages(now=utcnow() + timedelta(seconds=31)) == 1
            assert queued_emails()[0].sent_at is not None
    finally:
        server.stop()
    assert [message["To"] for message in server.received] == ["grace@example.org"]


def test_retries_back_off_exponentially_up_to_six_hours() -> None:
    delays = [retry_delay(attempt) for attempt in (1, 2, 3, 4, 20)]

    assert delays[:4] == [
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=120),
        timedelta(seconds=240),
    ]
    assert delays[4] == timedelta(hours=6)


def test_a_message_is_given_up_after_the_last_attempt(smtp_app: Flask) -> None:
    register(smtp_app.test_client())
    with smtp_app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        assert message is not None
        message.attempts = MAX_ATTEMPTS - 1
        db.session.commit()

        deliver_due_messages(now=utcnow() + timedelta(days=1))

        message = db.session.scalar(select(OutboxMessage))
        assert message is not None and message.given_up_at is not None
        assert deliver_due_messages(now=utcnow() + timedelta(days=30)) == 0


def test_without_a_mail_server_emails_go_to_the_instance_outbox_folder(
    client: FlaskClient, app: Flask
) -> None:
    register(client)

    with app.app_context():
        assert deliver_due_messages() == 1
    [saved] = (Path(app.instance_path) / "outbox").glob("*.eml")
    content = saved.read_text()
    assert "To: grace@example.org" in content
    assert "Subject: Confirm your email address for CT Citizen" in content


def test_two_senders_at_once_send_each_email_once(
    smtp_app: Flask, smtp_server: LocalSmtpServer
) -> None:
    client = smtp_app.test_client()
    for number in range(6):
        register(client, email=f"person{number}@example.org")
    counts: list[int] = []

    def send() -> None:
        with smtp_app.app_context():
            counts.append(deliver_due_messages())
            db.session.remove()

    senders = [threading.Thread(target=send) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=30)

    assert sum(counts) == 6
    assert sorted(message["To"] for message in smtp_server.received) == sorted(
        f"person{number}@example.org" for number in range(6)
    )


def test_the_mail_send_command_reports_what_it_sent(app: Flask, client: FlaskClient) -> None:
    register(client)

    result = app.test_cli_runner().invoke(args=["mail", "send"])

    assert result.exit_code == 0
    assert "Sent 1 email(s)." in result.output


def test_the_background_sender_delivers_without_being_asked(
    client: FlaskClient, app: Flask
) -> None:
    from course.core.mail import start_background_sender

    register(client)
    stop = threading.Event()
    sender = start_background_sender(app, interval_seconds=0.05, stop=stop)
    try:
        outbox = Path(app.instance_path) / "outbox"
        for _ in range(200):
            if list(outbox.glob("*.eml")):
                break
            stop.wait(0.05)
    finally:
        stop.set()
        sender.join(timeout=10)

    assert len(list(outbox.glob("*.eml"))) == 1
    assert not sender.is_alive()


def test_a_mail_merge_fills_each_copy_and_escapes_html(app: Flask) -> None:
    from course.core.mail import queue_mail_merge

    with app.test_request_context():
        count = queue_mail_merge(
            "Reminder",
            "organisation_reminder",
            {"organisation": {"name": "Harbour & Co"}},
            [
                ("a@example.org", {"member_name": "Amy <b>Ace</b>", "due_on": "1 March 2027"}),
                ("b@example.org", {"member_name": "Ben", "due_on": None}),
            ],
        )
        db.session.commit()

        assert count == 2
        amy, ben = queued_emails()
        assert amy.recipient == "a@example.org" and ben.recipient == "b@example.org"
        assert "Hello Amy <b>Ace</b>," in amy.text_body
        assert "Hello Amy &lt;b&gt;Ace&lt;/b&gt;," in amy.html_body
        assert "Please finish by 1 March 2027." in amy.text_body
        assert "Hello Ben," in ben.text_body and "Please finish by" not in ben.text_body
        assert "MERGE" not in amy.text_body + amy.html_body + ben.text_body + ben.html_body
