"""Certificates, and their PDFs rendered once and stored so any host can serve them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.catalogue.models import Course
from course.certificates.codes import formatted
from course.core.database import UTCDateTime, utcnow
from course.extensions import db


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

    course: Mapped[Course] = relationship()

    def __repr__(self) -> str:
        return f"<Certificate {self.display_code} user {self.user_id}>"

    @property
    def display_code(self) -> str:
        return formatted(self.code)

    def status_at(self, now: datetime) -> CertificateStatus:
        if self.erased_at is not None:
            return CertificateStatus.ERASED
        if self.revoked_at is not None:
            return CertificateStatus.REVOKED
        if self.superseded_at is not None:
            return CertificateStatus.SUPERSEDED
        if now >= self.expires_at:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID


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
