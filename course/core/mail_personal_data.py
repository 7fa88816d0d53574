"""What the mail outbox holds about a person: the emails sent, or waiting to be sent, to them.

Registered with :mod:`course.core.personal_data`: the ``emails`` section of the export, and the
deletion of those emails when the account is deleted. Messages are found by the person's current
address, so, as with invitations, they are exported only once that address is confirmed: anyone
can register any address, and must not read what was sent to someone else.

The code in every link that takes one (a password reset, a confirmation, an invitation) is cut out
of the exported text: such a link may still work, and a download shared with another service must
not open the account.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete

from course.core.mail import OutboxMessage, messages_to
from course.core.personal_data import Erasure, ExportSection, PersonalData, exported_time, register
from course.extensions import db


def emails(person: Any, _now: datetime) -> list[dict[str, Any]]:
    """Every message in the outbox to the person's address, once it is confirmed, oldest first,
    without the codes of the links in it."""
    if not person.email_verified:
        return []
    return [
        {
            "created_at": exported_time(message.created_at),
            "subject": message.subject,
            "status": _delivery_status(message),
            "sent_at": exported_time(message.sent_at),
            "text": _without_link_codes(message.text_body),
        }
        for message in messages_to(person.email)
    ]


def _delivery_status(message: OutboxMessage) -> str:
    if message.sent_at is not None:
        return "sent"
    if message.given_up_at is not None:
        return "given_up"
    return "waiting"


def _without_link_codes(text: str) -> str:
    """``text`` with the secret code of every link to a page that takes one (a reset, a
    confirmation, an invitation) replaced by a note: such a link may still work."""
    prefixes = sorted(
        (
            rule.rule.split("<token>")[0]
            for rule in current_app.url_map.iter_rules()
            if "token" in rule.arguments
        ),
        key=len,
        reverse=True,
    )
    if not prefixes:
        return text
    pattern = "(" + "|".join(map(re.escape, prefixes)) + r")[A-Za-z0-9_\-]+"
    return re.sub(pattern, lambda found: found.group(1) + _("[code removed]"), text)


def erase_emails(erasure: Erasure) -> None:
    """Delete every message to the person's address, sent or not."""
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient == erasure.person.email))


register(
    PersonalData(
        feature="core",
        exported={"outbox_messages": "emails (once the person's email address is confirmed)"},
        sections=(ExportSection("emails", position=60, read=emails),),
        erasure_order=50,
        erase=erase_emails,
    )
)
