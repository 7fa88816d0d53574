"""Organisations and who belongs to them."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.accounts.models import User
from course.core.database import UTCDateTime, stored_enum, utcnow
from course.extensions import db


def new_join_token() -> str:
    return secrets.token_urlsafe(24)


#: How long an organisation keeps a former member's training record unless it chooses otherwise:
#: three years, which spans a certificate's year of validity and the yearly renewals after it, so
#: that someone looking back over the last few years finds the record (docs/privacy.md).
DEFAULT_RECORD_RETENTION_DAYS = 1095


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
    #: Days a former member's training record is kept (:class:`TrainingRecord`).
    record_retention_days: Mapped[int] = mapped_column(
        Integer,
        default=DEFAULT_RECORD_RETENTION_DAYS,
        server_default=str(DEFAULT_RECORD_RETENTION_DAYS),
    )

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


class CapacityTier(enum.StrEnum):
    """How many people a site can hold, in the bands of the Terrorism (Protection of Premises)
    Act 2025: under 200 people are outside it, 200 to 799 are standard duty premises, 800 or more
    are enhanced duty premises."""

    UNDER_200 = "under_200"
    STANDARD = "standard"
    ENHANCED = "enhanced"


class Site(db.Model):
    """One of an organisation's premises, with its own members and site managers."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500))
    capacity_tier: Mapped[CapacityTier] = mapped_column(stored_enum(CapacityTier, 16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<Site {self.id} {self.name!r} of {self.organisation_id}>"


class SiteRole(enum.StrEnum):
    MEMBER = "member"
    #: Sees and reminds the site's members only, not the rest of the organisation.
    MANAGER = "manager"


class SiteMember(db.Model):
    """A member works at a site (one member may work at several). Goes with the membership."""

    __tablename__ = "site_members"
    __table_args__ = (Index("ix_site_members_membership", "membership_id"),)

    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[SiteRole] = mapped_column(stored_enum(SiteRole, 16), default=SiteRole.MEMBER)

    site: Mapped[Site] = relationship()
    membership: Mapped[Membership] = relationship()

    @property
    def is_manager(self) -> bool:
        return self.role == SiteRole.MANAGER


class ProcedureKind(enum.StrEnum):
    """The four kinds of procedure the Terrorism (Protection of Premises) Act 2025 asks premises
    to have, in the order a site's annex sets them out."""

    EVACUATION = "evacuation"
    INVACUATION = "invacuation"
    LOCKDOWN = "lockdown"
    COMMUNICATION = "communication"


class AnnexVersion(db.Model):
    """A published version of a site's annex: its own procedures, one Markdown text per kind of
    procedure (``sections``, keyed by :class:`ProcedureKind`), and the sanitised HTML made from
    them when it was published. Versions are never changed: a change is a new version, which
    every member of the site is asked to read and confirm again."""

    __tablename__ = "annex_versions"
    __table_args__ = (UniqueConstraint("site_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    sections: Mapped[dict[str, str]] = mapped_column(JSON)
    sections_html: Mapped[dict[str, str]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Who published it, while their account exists; their name is kept for the record.
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_by_name: Mapped[str] = mapped_column(String(200))

    site: Mapped[Site] = relationship()

    def __repr__(self) -> str:
        return f"<AnnexVersion {self.number} of site {self.site_id}>"


class Attestation(db.Model):
    """A member has read and understood one version of their site's annex."""

    __tablename__ = "annex_attestations"
    __table_args__ = (
        UniqueConstraint("annex_version_id", "membership_id"),
        Index("ix_annex_attestations_membership", "membership_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    annex_version_id: Mapped[int] = mapped_column(
        ForeignKey("annex_versions.id", ondelete="CASCADE")
    )
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    attested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    annex_version: Mapped[AnnexVersion] = relationship()


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
    #: The site the person joins with the invitation, if the manager chose one.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
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


class RecordReason(enum.StrEnum):
    """Why an organisation kept a training record of someone."""

    LEFT = "left"
    REMOVED = "removed"
    ACCOUNT_DELETED = "account_deleted"


class TrainingRecord(db.Model):
    """What an organisation keeps of a former member's training, written when they leave, are
    removed or delete their account: its proof of who was trained, on what and when.

    It holds a copy, not links: ``user_id`` has no foreign key, so the record outlives the
    account, and it is cleared when the account is deleted, so nothing ties the record to a CT
    Citizen account any more. ``details`` holds the nested parts as JSON, a mapping that other
    parts of the organisation's evidence may add keys to; readers take each key with a default::

        {"training_visible": true,
         "sites": ["Main hall"],
         "modules": [{"module": "staying-safe", "title": "Staying safe", "version": 2,
                      "completed_at": "2026-03-01T09:30:00+00:00"}],
         "certificate": {"code": "...", "status": "valid", "issued_at": "...",
                         "expires_at": "..."}}

    ``training_visible`` is false when the member had not confirmed their email address: their
    progress was hidden from the organisation, so the record holds none of it. ``certificate``
    is ``null`` when they held none. Deleted once ``keep_until`` has passed.
    """

    __tablename__ = "training_records"
    __table_args__ = (
        Index("ix_training_records_organisation_recorded", "organisation_id", "recorded_at"),
        Index("ix_training_records_user", "user_id"),
        Index("ix_training_records_keep_until", "keep_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    #: The account while it exists; no foreign key, and cleared when the account is deleted.
    user_id: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    reason: Mapped[RecordReason] = mapped_column(stored_enum(RecordReason, 16))
    team: Mapped[str | None] = mapped_column(String(100))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: ``recorded_at`` plus the organisation's retention period, recalculated when it changes.
    keep_until: Mapped[datetime] = mapped_column(UTCDateTime())
    details: Mapped[dict[str, Any]] = mapped_column(JSON)

    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<TrainingRecord {self.id} of {self.organisation_id} ({self.reason})>"
