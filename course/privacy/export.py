"""Everything the site holds about one person, as one JSON document they can download.

The document is a header (the format, when it was made, and a note) followed by the sections
the features register with :mod:`course.core.personal_data`, in their registered order: each
feature reads its own tables, and this module knows none of them. Secrets are never exported: not
the password hash, the two-factor secret, recovery codes, or the hashes of emailed tokens; and the
codes in the links of emails (a password reset, an invitation) are cut out, so a download shared
with another service cannot be used to take over the account.

What is found by the person's email address rather than tied to their account (invitations, and
the emails in the outbox) is included only once they have confirmed that address: anyone can
type any address when they register, and must not read what was sent to someone else. The
features holding it leave it out until then; the document's ``note`` says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from course.accounts.models import User
from course.core.database import utcnow
from course.core.personal_data import export_sections, exported_time

#: The version of the document's layout; it changes when a section or field changes meaning.
EXPORT_FORMAT = "ct-citizen-personal-data/1"


def personal_data_export(user: User, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about ``user``, as JSON-ready data (strings, numbers, lists, mappings).

    Dates and times are ISO 8601 in UTC. Nothing about any other person is included, and no
    secret: not the password hash, the two-factor secret, recovery codes or token hashes. Until
    the person confirms their email address, nothing found by that address is included (the
    invitations and emails sent to it), and ``note`` says so.
    """
    now = now or utcnow()
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": exported_time(now),
        "note": None if user.email_verified else _unconfirmed_address_note(),
    }
    for section in export_sections():
        document[section.key] = section.read(user, now)
    return document


def _unconfirmed_address_note() -> str:
    return _(
        "Your email address is not confirmed yet, so this file leaves out the invitations and "
        "emails sent to it: anyone can type any address when they register. Confirm your "
        "address from your account page, then download your data again."
    )
