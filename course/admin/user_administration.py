"""What admins do to accounts: find people, change roles, disable and enable accounts, correct
and revoke certificates. Every change writes an audit entry in the same transaction.

Rules: an admin cannot change their own role or disable themselves, and no change may leave the
site without an active admin. Those checks lock the active admins' rows first (on SQLite the
whole database, with :func:`begin_write`), so two admins demoting each other at the same moment
run one after the other and the second is refused.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from course.accounts import services as accounts
from course.accounts.models import Role, User
from course.audit.services import record
from course.certificates import services as certificates
from course.certificates.models import Certificate
from course.core.database import begin_write, utcnow
from course.core.paging import Page
from course.extensions import db

PAGE_SIZE = 50
HOLDER_NAME_MAX_LENGTH = 200
REVOCATION_REASON_MAX_LENGTH = 500


class AdministrationError(Exception):
    """A change was refused; the message says why, for the admin."""


def user_directory(search: str = "", page: int = 1) -> Page[User]:
    """One page of every account, by name then email, whose name or email contains ``search``
    (any case; ``%`` and ``_`` match only themselves). The anonymous stand-ins that keep deleted
    accounts' records are not people, and are left out."""
    query = select(User).where(User.erased_at.is_(None))
    text = search.strip().lower()
    if text:
        query = query.where(
            or_(
                func.lower(User.name).contains(text, autoescape=True),
                User.email.contains(text, autoescape=True),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    rows = db.session.scalars(
        query.order_by(func.lower(User.name), User.email)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return Page(list(rows), total, page, PAGE_SIZE)


def certificate_of(user: User, certificate_id: int) -> Certificate | None:
    """The certificate ``certificate_id`` if it belongs to ``user``, else ``None``."""
    return db.session.scalar(
        select(Certificate).where(Certificate.id == certificate_id, Certificate.user_id == user.id)
    )


def _lock_admins(admin: User, user: User) -> None:
    """Take the write lock, reload both people, and check the acting admin still is one."""
    begin_write()
    db.session.scalars(
        select(User)
        .where(User.id.in_({admin.id, user.id}) | (User.role == Role.ADMIN))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if admin.role != Role.ADMIN or not admin.is_active:
        raise AdministrationError(_l("Only an active admin can do that."))


def _other_active_admins(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(
                User.role == Role.ADMIN, User.disabled_at.is_(None), User.id != user.id
            )
        )
        or 0
    )


def change_role(admin: User, user: User, role: Role) -> bool:
    """Give ``user`` the role ``role``.

    :returns: whether anything changed (choosing the role they already have changes nothing).
    :raises AdministrationError: for the admin's own account, or when it would leave no active
        admin.
    """
    if user.id == admin.id:
        raise AdministrationError(_l("You cannot change your own role. Ask another admin."))
    _lock_admins(admin, user)
    before = user.role
    if before == role:
        return False
    if before == Role.ADMIN and user.is_active and _other_active_admins(user) == 0:
        raise AdministrationError(
            _l("This is the only active admin. Make someone else an admin first.")
        )
    accounts.set_role(user, role)
    record(
        "user.role_changed",
        actor=admin,
        target_type="user",
        target_id=user.id,
        summary=_l(
            "Changed the role of %(email)s from %(before)s to %(after)s.",
            email=user.email,
            before=before.value,
            after=role.value,
        ),
        before={"role": before.value},
        after={"role": role.value},
    )
    return True


def _timestamp(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def disable(admin: User, user: User, now: datetime | None = None) -> bool:
    """Stop ``user`` signing in and end every session they have, on every device.

    :returns: whether anything changed (an account already disabled stays as it was).
    :raises AdministrationError: for the admin's own account, or the last active admin.
    """
    if user.id == admin.id:
        raise AdministrationError(_l("You cannot disable your own account."))
    _lock_admins(admin, user)
    if not user.is_active:
        return False
    if user.role == Role.ADMIN and _other_active_admins(user) == 0:
        raise AdministrationError(
            _l("This is the only active admin. Make someone else an admin first.")
        )
    accounts.disable_user(user, now or utcnow())
    record(
        "user.disabled",
        actor=admin,
        target_type="user",
        target_id=user.id,
        summary=_l("Disabled the account of %(email)s and ended their sessions.", email=user.email),
        before={"disabled_at": None},
        after={"disabled_at": _timestamp(user.disabled_at)},
    )
    return True


def enable(admin: User, user: User) -> bool:
    """Let a disabled account sign in again (they sign in afresh: old sessions stay ended).

    :returns: whether anything changed.
    """
    _lock_admins(admin, user)
    if user.is_active:
        return False
    before = _timestamp(user.disabled_at)
    user.disabled_at = None
    record(
        "user.enabled",
        actor=admin,
        target_type="user",
        target_id=user.id,
        summary=_l("Enabled the account of %(email)s.", email=user.email),
        before={"disabled_at": before},
        after={"disabled_at": None},
    )
    return True


def _holder(certificate: Certificate) -> str:
    email = db.session.scalar(select(User.email).where(User.id == certificate.user_id))
    return email or str(certificate.user_id)


def correct_name(admin: User, certificate: Certificate, holder_name: str) -> bool:
    """Change the name printed on ``certificate`` and remove its stored PDF, which
    :func:`~course.certificates.services.commit_and_store_pdf` renders again once this is committed.

    :returns: whether anything changed (the same name again changes nothing).
    :raises AdministrationError: for an empty name or one longer than 200 characters.
    """
    name = " ".join(holder_name.split())
    if not name:
        raise AdministrationError(_l("Enter the name to print on the certificate."))
    if len(name) > HOLDER_NAME_MAX_LENGTH:
        raise AdministrationError(_l("The name must be 200 characters or fewer."))
    before = certificate.holder_name
    if not certificates.correct_holder_name(certificate, name, changed_by=admin):
        return False
    record(
        "certificate.name_corrected",
        actor=admin,
        target_type="certificate",
        target_id=certificate.id,
        summary=_l(
            "Corrected the name on certificate %(code)s of %(email)s.",
            code=certificate.display_code,
            email=_holder(certificate),
        ),
        before={"holder_name": before},
        after={"holder_name": certificate.holder_name},
    )
    return True


def revoke(admin: User | None, certificate: Certificate, reason: str) -> bool:
    """Revoke ``certificate`` at once, keeping ``reason`` privately; ``admin`` is ``None`` when an
    operator does it from the command line.

    :returns: whether anything changed (a certificate already revoked stays as it was).
    :raises AdministrationError: for an empty reason or one longer than 500 characters.
    """
    reason = reason.strip()
    if not reason:
        raise AdministrationError(_l("Give a reason for revoking the certificate."))
    if len(reason) > REVOCATION_REASON_MAX_LENGTH:
        raise AdministrationError(_l("The reason must be 500 characters or fewer."))
    begin_write()
    if certificate.revoked_at is not None:
        return False
    try:
        revoked = certificates.revoke_certificate(certificate.code, reason)
    except certificates.CertificateError as refusal:
        raise AdministrationError(str(refusal)) from refusal
    record(
        "certificate.revoked",
        actor=admin,
        target_type="certificate",
        target_id=revoked.id,
        summary=_l(
            "Revoked certificate %(code)s of %(email)s.",
            code=revoked.display_code,
            email=_holder(revoked),
        ),
        before={"revoked_at": None, "revocation_reason": None},
        after={
            "revoked_at": _timestamp(revoked.revoked_at),
            "revocation_reason": revoked.revocation_reason,
        },
    )
    return True
