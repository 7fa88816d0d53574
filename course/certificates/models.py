"""Certificates, and their PDFs rendered once and stored so any host can serve them."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.catalogue.models import Course
from course.certificates.codes import formatted
from course.core.database import UTCDateTime, utcnow
from course.extensions import db

#: How long before its expiry a valid certificate is expiring soon. It is one rule, seen from both
#: sides: its holder may renew it from then on, and an organisation counts it as expiring and
#: reminds its holder to renew.
RENEWAL_WINDOW = timedelta(days=30)


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    #: The holder deleted their account: the certificate keeps no personal data.
    ERASED = "erased"


class Certificate(db.Model):
    """A CT Citizen certificate. ``sequence`` counts a learner's certificates for a course, so
    the unique constraint on it stops a double submission from issuing two."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    holder_name: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The module versions it was earned on: ``[{"module": slug, "version": number}, ...]``.
    module_versions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Why it was revoked; never shown publicly.
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    #: When its holder's account was deleted: the name is gone and it verifies as no longer
    #: available.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The language its PDF is printed in (a code of ``LANGUAGES``); ``None`` for the default.
    language: Mapped[str | None] = mapped_column(String(16))
    #: When its holder was emailed that it expires within :data:`RENEWAL_WINDOW`, and that it has
    #: expired: each is sent once (:func:`course.certificates.services.send_expiry_emails`).
    expiry_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expired_notice_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    course: Mapped[Course] = relationship()

    def __repr__(self) -> str:
        return f"<Certificate {self.display_code} user {self.user_id}>"

    @property
    def display_code(self) -> str:
        return formatted(self.code)

    # Each rule below is written once for Python and once for SQL, side by side, so that lists
    # and reports can filter, count and sort by it in the database; tests/test_certificate_status.py
    # proves the two agree for every state a certificate can be in.

    @hybrid_method
    def status_at(self, now: datetime) -> CertificateStatus:
        """What the certificate is at ``now``: erased, revoked and superseded whatever the date,
        in that order; otherwise expired from its expiry on, and valid before."""
        if self.erased_at is not None:
            return CertificateStatus.ERASED
        if self.revoked_at is not None:
            return CertificateStatus.REVOKED
        if self.superseded_at is not None:
            return CertificateStatus.SUPERSEDED
        if now >= self.expires_at:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    @classmethod
    def _ends_of_validity(
        cls, now: datetime
    ) -> list[tuple[ColumnElement[bool], CertificateStatus]]:
        """:meth:`status_at` in SQL: every status but valid with its condition, the first that
        holds winning; valid when none does."""
        return [
            (cls.erased_at.is_not(None), CertificateStatus.ERASED),
            (cls.revoked_at.is_not(None), CertificateStatus.REVOKED),
            (cls.superseded_at.is_not(None), CertificateStatus.SUPERSEDED),
            (cls.expires_at <= now, CertificateStatus.EXPIRED),
        ]

    @status_at.inplace.expression
    @classmethod
    def _status_at_expression(cls, now: datetime) -> ColumnElement[str]:
        return case(
            *((condition, status.value) for condition, status in cls._ends_of_validity(now)),
            else_=CertificateStatus.VALID.value,
        )

    @hybrid_method
    def is_valid_at(self, now: datetime) -> bool:
        """Whether :meth:`status_at` is valid at ``now``. In SQL a certificate missing from an
        outer join gives NULL, not false: test that it exists too where the result is negated."""
        return self.status_at(now) == CertificateStatus.VALID

    @is_valid_at.inplace.expression
    @classmethod
    def _is_valid_at_expression(cls, now: datetime) -> ColumnElement[bool]:
        # Plain conditions rather than a test of the CASE: the database filters and counts by
        # them faster.
        return and_(*(~condition for condition, _ in cls._ends_of_validity(now)))

    @property
    def renewal_opens_at(self) -> datetime:
        """When its holder may start to renew it: :data:`RENEWAL_WINDOW` before it expires."""
        return self.expires_at - RENEWAL_WINDOW

    @hybrid_method
    def expires_soon_at(self, now: datetime) -> bool:
        """Valid at ``now``, and renewable: within :data:`RENEWAL_WINDOW` of its expiry."""
        return self.is_valid_at(now) and now >= self.renewal_opens_at

    @expires_soon_at.inplace.expression
    @classmethod
    def _expires_soon_at_expression(cls, now: datetime) -> ColumnElement[bool]:
        # The same instant as ``renewal_opens_at <= now``, with the sum worked out here so that
        # the database compares the column with a parameter.
        return and_(cls.is_valid_at(now), cls.expires_at <= now + RENEWAL_WINDOW)


class CertificatePdf(db.Model):
    """The rendered PDF of a certificate for one version of the certificate template."""

    __tablename__ = "certificate_pdfs"
    __table_args__ = (UniqueConstraint("certificate_id", "template_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    template_version: Mapped[str] = mapped_column(String(40))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<CertificatePdf {self.certificate_id} template {self.template_version}>"


class CertificateNameChange(db.Model):
    """A correction of the name printed on a certificate: what it was, what it became, why, and
    who made it (the holder, or an admin). The certificate's own history: its holder may correct
    the name a few times only (:data:`~course.certificates.services.HOLDER_CORRECTIONS_ALLOWED`),
    and its verification page says when the name was last corrected, so that one certificate
    cannot quietly pass from person to person."""

    __tablename__ = "certificate_name_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    previous_name: Mapped[str] = mapped_column(String(200))
    new_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(500))
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<CertificateNameChange {self.id} of certificate {self.certificate_id}>"
