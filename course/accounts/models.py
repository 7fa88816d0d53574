"""People with accounts, their one-time tokens and their two-factor recovery codes."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.core.database import UTCDateTime, stored_enum, utcnow
from course.core.regions import DEFAULT_REGION, Region
from course.extensions import db


class Role(enum.StrEnum):
    LEARNER = "learner"
    AUTHOR = "author"
    ADMIN = "admin"


#: Roles that reach the admin area, and so must sign in with two factors.
STAFF_ROLES = frozenset({Role.AUTHOR, Role.ADMIN})


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(db.Model):
    """A person with an account.

    ``email`` is stored trimmed and in lower case (a check constraint makes the database refuse
    anything else), so the unique constraint treats " Alice@X.org " and "alice@x.org" as one.

    ``session_token`` is what sessions and "remember me" cookies carry instead of the id
    (Flask-Login's alternative token): replacing it ends every session of the user at once.
    """

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(trim(email))", name="email_normalised"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    region: Mapped[Region] = mapped_column(
        stored_enum(Region, 8),
        default=DEFAULT_REGION,
    )
    role: Mapped[Role] = mapped_column(
        stored_enum(Role, 16),
        default=Role.LEARNER,
    )
    #: The language of the site's pages and emails for them (a code of ``LANGUAGES``, such as
    #: ``cy``); ``None`` to follow their browser.
    language: Mapped[str | None] = mapped_column(String(16))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the learner last read a lesson for the first time or handed in a quiz: the "last
    #: activity" organisations see, kept here so their reports need not search every view.
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Set on the anonymous stand-in that keeps an erased person's learning records (so course
    #: statistics stay right) after their own account is deleted: it holds nothing personal.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    session_token_created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: The key being set up, shown as a QR code until the person proves their app has it; kept
    #: here, not in the session cookie, which is signed but readable.
    totp_setup_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The last TOTP time step accepted, so a code cannot be used twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r} {self.role}>"

    # Flask-Login's user protocol
    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.session_token

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class TokenPurpose(enum.StrEnum):
    CONFIRM_EMAIL = "confirm-email"
    RESET_PASSWORD = "reset-password"  # noqa: S105 - a purpose, not a password
    CHANGE_EMAIL = "change-email"


class AccountToken(db.Model):
    """A single-use, expiring secret sent by email. Only its SHA-256 hash is stored."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(stored_enum(TokenPurpose, 20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: For a change of address: the address being confirmed.
    new_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<AccountToken {self.id} {self.purpose} for user {self.user_id}>"

    def is_usable_at(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


class RecoveryCode(db.Model):
    """A two-factor recovery code, shown once and stored as a SHA-256 hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="recovery_codes")

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} for user {self.user_id}>"
