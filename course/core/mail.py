"""The mail outbox: emails are rows written in the same transaction as the change that causes them.

:func:`queue_email` adds a message to the session; it is saved, or dropped, with everything else
the request changes, so nothing is sent for a change that rolled back. :func:`deliver_due_messages`
sends what is due afterwards, from ``flask --app course mail send`` or from the background sender
that ``make run`` starts, retrying failures with exponential backoff. A message being sent is first
claimed for a few minutes in its own short transaction, so several senders never send it twice
and no database lock is held while talking to the mail server.

Without ``MAIL_SERVER`` (development), messages are written as ``.eml`` files to
``instance/outbox/`` and the log says which file. With it, they go by SMTP.

Every email has a plain-text part and an HTML part, rendered from ``templates/email/<name>.txt``
and ``.html``. The HTML layout's stylesheet is moved into ``style`` attributes when the message is
queued (css-inline), because most mail clients ignore ``<style>`` blocks: ``static/css/email.css``.

An email may carry one attachment that is made when it is sent, not when it is queued: a feature
registers a maker for a kind of attachment (:func:`attachment_maker`), and the message keeps only
the kind and a key, such as ``("certificate-pdf", "42")``. So the request that queues it does not
wait for a slow render, the attachment is as current as the moment it leaves, and this module
depends on no feature.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import smtplib
import ssl
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import css_inline
from flask import Flask, current_app, render_template
from flask_babel import LazyString, force_locale
from markupsafe import escape
from sqlalchemy import Integer, String, Text, insert, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from course.core.database import UTCDateTime, begin_write, get_for_update, utcnow
from course.core.i18n import offered_languages
from course.extensions import db

log = logging.getLogger(__name__)

#: How long a sender may hold a message before another may try it.
CLAIM_DURATION = timedelta(minutes=5)
FIRST_RETRY_DELAY = timedelta(seconds=30)
LONGEST_RETRY_DELAY = timedelta(hours=6)
#: After this many failed attempts (about three days of retries) a message is given up.
MAX_ATTEMPTS = 20
#: Rows per INSERT when queueing many messages at once.
BULK_BATCH_SIZE = 1000
#: The emails' stylesheet, which :func:`render_html_email` moves into style attributes.
EMAIL_STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "email.css"
_inline_styles = css_inline.CSSInliner(
    keep_style_tags=False,
    load_remote_stylesheets=False,
    extra_css=EMAIL_STYLESHEET.read_text(),
)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


class AttachmentUnavailable(Exception):
    """The attachment cannot be made now (its renderer failed); the email is tried again later,
    as when the mail server is down."""


#: Makes an attachment from its key, or returns ``None`` when there is nothing to attach any more
#: (the email is then sent without it).
AttachmentMaker = Callable[[str], Attachment | None]
_attachment_makers: dict[str, AttachmentMaker] = {}


def attachment_maker(kind: str) -> Callable[[AttachmentMaker], AttachmentMaker]:
    """Register the function that makes attachments of ``kind`` when their email is sent."""

    def register(maker: AttachmentMaker) -> AttachmentMaker:
        _attachment_makers[kind] = maker
        return maker

    return register


class OutboxMessage(db.Model):
    """One email waiting to be sent, or the record that it was sent or given up."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: What to attach when it is sent (:func:`attachment_maker`), if anything.
    attachment_kind: Mapped[str | None] = mapped_column(String(40))
    attachment_key: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    given_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        state = "sent" if self.sent_at else "given up" if self.given_up_at else "pending"
        return f"<OutboxMessage {self.id} to {self.recipient!r} {state}>"


def queue_email(
    recipient: str,
    subject: str | LazyString,
    template: str,
    *,
    attach: tuple[str, str] | None = None,
    language: str | None = None,
    **context: object,
) -> OutboxMessage:
    """Add an email to the current transaction's outbox.

    :param subject: translated in ``language`` when given lazily (``_l("...")``).
    :param template: the name under ``templates/email/`` without extension; ``.txt`` and ``.html``
        versions are both rendered with ``context``.
    :param attach: the kind and key of an attachment to make when it is sent.
    :param language: the recipient's language (their profile's), when it is one the site offers;
        else the email is in the language of the page that sent it, or the default.
    """
    if attach is not None and attach[0] not in _attachment_makers:
        raise ValueError(f"no attachment maker is registered for {attach[0]!r}")
    in_language = (
        force_locale(language) if language in offered_languages() else contextlib.nullcontext()
    )
    with in_language:
        subject = str(subject)
        message = OutboxMessage(
            recipient=recipient,
            subject=subject,
            text_body=render_template(f"email/{template}.txt", subject=subject, **context),
            html_body=render_html_email(template, subject=subject, **context),
            attachment_kind=attach[0] if attach else None,
            attachment_key=attach[1] if attach else None,
        )
    db.session.add(message)
    return message


def render_html_email(template: str, **context: object) -> str:
    """The HTML part of an email from ``templates/email/<template>.html``, its stylesheet moved
    into style attributes."""
    return _inline_styles.inline(render_template(f"email/{template}.html", **context))


def messages_to(recipient: str) -> list[OutboxMessage]:
    """Every message to ``recipient`` the outbox holds, sent or not, oldest first.

    Every feature queues mail to normalised addresses (trimmed, lower case), so ``recipient`` is
    normalised the same way and compared exactly, which the index on the column answers.
    """
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == recipient.strip().lower())
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    )


#: A recipient of a mail merge: their address, their merge fields, and optionally their language.
MergeRecipient = (
    tuple[str, Mapping[str, str | None]] | tuple[str, Mapping[str, str | None], str | None]
)


def queue_mail_merge(
    subject: str | LazyString,
    template: str,
    context: Mapping[str, Any],
    recipients: Iterable[MergeRecipient],
) -> int:
    """Queue one email per recipient from the same template, in the current transaction: a mail
    merge for tens of thousands of messages (a large invitation upload) in seconds, not minutes.

    ``context`` is the same for everyone; each recipient comes with its own *merge fields*, plain
    strings such as a name or a link's token. The template is rendered once for each combination
    of empty and filled merge fields, with unguessable placeholders standing in for the filled
    ones, which are then replaced in each copy (HTML-escaped in the HTML body). So a merge field
    must only be printed, never transformed, by the template.

    A recipient may come with their language (one the site offers): their email, subject
    included (given lazily, ``_l(...)``), is rendered in it; else in the current language.

    :returns: how many were queued.
    """
    marker = secrets.token_hex(8)
    offered = offered_languages()
    rendered: dict[tuple[str | None, frozenset[str]], tuple[str, str, str]] = {}
    batch: list[dict[str, Any]] = []
    queued = 0
    for recipient, fields, *language_given in recipients:
        language = language_given[0] if language_given else None
        language = language if language in offered else None
        filled = frozenset(name for name, value in fields.items() if value)
        if (language, filled) not in rendered:
            placeholders = {
                name: f"MERGE{marker}{name.upper()}" if name in filled else None for name in fields
            }
            with force_locale(language) if language else contextlib.nullcontext():
                subject_text = str(subject)
                rendered[language, filled] = (
                    subject_text,
                    render_template(
                        f"email/{template}.txt", subject=subject_text, **context, **placeholders
                    ),
                    render_html_email(template, subject=subject_text, **context, **placeholders),
                )
        subject_text, text_body, html_body = rendered[language, filled]
        for name in filled:
            placeholder, value = f"MERGE{marker}{name.upper()}", str(fields[name])
            text_body = text_body.replace(placeholder, value)
            html_body = html_body.replace(placeholder, str(escape(value)))
        batch.append(
            {
                "recipient": recipient,
                "subject": subject_text,
                "text_body": text_body,
                "html_body": html_body,
            }
        )
        if len(batch) == BULK_BATCH_SIZE:
            queued += _insert_messages(batch)
    return queued + _insert_messages(batch)


def _insert_messages(batch: list[dict[str, Any]]) -> int:
    if batch:
        now = utcnow()
        db.session.execute(
            insert(OutboxMessage),
            [{**row, "created_at": now, "next_attempt_at": now, "attempts": 0} for row in batch],
        )
    count = len(batch)
    batch.clear()
    return count


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: doubling from 30 s, at most 6 hours."""
    return min(FIRST_RETRY_DELAY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY_DELAY)


def deliver_due_messages(now: datetime | None = None, limit: int = 100) -> int:
    """Send up to ``limit`` messages that are due, each in its own short transactions.

    :returns: how many were sent. Failures are recorded on the message and retried later.
    """
    sent = 0
    for _ in range(limit):
        message_id = _claim_next_due_message(now or utcnow())
        if message_id is None:
            break
        message = db.session.get(OutboxMessage, message_id)
        if message is None:  # deleted since it was claimed
            continue
        failure: Exception | None = None
        try:
            _transport()(as_email_message(message, _attachment_of(message)))
        except (OSError, smtplib.SMTPException, AttachmentUnavailable) as error:
            failure = error
        message = get_for_update(OutboxMessage, message_id)
        if message is None:
            continue
        if failure is None:
            message.sent_at = now or utcnow()
            message.claimed_until = None
            sent += 1
        else:
            _record_failure(message, failure, now or utcnow())
        db.session.commit()
    return sent


def _claim_next_due_message(now: datetime) -> int | None:
    begin_write()
    message = db.session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.given_up_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if message is None:
        db.session.rollback()
        return None
    message.claimed_until = now + CLAIM_DURATION
    message_id = message.id
    db.session.commit()
    return message_id


def _record_failure(message: OutboxMessage, error: Exception, now: datetime) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:500]
    message.claimed_until = None
    if message.attempts >= MAX_ATTEMPTS:
        message.given_up_at = now
        log.error("Gave up sending email %s after %s attempts", message.id, message.attempts)
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)
        log.warning(
            "Could not send email %s (attempt %s): %s",
            message.id,
            message.attempts,
            _describe_failure(error),
        )


def _describe_failure(error: Exception) -> str:
    """What went wrong, for the log: a mail server's reply text often quotes the addresses."""
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__} {error.smtp_code}"
    if isinstance(error, smtplib.SMTPException):
        return type(error).__name__
    return f"{type(error).__name__}: {error}"


def _transport() -> Callable[[EmailMessage], None]:
    return send_by_smtp if current_app.config["MAIL_SERVER"] else write_to_outbox_folder


def _attachment_of(message: OutboxMessage) -> Attachment | None:
    if message.attachment_kind is None or message.attachment_key is None:
        return None
    maker = _attachment_makers.get(message.attachment_kind)
    if maker is None:
        raise AttachmentUnavailable(f"no maker for {message.attachment_kind!r} attachments")
    return maker(message.attachment_key)


def as_email_message(message: OutboxMessage, attachment: Attachment | None = None) -> EmailMessage:
    """The message as it is sent: the plain text first, then the HTML, which mail clients prefer
    when they can show it, then the attachment, if any. Replies go to ``CONTACT_EMAIL`` when it is
    set, so that a person reads them rather than the unattended sending address."""
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    if config["CONTACT_EMAIL"]:
        email["Reply-To"] = config["CONTACT_EMAIL"]
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at.astimezone(UTC))
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    if attachment is not None:
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return email


def send_by_smtp(email: EmailMessage) -> None:
    config = current_app.config
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    if config["MAIL_USE_SSL"]:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            config["MAIL_SERVER"],
            config["MAIL_PORT"],
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    with smtp:
        if config["MAIL_USE_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def write_to_outbox_folder(email: EmailMessage) -> None:
    folder = Path(current_app.instance_path) / "outbox"
    folder.mkdir(parents=True, exist_ok=True)
    # Named after its Message-ID, <time.process.random.outbox-42@host>: unique, in time order.
    name = str(email["Message-ID"]).strip("<>").split("@")[0]
    path = folder / f"{name}.eml"
    path.write_bytes(email.as_bytes())
    # The file holds the message; the log only points to it (no address, no link with a token).
    log.info("Email %s saved as %s", name.rsplit(".", 1)[-1], path)


def start_background_sender(
    app: Flask, interval_seconds: float = 2.0, stop: threading.Event | None = None
) -> threading.Thread:
    """Deliver due messages every few seconds in a daemon thread (used by ``make run``).

    :param stop: set it to end the thread after its current round.
    """
    stop = stop or threading.Event()

    def deliver_forever() -> None:
        while not stop.is_set():
            with app.app_context():
                try:
                    deliver_due_messages()
                except Exception:
                    log.exception("The background mail sender failed; it will try again")
                    db.session.rollback()
                finally:
                    db.session.remove()
            stop.wait(interval_seconds)

    thread = threading.Thread(target=deliver_forever, name="mail-sender", daemon=True)
    thread.start()
    return thread
