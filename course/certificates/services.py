"""Certificates: issue (once), renew, revoke, verify, and the stored PDF.

Rules: a learner whose email is confirmed and who has completed every required module confirms
the name to print, and the certificate is issued exactly once, even if the form is sent twice or
from two tabs (the learner's row is locked while issuing, and a unique constraint backs it up).
From 30 days before it expires (:data:`~course.certificates.models.RENEWAL_WINDOW`), passing the
current version of every required module's quiz again renews it: a new certificate is issued and
the old one shows as superseded.
A certificate's PDF is rendered once its issue (or a corrected name) is committed, and again when
a PDF stored for an older template is next downloaded, once the download is allowed; never while a
transaction is open, so that a slow render keeps no other writer waiting.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import segno
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, select

from course.accounts.models import User
from course.catalogue.models import Course, Module
from course.catalogue.outline import CourseOutline, ModuleOutline
from course.certificates import pdf
from course.certificates.codes import new_code, normalised
from course.certificates.models import Certificate, CertificatePdf, CertificateStatus
from course.core.database import begin_write, get_for_update, utcnow
from course.core.mail import queue_email
from course.core.pdf import static_folder
from course.core.urls import absolute_url
from course.extensions import db
from course.learning import services as learning

log = logging.getLogger(__name__)


class CertificateError(Exception):
    """An issue or renewal was refused; the message says why, for the learner."""


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later, or the last day of that month if it is shorter."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# Built once: the dashboard and the certificates page ask for it on every request.
_LATEST_CERTIFICATE = (
    select(Certificate)
    .where(
        Certificate.user_id == bindparam("user_id"),
        Certificate.course_id == bindparam("course_id"),
    )
    .order_by(Certificate.sequence.desc())
    .limit(1)
)


def latest_certificate(user: User, course: Course | CourseOutline) -> Certificate | None:
    return db.session.scalar(_LATEST_CERTIFICATE, {"user_id": user.id, "course_id": course.id})


def certificates_of(user: User) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_at.desc())
        )
    )


@dataclass(frozen=True)
class Renewal:
    """Progress towards renewing a certificate: each required module's quiz passed again."""

    modules: Sequence[Module | ModuleOutline]
    passed: set[int]

    @property
    def is_ready(self) -> bool:
        return all(module.id in self.passed for module in self.modules)


@dataclass(frozen=True)
class CertificateStanding:
    """Where a learner stands: what the dashboard should offer."""

    certificate: Certificate | None
    status: CertificateStatus | None
    course_complete: bool
    email_verified: bool
    renewal: Renewal | None

    @property
    def can_claim(self) -> bool:
        return self.certificate is None and self.course_complete and self.email_verified

    @property
    def asks_for_name(self) -> bool:
        """Whether the learner is offered the form that confirms the name to print: to claim
        their certificate, or to renew it once every quiz is passed again."""
        return self.can_claim or (self.renewal is not None and self.renewal.is_ready)

    @property
    def expires_soon(self) -> bool:
        return self.renewal is not None and self.status == CertificateStatus.VALID


def standing(
    user: User,
    course: Course | CourseOutline,
    now: datetime | None = None,
    *,
    progress: learning.CourseProgress | None = None,
) -> CertificateStanding:
    """Where ``user`` stands with the course's certificate at ``now``; a page that has already
    worked out their ``progress`` passes it, so it is not worked out twice."""
    now = now or utcnow()
    certificate = latest_certificate(user, course)
    status = certificate.status_at(now) if certificate else None
    renewal = None
    if certificate is not None and (
        status == CertificateStatus.EXPIRED or certificate.expires_soon_at(now)
    ):
        opens = certificate.renewal_opens_at
        required = course.required_modules
        renewal = Renewal(
            required, learning.modules_passed_on_current_version_since(user, required, opens)
        )
    return CertificateStanding(
        certificate=certificate,
        status=status,
        course_complete=(progress or learning.course_progress(user, course)).is_complete,
        email_verified=user.email_verified,
        renewal=renewal,
    )


def issue_certificate(
    user: User, course: Course, holder_name: str, now: datetime | None = None
) -> Certificate:
    """Issue the learner's certificate (or its renewal), once. Its PDF is not rendered here:
    :func:`commit_and_store_pdf` does that once this is committed.

    If the learner already holds a certificate that is not due for renewal, that certificate is
    returned unchanged: sending the form twice issues one.

    :raises CertificateError: when the email is not confirmed, the course is not complete, the
        renewal quizzes are not all passed again, or the last certificate was revoked.
    """
    now = now or utcnow()
    get_for_update(User, user.id)  # one issue at a time per learner
    holder_name = " ".join(holder_name.split())
    if not holder_name:
        raise CertificateError(_l("Enter the name to print on your certificate."))
    current = standing(user, course, now)
    if not current.email_verified:
        raise CertificateError(_l("Confirm your email address first: we have sent you a link."))
    previous = current.certificate
    if previous is not None:
        if current.status == CertificateStatus.REVOKED:
            raise CertificateError(
                _l("Your certificate was revoked. Contact the people who run this site.")
            )
        if current.renewal is None:
            return previous
        if not current.renewal.is_ready:
            raise CertificateError(
                _l("Pass the quiz of every module again to renew your certificate.")
            )
        previous.superseded_at = now
        versions = {module.id: module.current_version_id for module in course.required_modules}
    elif not current.course_complete:
        raise CertificateError(_l("Complete every module of the course first."))
    else:
        versions = learning.completed_versions(user, course.required_modules)
    certificate = Certificate(
        user_id=user.id,
        course=course,
        sequence=(previous.sequence + 1) if previous else 1,
        code=new_code(),
        holder_name=holder_name,
        issued_at=now,
        expires_at=add_months(now, course.certificate_validity_months),
        module_versions=[
            {"module": module.slug, "version": _version_number(module, versions.get(module.id))}
            for module in course.required_modules
        ],
    )
    db.session.add(certificate)
    db.session.flush()
    queue_email(
        user.email,
        str(_l("Your CT Citizen certificate")),
        "certificate_issued",
        user=user,
        certificate=certificate,
        verify_url=verification_url(certificate),
    )
    return certificate


def _version_number(module: Module, version_id: int | None) -> int | None:
    return next((version.number for version in module.versions if version.id == version_id), None)


def verification_url(certificate: Certificate) -> str:
    return absolute_url("certificates.verify", code=certificate.display_code)


def short_verification_url(certificate: Certificate) -> str:
    """The address printed on the certificate and in its QR code: short, so the code stays small
    enough to scan from a print at 100 dpi."""
    return absolute_url("certificates.short_verify", code=certificate.code)


def find_by_code(typed: str) -> Certificate | None:
    """The certificate with this code, typed in any case and with or without separators."""
    code = normalised(typed)
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def revoke_certificate(code: str, reason: str, now: datetime | None = None) -> Certificate:
    """Revoke a certificate at once; the reason is kept privately.

    :raises CertificateError: for an unknown code or an empty reason.
    """
    begin_write()
    certificate = find_by_code(code)
    if certificate is None:
        raise CertificateError(_l("No certificate has that code."))
    if not reason.strip():
        raise CertificateError(_l("Give a reason for revoking the certificate."))
    certificate.revoked_at = certificate.revoked_at or now or utcnow()
    certificate.revocation_reason = reason.strip()
    return certificate


def correct_holder_name(certificate: Certificate, holder_name: str) -> None:
    """Change the printed name and remove the PDFs stored with the old one: the PDF is rendered
    again by :func:`commit_and_store_pdf` once this is committed, or else on the next download."""
    begin_write()
    certificate.holder_name = " ".join(holder_name.split())
    db.session.execute(
        delete(CertificatePdf).where(CertificatePdf.certificate_id == certificate.id)
    )


def commit_and_store_pdf(certificate: Certificate) -> None:
    """Commit the request's changes, then make sure the PDF of ``certificate`` is stored for the
    current template, rendering it with no transaction open (:func:`render_and_store_pdf`).

    Called after the service that issued the certificate or corrected its name, as the request's
    last write: everything the request wrote lands at once, before WeasyPrint starts, so no write
    lock is held while it works, and the certificates page's links find the PDF stored. If the PDF
    cannot be rendered, the failure is logged and the certificate stands as committed: its PDF is
    rendered when it is next downloaded.
    """
    certificate_id = certificate.id
    db.session.commit()
    if _stored_pdf(certificate_id) is not None:
        return
    try:
        render_and_store_pdf(certificate)
    except Exception:
        db.session.rollback()
        log.exception(
            "The PDF of certificate %s could not be rendered; it will be when next downloaded",
            certificate_id,
        )


def certificate_with_stored_pdf(typed_code: str) -> tuple[Certificate, bytes | None] | None:
    """The certificate with this code and its PDF stored for the current template (``None`` when
    there is none yet), in one query. Renders nothing: the caller checks access first, then asks
    :func:`render_and_store_pdf` for a missing PDF. An erased certificate is not found."""
    code = normalised(typed_code)
    if code is None:
        return None
    found = db.session.execute(
        select(Certificate, CertificatePdf.content)
        .outerjoin(
            CertificatePdf,
            (CertificatePdf.certificate_id == Certificate.id)
            & (CertificatePdf.template_version == pdf.TEMPLATE_VERSION),
        )
        .where(Certificate.code == code, Certificate.erased_at.is_(None))
    ).first()
    if found is None:
        return None
    certificate, content = found
    return certificate, content


def render_and_store_pdf(certificate: Certificate) -> bytes | None:
    """Render the PDF of ``certificate`` for the current template and store it, holding no
    transaction while WeasyPrint works: the request's reading transaction is ended first, and the
    PDF is stored afterwards in a short transaction of its own, which is committed here.

    If another request stored a PDF for this template meanwhile, that one is kept and returned. If
    the printed name was corrected meanwhile, the PDF is rendered again with the new name.

    :returns: the PDF, or ``None`` when the certificate was erased while it was being rendered.
    :raises RuntimeError: when the session holds changes, which ending the read would commit early.
    """
    certificate_id = certificate.id
    while True:
        printed_name = certificate.holder_name
        html = _certificate_html(certificate)
        _end_reading()
        content = pdf.render_pdf(html, static_folder())
        current = get_for_update(Certificate, certificate_id)
        if current is None or current.erased_at is not None:
            db.session.commit()
            return None
        stored = _stored_pdf(certificate_id)
        if stored is not None:
            db.session.commit()
            return stored
        if current.holder_name == printed_name:
            break
        certificate = current
    db.session.add(
        CertificatePdf(
            certificate_id=certificate_id, template_version=pdf.TEMPLATE_VERSION, content=content
        )
    )
    db.session.commit()
    return content


def _stored_pdf(certificate_id: int) -> bytes | None:
    return db.session.scalar(
        select(CertificatePdf.content).where(
            CertificatePdf.certificate_id == certificate_id,
            CertificatePdf.template_version == pdf.TEMPLATE_VERSION,
        )
    )


def _end_reading() -> None:
    """End the session's transaction, which has only read, so that it holds no lock, snapshot or
    connection during a long piece of work."""
    session = db.session()
    if session.new or session.dirty or session.deleted or session.info.get("has_flushed"):
        raise RuntimeError("a PDF is rendered only by a request that has changed nothing yet")
    session.commit()


def render_certificate(certificate: Certificate) -> bytes:
    return pdf.render_pdf(_certificate_html(certificate), static_folder())


def _certificate_html(certificate: Certificate) -> str:
    """The certificate page as HTML: everything rendering it needs from the database, read now."""
    url = short_verification_url(certificate)
    # A bitmap is far cheaper for WeasyPrint than an SVG path. Four pixels a module: at one, the
    # rasteriser's smoothing blurs the modules and a print at 100 dpi no longer scans.
    qr_data_uri = segno.make(url, error="m").png_data_uri(scale=4, border=4, dark="#0b0c0c")
    return pdf.certificate_html(
        holder_name=certificate.holder_name,
        course_title=certificate.course.title,
        issued_on=format_date(certificate.issued_at, "long"),
        expires_on=format_date(certificate.expires_at, "long"),
        code=certificate.display_code,
        verify_url=url,
        qr_data_uri=qr_data_uri,
    )
