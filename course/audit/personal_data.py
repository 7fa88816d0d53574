"""What the audit log holds about a person: the entries about their account and their
certificates, and their address and name wherever an entry mentions them.

Registered with :mod:`course.core.personal_data`: the ``actions_on_your_account`` section of the
export; and, when the account is deleted, the removal of the person's address and names from the
log (:func:`course.audit.services.erase_person`). That step comes first in the erasure, while the
person still holds their certificates, whose printed names it removes too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from course.accounts.models import User
from course.audit.services import entries_about, erase_person
from course.certificates.personal_data import certificate_ids_of
from course.core.personal_data import Erasure, ExportSection, PersonalData, exported_time, register


def actions_on_account(user: User, _now: datetime) -> list[dict[str, Any]]:
    """The entries whose target is the person's account or one of their certificates, oldest
    first, without who acted or from where."""
    return [
        {
            "at": exported_time(entry.at),
            "action": entry.action,
            "target": "account" if entry.target_type == "user" else entry.target_type,
            "summary": entry.summary,
        }
        for entry in entries_about({"user": [user.id], "certificate": certificate_ids_of(user)})
    ]


def erase_from_log(erasure: Erasure) -> None:
    """Replace the person's address and names, and the names printed on their certificates, in
    every entry; the entries stay."""
    erase_person(erasure.person, certificate_ids_of(erasure.person))


register(
    PersonalData(
        feature="audit",
        exported={
            "audit_entries": "actions_on_your_account (entries whose target is the person or a "
            "certificate of theirs)",
        },
        not_exported={
            "audit_entries.actor_id": "what a member of staff did, as actor: the site's record of "
            "their work, kept as the audit trail, not data about them",
            "audit_entries.actor_email": "a copy of the actor's address on entries about their "
            "work",
        },
        sections=(ExportSection("actions_on_your_account", position=70, read=actions_on_account),),
        erasure_order=10,
        erase=erase_from_log,
    )
)
