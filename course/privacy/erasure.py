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
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, exists, func, select, update

from course.accounts.models import AccountToken, Role, User
from course.accounts.passwords import verify_password
from course.accounts.services import verify_second_factor
from course.audit.services import erase_person, record
from course.certificates.models import Certificate, CertificatePdf
from course.core.database import begin_write, get_for_update, utcnow
from course.core.mail import OutboxMessage
from course.extensions import db
from course.learning.models import LessonView, ModuleCompletion, QuizAttempt
from course.organisations.models import Invitation, Membership, MembershipRole, Organisation

#: Accounts whose email address is never confirmed are deleted after this long.
UNCONFIRMED_ACCOUNT_DAYS = 30
STAND_IN_DOMAIN = "erased.invalid"
#: How the audit log names someone who deleted their own account (their address is gone).
ACCOUNT_HOLDER = "the account holder"
#: A stand-in's password hash: not a hash at all, so no password ever matches it.
NO_PASSWORD = "!"  # noqa: S105


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
    expired_tokens: int
    #: Unconfirmed accounts kept because deleting them would leave an organisation unmanaged.
    kept_unconfirmed: int = 0


def erasure_blockers(user: User) -> list[str]:
    """What must happen before ``user``'s account can be deleted: an organisation they alone
    manage would be left without a manager, or the site without an admin."""
    blockers = []
    managed = db.session.scalars(
        select(Organisation)
        .join(Membership)
        .where(
            Membership.user_id == user.id,
            Membership.role == MembershipRole.MANAGER,
            Organisation.closed_at.is_(None),
        )
    )
    for organisation in managed:
        other_managers = db.session.scalar(
            select(func.count(Membership.id)).where(
                Membership.organisation_id == organisation.id,
                Membership.role == MembershipRole.MANAGER,
                Membership.user_id != user.id,
            )
        )
        if not other_managers:
            blockers.append(
                _(
                    "You are the only manager of %(name)s. Make someone else a manager, or close "
                    "the organisation, first.",
                    name=organisation.name,
                )
            )
    if user.role == Role.ADMIN:
        other_admins = db.session.scalar(
            select(func.count(User.id)).where(
                User.role == Role.ADMIN, User.id != user.id, User.disabled_at.is_(None)
            )
        )
        if not other_admins:
            blockers.append(_("This is the only admin account. Make someone else an admin first."))
    return blockers


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
    """Delete ``user``'s account and everything personal about them, in the current transaction.

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
    certificate_ids = list(
        db.session.scalars(select(Certificate.id).where(Certificate.user_id == locked.id))
    )
    stand_in = _stand_in_for(locked) if _keeps_records(locked) else None
    if stand_in is not None:
        for model in (LessonView, QuizAttempt, ModuleCompletion, Certificate):
            db.session.execute(
                update(model)
                .where(model.user_id == locked.id)
                .values(user_id=stand_in.id)
                .execution_options(synchronize_session=False)
            )
    if certificate_ids:
        db.session.execute(
            update(Certificate)
            .where(Certificate.id.in_(certificate_ids))
            .values(holder_name="", erased_at=utcnow(), revocation_reason=None)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            delete(CertificatePdf).where(CertificatePdf.certificate_id.in_(certificate_ids))
        )
    db.session.execute(delete(Membership).where(Membership.user_id == locked.id))
    if locked.email_verified:
        db.session.execute(delete(Invitation).where(Invitation.email == locked.email))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient == locked.email))
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == locked.id))
    erase_person(locked, certificate_ids)
    summary, actor_label = reason.value
    record(
        "user.erased",
        actor=by,
        actor_label=actor_label,
        target_type="user",
        target_id=stand_in.id if stand_in is not None else "-",
        summary=summary,
        after={"certificates": len(certificate_ids), "kept_anonymously": stand_in is not None},
    )
    db.session.delete(locked)
    db.session.flush()


def _keeps_records(user: User) -> bool:
    """Whether the person left anything the course's statistics count."""
    return any(
        db.session.scalar(select(exists().where(model.user_id == user.id)))
        for model in (LessonView, QuizAttempt, ModuleCompletion, Certificate)
    )


def _stand_in_for(user: User) -> User:
    """An account holding nothing personal, to keep the person's records counted."""
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


def purge_expired(now: datetime | None = None) -> PurgeReport:
    """Delete accounts whose email address was never confirmed within 30 days, and sign-in,
    confirmation and reset tokens that have expired. For a scheduler: ``flask privacy purge``."""
    now = now or utcnow()
    begin_write()
    unconfirmed = list(
        db.session.scalars(
            select(User).where(
                User.email_verified_at.is_(None),
                User.erased_at.is_(None),
                User.created_at < now - timedelta(days=UNCONFIRMED_ACCOUNT_DAYS),
            )
        )
    )
    erased = kept = 0
    for user in unconfirmed:
        if erasure_blockers(user):
            kept += 1
            continue
        erase_account(user, by=None, reason=ErasureReason.NEVER_CONFIRMED)
        erased += 1
    expired = db.session.execute(delete(AccountToken).where(AccountToken.expires_at < now))
    return PurgeReport(erased, expired.rowcount or 0, kept)
