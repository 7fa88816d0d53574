"""What accounts hold about a person: the account itself, its emailed tokens and its recovery codes.

Registered with :mod:`course.core.personal_data`: the ``profile`` section of the export; the last
step of an erasure, which deletes the account (every other feature has let go of it by then); the
refusal to delete the only admin; and the purge of expired email links. Also here, for
:mod:`course.privacy`: the anonymous stand-in account that keeps an erased person's records
counted, and the accounts the purge deletes because their address was never confirmed.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from course.accounts.models import AccountToken, Role, User
from course.accounts.services import pending_email_change, unused_recovery_code_count
from course.core.database import utcnow
from course.core.personal_data import (
    Erasure,
    Expiry,
    ExportSection,
    PersonalData,
    exported_time,
    register,
)
from course.extensions import db

#: The domain of a stand-in's address: reserved (RFC 2606), so no email can ever reach it.
STAND_IN_DOMAIN = "erased.invalid"
#: A stand-in's password hash: not a hash at all, so no password ever matches it.
NO_PASSWORD = "!"  # noqa: S105


def profile(user: User, now: datetime) -> dict[str, Any]:
    """The account as its holder sees it, with no secret: whether two-factor sign-in is on and
    how many recovery codes are left, never the codes or the secret."""
    change = pending_email_change(user, now)
    return {
        "name": user.name,
        "email": user.email,
        "region": user.region.value,
        "language": user.language,
        "role": user.role.value,
        "created_at": exported_time(user.created_at),
        "email_confirmed_at": exported_time(user.email_verified_at),
        "pending_email_change": (
            {"new_email": change.new_email, "requested_at": exported_time(change.created_at)}
            if change is not None
            else None
        ),
        "two_factor": {
            "on": user.two_factor_enabled,
            "since": exported_time(user.totp_enabled_at),
            "unused_recovery_codes": unused_recovery_code_count(user),
        },
        "last_activity_at": exported_time(user.last_activity_at),
    }


def only_admin_blocker(user: User) -> list[str]:
    """Refuses to delete the only admin account that is not disabled: the site would have no
    one left to run it."""
    if user.role != Role.ADMIN:
        return []
    other_admins = db.session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMIN, User.id != user.id, User.disabled_at.is_(None)
        )
    )
    if other_admins:
        return []
    return [_("This is the only admin account. Make someone else an admin first.")]


def erase_account(erasure: Erasure) -> None:
    """Delete the person's emailed tokens and then the account itself, with its recovery codes:
    every session ends, and the address can be registered again."""
    person = erasure.person
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == person.id))
    db.session.delete(person)


def delete_expired_tokens(now: datetime) -> int:
    """Delete the confirmation, password reset and email change links that expired before
    ``now``; returns how many."""
    expired = db.session.execute(delete(AccountToken).where(AccountToken.expires_at < now))
    return expired.rowcount or 0


def anonymous_stand_in(user: User) -> User:
    """A new account holding nothing personal, to take over ``user``'s records that the course's
    statistics count when their own account is deleted: no name, a random address no one can
    use, no password, disabled and marked erased. It keeps ``user``'s region, and when they joined
    and were last active, which the statistics use."""
    stand_in = User(
        email=f"erased-{secrets.token_hex(12)}@{STAND_IN_DOMAIN}",
        name="",
        password_hash=NO_PASSWORD,
        region=user.region,
        role=Role.LEARNER,
        created_at=user.created_at,
        last_activity_at=user.last_activity_at,
        disabled_at=utcnow(),
        erased_at=utcnow(),
    )
    db.session.add(stand_in)
    db.session.flush()
    return stand_in


def unconfirmed_accounts(created_before: datetime) -> list[User]:
    """The accounts created before ``created_before`` whose email address was never confirmed
    (stand-ins aside)."""
    return list(
        db.session.scalars(
            select(User).where(
                User.email_verified_at.is_(None),
                User.erased_at.is_(None),
                User.created_at < created_before,
            )
        )
    )


register(
    PersonalData(
        feature="accounts",
        exported={
            "users": "profile",
            "account_tokens": "profile (pending_email_change: the new address not yet confirmed)",
            "recovery_codes": "profile (two_factor.unused_recovery_codes: how many are left)",
        },
        not_exported={
            "account_tokens.token_hash": "a secret: the hash of a link emailed to the person",
            "recovery_codes.code_hash": "a secret: the hash of a two-factor recovery code",
        },
        sections=(ExportSection("profile", position=10, read=profile),),
        erasure_order=90,
        erase=erase_account,
        blockers=only_admin_blocker,
        expiries=(Expiry("expired email links", delete_expired_tokens),),
    )
)
