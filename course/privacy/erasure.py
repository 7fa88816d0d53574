"""Deleting an account, and purging what is kept no longer than it is needed.

Deleting an account removes everything personal about its holder, in one transaction, from every
feature. What counts for the course's statistics stays, anonymously: the lessons read, the quiz
attempts and the completions move to a stand-in account that holds nothing personal (no name, a
random address no one can use), so analytics keep their counts. Memberships end, so managers see
the member gone. Certificates keep their code but lose the name and their PDFs, and verify as no
longer available. Emails, invitations and sign-in tokens addressed to the person are deleted, the
audit log forgets their email address and name, and the account itself is deleted, so the address
can be registered again. Invitations are found by address, so only an account that confirmed its
address deletes them: anyone can register someone else's address without confirming it, and must
not be able to wipe out the invitations a manager sent there.

Each feature does its part, registered with :mod:`course.core.personal_data` from its own
``personal_data`` module: what it erases, in the registry's erasure order; what stops an account
from being deleted; whether it keeps records that need the stand-in; what the purge deletes once
expired. This module knows none of their tables: it locks the account, asks for the blockers,
makes the stand-in, runs the registered steps and records the deletion in the audit log.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _

from course.accounts.models import User
from course.accounts.passwords import verify_password
from course.accounts.personal_data import anonymous_stand_in, unconfirmed_accounts
from course.accounts.services import verify_second_factor
from course.audit.services import record
from course.core.database import begin_write, get_for_update, utcnow
from course.core.personal_data import Erasure, expiries, in_erasure_order, registered
from course.extensions import db

#: Accounts whose email address is never confirmed are deleted after this long.
UNCONFIRMED_ACCOUNT_DAYS = 30
#: How the audit log names someone who deleted their own account (their address is gone).
ACCOUNT_HOLDER = "the account holder"


class ErasureReason(enum.Enum):
    """Why an account is deleted: what the audit log says, and who it names as acting."""

    HOLDER_ASKED = ("An account holder deleted their account", ACCOUNT_HOLDER)
    ADMIN_ON_REQUEST = ("Deleted an account at its holder's request", "")
    NEVER_CONFIRMED = ("Deleted an account whose email address was never confirmed", "command line")


class ErasureRefused(Exception):
    """The account cannot be deleted yet; the message says what to do first."""


@dataclass(frozen=True)
class PurgeReport:
    unconfirmed_accounts: int
    #: How many of each kind of expired thing were deleted (``{"expired email links": 3}``).
    expired: dict[str, int] = field(default_factory=dict)
    #: Unconfirmed accounts kept because deleting them would leave an organisation unmanaged.
    kept_unconfirmed: int = 0


def erasure_blockers(user: User) -> list[str]:
    """What must happen before ``user``'s account can be deleted, as the features registered it:
    an organisation they alone manage would be left without a manager, or the site without an
    admin, for instance."""
    return [
        blocker
        for data in in_erasure_order()
        if data.blockers is not None
        for blocker in data.blockers(user)
    ]


def check_identity(user: User, password: str, code: str) -> dict[str, str]:
    """Whether the person deleting their own account is its holder: their password, and their
    two-factor code when two-factor sign-in is on. Returns what is wrong, by form field."""
    errors = {}
    if not verify_password(user.password_hash, password):
        errors["password"] = _("The password is not right")
    if user.two_factor_enabled and not verify_second_factor(user, code):
        errors["code"] = _("The security code is not right, or has been used already")
    return errors


def erase_account(user: User, *, by: User | None, reason: ErasureReason) -> None:
    """Delete ``user``'s account and everything personal about them, in the current transaction:
    every feature's registered erasure, in the registry's order, the account itself last.

    :param by: the admin acting on the person's request; ``None`` otherwise.
    :raises ErasureRefused: listing what must happen first (see :func:`erasure_blockers`);
        nothing is changed then.
    """
    begin_write()
    locked = get_for_update(User, user.id)
    if locked is None or locked.erased_at is not None:
        raise ErasureRefused(_("This account no longer exists."))
    blockers = erasure_blockers(locked)
    if blockers:
        raise ErasureRefused(" ".join(blockers))
    keeps_records = any(
        data.keeps_records(locked)
        for data in registered().values()
        if data.keeps_records is not None
    )
    erasure = Erasure(person=locked, stand_in=anonymous_stand_in(locked) if keeps_records else None)
    counts: dict[str, object] = {}
    for data in in_erasure_order():
        if data.erase is not None:
            counts.update(data.erase(erasure) or {})
    summary, actor_label = reason.value
    record(
        "user.erased",
        actor=by,
        actor_label=actor_label,
        target_type="user",
        target_id=erasure.stand_in.id if erasure.stand_in is not None else "-",
        summary=summary,
        after={**counts, "kept_anonymously": erasure.stand_in is not None},
    )
    db.session.flush()


def purge_expired(now: datetime | None = None) -> PurgeReport:
    """Delete accounts whose email address was never confirmed within 30 days, and what the
    features registered to delete once expired (sign-in, confirmation and reset links). For a
    scheduler: ``flask privacy purge``.

    An unconfirmed account that cannot be deleted yet (see :func:`erasure_blockers`) is kept,
    and counted."""
    now = now or utcnow()
    begin_write()
    erased = kept = 0
    for user in unconfirmed_accounts(now - timedelta(days=UNCONFIRMED_ACCOUNT_DAYS)):
        if erasure_blockers(user):
            kept += 1
            continue
        erase_account(user, by=None, reason=ErasureReason.NEVER_CONFIRMED)
        erased += 1
    expired = {expiry.what: expiry.purge(now) for expiry in expiries()}
    return PurgeReport(erased, expired, kept)
