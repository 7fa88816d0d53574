"""Organisations and who belongs to them."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.accounts.models import User
from course.core.database import UTCDateTime, stored_enum, utcnow
from course.extensions import db


def new_join_token() -> str:
    return secrets.token_urlsafe(24)


class Organisation(db.Model):
    """A workplace, venue or school whose staff take the course."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Days after joining by which members should finish the course, if the organisation sets one.
    due_days: Mapped[int | None] = mapped_column(Integer)
    join_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_join_token)
    join_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class MembershipRole(enum.StrEnum):
    MEMBER = "member"
    MANAGER = "manager"


class Membership(db.Model):
    """A learner belongs to an organisation, which can then see their progress. Managers also
    run the organisation."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("organisation_id", "user_id"),
        Index("ix_memberships_user", "user_id"),
        Index("ix_memberships_organisation_team", "organisation_id", "team"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[MembershipRole] = mapped_column(
        stored_enum(MembershipRole, 16),
        default=MembershipRole.MEMBER,
    )
    team: Mapped[str | None] = mapped_column(String(100))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the member should have finished: joining plus the organisation's due period, if any.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The last reminder sent to this member by this organisation (at most one every 7 days).
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Membership user {self.user_id} in {self.organisation_id} ({self.role})>"

    @property
    def is_manager(self) -> bool:
        return self.role == MembershipRole.MANAGER


class Invitation(db.Model):
    """An email invitation to join an organisation. Only the SHA-256 hash of its token is stored;
    the token itself is in the link that was emailed."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    times_sent: Mapped[int] = mapped_column(Integer, default=1)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<Invitation {self.id} to {self.organisation_id}>"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None
