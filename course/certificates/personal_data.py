"""What certificates hold about a person: the certificates they earned, with the name printed.

Registered with :mod:`course.core.personal_data`: the ``certificates`` section of the export; and,
when the account is deleted, each certificate moves to the anonymous stand-in and keeps its code
but loses the printed name, the reason for any revocation, the history of its name and its stored
PDFs, so it verifies as no longer available.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select, update

from course.accounts.models import User
from course.certificates.models import Certificate, CertificateNameChange, CertificatePdf
from course.certificates.services import certificates_of
from course.core.database import utcnow
from course.core.personal_data import Erasure, ExportSection, PersonalData, exported_time, register
from course.extensions import db


def certificate_ids_of(user: User) -> list[int]:
    """The ids of every certificate ``user`` holds, whatever its status."""
    return list(db.session.scalars(select(Certificate.id).where(Certificate.user_id == user.id)))


def certificates(user: User, now: datetime) -> list[dict[str, Any]]:
    """Every certificate of the person, oldest first, with its status at ``now``."""
    return [
        {
            "code": certificate.display_code,
            "course": certificate.course.title,
            "name_printed": certificate.holder_name,
            "issued_at": exported_time(certificate.issued_at),
            "expires_at": exported_time(certificate.expires_at),
            "status": certificate.status_at(now).value,
            "superseded_at": exported_time(certificate.superseded_at),
            "revoked_at": exported_time(certificate.revoked_at),
            "revocation_reason": certificate.revocation_reason,
            "expiry_reminder_sent_at": exported_time(certificate.expiry_reminder_sent_at),
            "expired_notice_sent_at": exported_time(certificate.expired_notice_sent_at),
            "module_versions": [dict(earned) for earned in certificate.module_versions],
            "name_corrections": _name_corrections(certificate),
        }
        for certificate in sorted(certificates_of(user), key=lambda held: held.issued_at)
    ]


def _name_corrections(certificate: Certificate) -> list[dict[str, Any]]:
    return [
        {
            "changed_at": exported_time(change.changed_at),
            "previous_name": change.previous_name,
            "new_name": change.new_name,
            "reason": change.reason,
            "by_you": change.changed_by_id == certificate.user_id,
        }
        for change in db.session.scalars(
            select(CertificateNameChange)
            .where(CertificateNameChange.certificate_id == certificate.id)
            .order_by(CertificateNameChange.changed_at, CertificateNameChange.id)
        )
    ]


def keeps_records(user: User) -> bool:
    """Whether the person holds a certificate, which the course's statistics count."""
    return bool(db.session.scalar(select(exists().where(Certificate.user_id == user.id))))


def erase_certificates(erasure: Erasure) -> dict[str, int]:
    """Move the person's certificates to the stand-in, clear the printed name and the reason for
    any revocation, mark them erased, and delete their PDFs and the history of their names.
    Returns how many there were, for the audit entry of the deletion."""
    certificate_ids = certificate_ids_of(erasure.person)
    if erasure.stand_in is not None:
        db.session.execute(
            update(Certificate)
            .where(Certificate.user_id == erasure.person.id)
            .values(user_id=erasure.stand_in.id)
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
        db.session.execute(
            delete(CertificateNameChange).where(
                CertificateNameChange.certificate_id.in_(certificate_ids)
            )
        )
    return {"certificates": len(certificate_ids)}


register(
    PersonalData(
        feature="certificates",
        exported={"certificates": "certificates"},
        not_exported={
            "certificate_name_changes.changed_by_id": "who corrected a name on someone's "
            "certificate: the certificate's history; the person's own corrections are in the "
            "certificates section",
            "certificate_pdfs": "the certificate as a PDF, which the learner downloads from their "
            "certificates page; what it prints is in the certificates section",
        },
        sections=(ExportSection("certificates", position=40, read=certificates),),
        erasure_order=30,
        erase=erase_certificates,
        keeps_records=keeps_records,
    )
)
