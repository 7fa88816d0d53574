"""Account operations: registration, confirmation, passwords, email changes, two factors, roles.

Every function changes the session and leaves committing to the request (or the CLI command).
Functions that might reveal whether an address has an account do the same work, and send an email
rather than answer differently, either way.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from course.accounts.models import (
    AccountToken,
    RecoveryCode,
    Role,
    TokenPurpose,
    User,
    new_session_token,
)
from course.accounts.passwords import hash_password, needs_rehash, verify_password
from course.accounts.two_factor import (
    accepted_time_step,
    hash_recovery_code,
    new_recovery_codes,
    new_totp_secret,
)
from course.core.database import begin_write, get_for_update, utcnow
from course.core.mail import queue_email
from course.core.regions import DEFAULT_REGION, Region
from course.extensions import db

TOKEN_LIFETIMES = {
    TokenPurpose.CONFIRM_EMAIL: timedelta(days=2),
    TokenPurpose.RESET_PASSWORD: timedelta(hours=1),
    TokenPurpose.CHANGE_EMAIL: timedelta(days=2),
}


class AccountError(Exception):
    """An operation was refused; the message says why, for the person who asked."""


def normalise_email(address: str) -> str:
    """The form an address is stored and compared in: trimmed and in lower case."""
    return address.strip().lower()


def find_user_by_email(address: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(address)))


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, purpose: TokenPurpose, new_email: str | None = None) -> str:
    """Create a single-use token for ``user`` and return it; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user=user,
            purpose=purpose,
            token_hash=_hash_token(token),
            new_email=new_email,
            expires_at=utcnow() + TOKEN_LIFETIMES[purpose],
        )
    )
    return token


def find_usable_token(token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The unexpired, unused token of this purpose, or ``None``."""
    found = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == _hash_token(token), AccountToken.purpose == purpose
        )
    )
    if found is None or not found.is_usable_at(utcnow()) or not found.user.is_active:
        return None
    return found


def _use_token(token: str, purpose: TokenPurpose) -> AccountToken | None:
    begin_write()
    found = find_usable_token(token, purpose)
    if found is not None:
        found.used_at = utcnow()
    return found


def register(
    name: str,
    email: str,
    password: str,
    region: Region = DEFAULT_REGION,
    language: str | None = None,
) -> User | None:
    """Create an account and email a confirmation link, or tell the owner of an existing account.

    Either way the caller shows the same "check your email" page, so the response reveals nothing.
    ``language`` is the one the person registered in, when it is not the site's default: their
    emails, sent later, are in it too.

    :returns: the new account, or ``None`` when the address already had one.
    """
    begin_write()
    address = normalise_email(email)
    password_hash = hash_password(password)  # also for existing accounts, to take the same time
    existing = find_user_by_email(address)
    if existing is not None:
        queue_email(
            existing.email,
            str(_l("You already have a CT Citizen account")),
            "already_registered",
            user=existing,
        )
        return None
    user = User(
        email=address,
        name=name.strip(),
        password_hash=password_hash,
        region=region,
        language=language,
    )
    db.session.add(user)
    db.session.flush()  # the new account's id, which the caller may note
    send_confirmation_email(user)
    return user


def _email_link(
    user: User, purpose: TokenPurpose, subject: str, template: str, new_email: str | None = None
) -> None:
    """Email a single-use link for ``purpose``: to ``new_email`` when given, else to the account."""
    token = issue_token(user, purpose, new_email=new_email)
    queue_email(new_email or user.email, subject, template, user=user, token=token)


def send_confirmation_email(user: User) -> None:
    """Email a new link to confirm the account's address."""
    _email_link(
        user,
        TokenPurpose.CONFIRM_EMAIL,
        str(_l("Confirm your email address for CT Citizen")),
        "confirm_email",
    )


def confirm_email(token: str) -> User | None:
    """Mark the address as confirmed. ``None`` if the link is unknown, used or expired."""
    used = _use_token(token, TokenPurpose.CONFIRM_EMAIL)
    if used is None:
        return None
    if used.user.email_verified_at is None:
        used.user.email_verified_at = utcnow()
    return used.user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or ``None``; takes as long either way."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def end_all_sessions(user: User) -> None:
    """Sign the user out everywhere, "remember me" cookies included."""
    user.session_token = new_session_token()
    user.session_token_created_at = utcnow()


def request_password_reset(email: str) -> None:
    """Email a reset link if the address has an active account; do nothing visible otherwise."""
    begin_write()
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    _email_link(
        user,
        TokenPurpose.RESET_PASSWORD,
        str(_l("Reset your CT Citizen password")),
        "reset_password",
    )


def reset_password(token: str, new_password: str) -> User | None:
    """Set a new password from an emailed link and end every session. ``None`` if the link is bad.

    Using the link proves the person reads the account's email, so the address counts as confirmed.
    """
    used = _use_token(token, TokenPurpose.RESET_PASSWORD)
    if used is None:
        return None
    user = used.user
    _set_password(user, new_password)
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == TokenPurpose.RESET_PASSWORD,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Replace the password and end every other session.

    :raises AccountError: when the current password is wrong.
    """
    begin_write()
    if not verify_password(user.password_hash, current_password):
        raise AccountError(_l("Your current password is not correct."))
    _set_password(user, new_password)


def _set_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)
    queue_email(
        user.email,
        str(_l("Your CT Citizen password has been changed")),
        "password_changed",
        user=user,
    )


def update_profile(user: User, name: str, region: Region, language: str | None = None) -> None:
    user.name = name.strip()
    user.region = region
    user.language = language


def request_email_change(user: User, new_email: str, password: str) -> None:
    """Email a confirmation link to the new address; the change happens when it is followed.

    :raises AccountError: when the password is wrong or the address is the current one.
    """
    begin_write()
    if not verify_password(user.password_hash, password):
        raise AccountError(_l("Your password is not correct."))
    address = normalise_email(new_email)
    if address == user.email:
        raise AccountError(_l("That is already your email address."))
    if find_user_by_email(address) is not None:
        queue_email(
            address,
            str(_l("Someone tried to use this address for CT Citizen")),
            "email_in_use",
            user=user,
        )
        return
    _email_link(
        user,
        TokenPurpose.CHANGE_EMAIL,
        str(_l("Confirm your new email address for CT Citizen")),
        "confirm_new_email",
        new_email=address,
    )


def confirm_email_change(token: str) -> User | None:
    """Switch the account to the new address and tell the old one. ``None`` if the link is bad
    or the address has been taken since."""
    used = _use_token(token, TokenPurpose.CHANGE_EMAIL)
    if used is None or used.new_email is None or find_user_by_email(used.new_email) is not None:
        return None
    user = used.user
    old_address = user.email
    user.email = used.new_email
    user.email_verified_at = utcnow()
    queue_email(
        old_address,
        str(_l("Your CT Citizen email address has been changed")),
        "email_changed",
        user=user,
        old_address=old_address,
    )
    return user


def two_factor_setup_secret(user: User) -> str:
    """The key ``user`` is setting up two-factor sign-in with: made at the first visit to the
    set-up page and kept on the server until it is turned on, so a reload shows the same QR code."""
    secret = user.totp_setup_secret
    if secret is None:
        # Locking reloads ``user``: another tab may have made a key meanwhile.
        get_for_update(User, user.id)
        secret = user.totp_setup_secret or new_totp_secret()
        user.totp_setup_secret = secret
    return secret


def enable_two_factor(user: User, password: str, code: str) -> list[str]:
    """Turn on two-factor sign-in once the person proves it is them (their password) and that
    their app has the key being set up (its current code). Every session and "remember me" cookie
    of the account ends, since none of them passed two factors: the caller signs this one in again.

    :returns: new recovery codes, to be shown once.
    :raises AccountError: when the password or the code is wrong, or no set-up was started.
    """
    begin_write()
    if not verify_password(user.password_hash, password):
        raise AccountError(_l("Your password is not correct."))
    secret = user.totp_setup_secret
    step = accepted_time_step(secret, code, None, utcnow()) if secret else None
    if secret is None or step is None:
        raise AccountError(
            _l("The code is not correct. Enter the 6-digit code your app shows now.")
        )
    user.totp_secret = secret
    user.totp_setup_secret = None
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    end_all_sessions(user)
    return _new_recovery_codes(user)


def replace_recovery_codes(user: User, password: str) -> list[str]:
    """Make new recovery codes (the old ones stop working) once the person has typed their
    password again, and return them, to be shown once.

    :raises AccountError: when the password is wrong or two-factor sign-in is off.
    """
    begin_write()
    if not user.two_factor_enabled:
        raise AccountError(_l("Two-factor sign-in is off, so there are no recovery codes."))
    if not verify_password(user.password_hash, password):
        raise AccountError(_l("Your password is not correct."))
    return _new_recovery_codes(user)


def _new_recovery_codes(user: User) -> list[str]:
    codes = new_recovery_codes()
    user.recovery_codes = [RecoveryCode(code_hash=hash_recovery_code(code)) for code in codes]
    return codes


def verify_second_factor(user: User, code: str) -> bool:
    """Accept a current authenticator code not used before, or an unused recovery code (once)."""
    begin_write()
    if user.totp_secret is None:
        return False
    step = accepted_time_step(user.totp_secret, code, user.totp_last_step, utcnow())
    if step is not None:
        user.totp_last_step = step
        return True
    code_hash = hash_recovery_code(code)
    for recovery_code in user.recovery_codes:
        if recovery_code.used_at is None and secrets.compare_digest(
            recovery_code.code_hash, code_hash
        ):
            recovery_code.used_at = utcnow()
            return True
    return False


def unused_recovery_code_count(user: User) -> int:
    return sum(1 for code in user.recovery_codes if code.used_at is None)


def pending_email_change(user: User, now: datetime | None = None) -> AccountToken | None:
    """The newest change of address ``user`` asked for and has not confirmed yet, while its link
    still works; ``None`` when there is none."""
    return db.session.scalar(
        select(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == TokenPurpose.CHANGE_EMAIL,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > (now or utcnow()),
        )
        .order_by(AccountToken.created_at.desc(), AccountToken.id.desc())
        .limit(1)
    )


def disable_two_factor(user: User, password: str) -> None:
    """Turn two-factor sign-in off.

    :raises AccountError: for authors and admins, who must keep it, or a wrong password.
    """
    begin_write()
    if user.is_staff:
        raise AccountError(_l("Authors and admins must keep two-factor sign-in turned on."))
    if not verify_password(user.password_hash, password):
        raise AccountError(_l("Your password is not correct."))
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.recovery_codes = []


def set_role(user: User, role: Role) -> None:
    """Give the user a role. Authors and admins must set up two-factor sign-in at their next visit
    to the admin area."""
    user.role = role


def disable_user(user: User, at: datetime | None = None) -> None:
    """Stop the user signing in, and end every session they have."""
    user.disabled_at = at or utcnow()
    end_all_sessions(user)


def create_admin(email: str, password: str, name: str) -> User:
    """Create a confirmed admin account, or make an existing account an admin (keeping its
    password)."""
    begin_write()
    user = find_user_by_email(email)
    if user is None:
        user = User(
            email=normalise_email(email),
            name=name.strip(),
            password_hash=hash_password(password),
            email_verified_at=utcnow(),
        )
        db.session.add(user)
    user.role = Role.ADMIN
    return user
