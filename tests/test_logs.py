"""Log output: JSON lines on request, one line per request, and no personal data in either."""

from __future__ import annotations

import json
import logging
import smtplib
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask

from course.core import mail
from course.core.access import public
from course.core.mail import deliver_due_messages, queue_email
from course.extensions import db
from tests.fixtures.apps import build_app
from tests.fixtures.web import post_form

LEARNER_EMAIL = "ada.lovelace@example.org"


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def request_lines(text: str) -> list[dict[str, object]]:
    return [entry for entry in json_lines(text) if entry["logger"] == "course.requests"]


def test_json_request_lines_hold_no_query_string_email_or_client_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = build_app(tmp_path, LOG_FORMAT="json", LOG_REQUESTS=True).test_client()

    response = client.get(f"/verify?code=ABC&email={LEARNER_EMAIL}")
    post_form(client, "/login", {"email": LEARNER_EMAIL, "password": "a wrong password"})

    output = capsys.readouterr().err
    verify, _login_page, login = request_lines(output)
    assert verify["method"] == "GET" and verify["path"] == "/verify"
    assert verify["status"] == response.status_code
    assert isinstance(verify["duration_ms"], float)
    assert verify["request_id"] == response.headers["X-Request-ID"]
    assert login["method"] == "POST" and login["path"] == "/login" and login["status"] == 200
    assert "client_address" not in login
    assert LEARNER_EMAIL not in output and "code=ABC" not in output
    assert "127.0.0.1" not in output


def test_a_path_carrying_a_token_is_logged_as_its_route(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = build_app(tmp_path, LOG_FORMAT="json", LOG_REQUESTS=True).test_client()

    client.get("/password/reset/secret-reset-token-123")

    output = capsys.readouterr().err
    [line] = request_lines(output)
    assert line["path"] == "/password/reset/<token>"
    assert "secret-reset-token-123" not in output


def test_client_addresses_are_logged_only_when_turned_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = build_app(
        tmp_path, LOG_FORMAT="json", LOG_REQUESTS=True, LOG_CLIENT_ADDRESSES=True
    ).test_client()

    client.get("/healthz", environ_base={"REMOTE_ADDR": "198.51.100.23"})

    [line] = request_lines(capsys.readouterr().err)
    assert line["client_address"] == "198.51.100.23"


def test_plain_format_is_the_default_and_requests_are_not_logged_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = build_app(tmp_path)
    app.test_client().get("/healthz")
    with app.app_context():
        logging.getLogger("course.example").warning("A plain line")

    output = capsys.readouterr().err
    assert "WARNING course.example A plain line" in output
    assert json_lines(output) == [] and "/healthz" not in output


def test_an_unknown_log_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="LOG_FORMAT must be 'plain' or 'json'"):
        build_app(tmp_path, LOG_FORMAT="xml")


def test_a_request_id_from_a_trusted_proxy_is_kept_and_stamped_on_the_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trusting = build_app(tmp_path / "a", LOG_FORMAT="json", LOG_REQUESTS=True, TRUSTED_PROXIES=1)
    forwarded = trusting.test_client().get("/healthz", headers={"X-Request-ID": "lb-42"})
    untrusting = build_app(tmp_path / "b", LOG_FORMAT="json", LOG_REQUESTS=True)
    direct = untrusting.test_client().get("/healthz", headers={"X-Request-ID": "lb-43"})

    first, second = request_lines(capsys.readouterr().err)
    assert forwarded.headers["X-Request-ID"] == first["request_id"] == "lb-42"
    assert direct.headers["X-Request-ID"] == second["request_id"] != "lb-43"


def test_the_mail_sender_logs_message_ids_not_addresses_or_links(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="course")
    with app.test_request_context():
        message = queue_email(
            LEARNER_EMAIL,
            "Reset your password",
            "reset_password",
            user=SimpleNamespace(name="Ada Lovelace"),
            token="secret-reset-token-123",
        )
        db.session.commit()
        message_id = message.id
        assert deliver_due_messages() == 1

    assert f"Email outbox-{message_id} saved as" in caplog.text
    assert LEARNER_EMAIL not in caplog.text
    assert "secret-reset-token-123" not in caplog.text and "Ada Lovelace" not in caplog.text


def test_a_refused_recipient_is_not_written_to_the_log(
    app: Flask, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(email: EmailMessage) -> None:
        raise smtplib.SMTPRecipientsRefused(
            {email["To"]: (550, f"5.1.1 <{email['To']}> unknown".encode())}
        )

    def reject_data(email: EmailMessage) -> None:
        raise smtplib.SMTPDataError(554, f"Rejected mail for {email['To']}")

    with app.test_request_context():
        for recipient in (LEARNER_EMAIL, "bob@example.org"):
            queue_email(
                recipient, "Hello", "reset_password", user=SimpleNamespace(name="A"), token="t"
            )
        db.session.commit()
        monkeypatch.setattr(mail, "_transport", lambda: refuse)
        deliver_due_messages(limit=1)
        monkeypatch.setattr(mail, "_transport", lambda: reject_data)
        deliver_due_messages(limit=1)

    assert "SMTPRecipientsRefused" in caplog.text and "SMTPDataError 554" in caplog.text
    assert LEARNER_EMAIL not in caplog.text and "bob@example.org" not in caplog.text


def test_an_unhandled_exception_is_logged_once_without_the_secret_in_its_path(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = build_app(tmp_path, PROPAGATE_EXCEPTIONS=False)

    @app.get("/_test/fail/<token>")
    @public
    def fail(token: str) -> str:
        raise RuntimeError("the view broke")

    response = app.test_client().get("/_test/fail/secret-token-456")

    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.getMessage() == "Unhandled exception on GET /_test/fail/<token>"
    assert "secret-token-456" not in caplog.text
