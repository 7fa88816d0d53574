"""Certificates: issue (once), renew, revoke, verify, and the stored PDF.

Rules: a learner whose email is confirmed and who has completed every required module confirms
the name to print, and the certificate is issued exactly once, even if the form is sent twice or
from two tabs (the learner's row is locked while issuing, and a unique constraint backs it up).
From 30 days before it expires (:data:`~course.certificates.models.RENEWAL_WINDOW`), passing the
current version of every required module's quiz again renews it: a new certificate is issued and
the old one shows as superseded. A revoked certificate is earned again the same way, by passing
every quiz again after the revocation; the revoked one stays revoked.
Its holder is emailed when it is issued (with the PDF attached), when it is revoked, 30 days
before it expires and when it has expired (:func:`send_expiry_emails`, run daily).
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
from urllib.parse import urlencode

import segno
from flask import current_app, has_request_context
from flask_babel import force_locale, format_date, get_locale, ngettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import Select, bindparam, delete, func, select, tuple_

from course.accounts.models import User
from course.catalogue.localised import module_words
from course.catalogue.models import Course, Module, ModuleVersion
from course.catalogue.outline import CourseOutline, ModuleOutline
from course.certificates import pdf
from course.certificates.codes import formatted, new_code, normalised
from course.certificates.models import (
    RENEWAL_WINDOW,
    Certificate,
    CertificateNameChange,
    CertificatePdf,
    CertificateStatus,
)
from course.core.database import begin_write, get_for_update, utcnow
from course.core.mail import Attachment, AttachmentUnavailable, attachment_maker, queue_email
from course.core.pdf import PdfRenderError, static_folder
from course.core.urls import absolute_url
from course.extensions import db
from course.learning import services as learning

log = logging.getLogger(__name__)


#: How many times a holder may correct the name on one certificate themselves; after that, the
#: people who run the site can. So one certificate cannot quietly pass from person to person.
HOLDER_CORRECTIONS_ALLOWED = 2


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

    @property
    def was_revoked(self) -> bool:
        """The latest certificate was revoked: passing every quiz again earns a new one."""
        return self.status == CertificateStatus.REVOKED


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
        status in (CertificateStatus.EXPIRED, CertificateStatus.REVOKED)
        or certificate.expires_soon_at(now)
    ):
        opens = certificate.revoked_at or certificate.renewal_opens_at
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
        if current.renewal is None:
            return previous
        if not current.renewal.is_ready:
            raise CertificateError(
                _l("Pass the quiz of every module again to earn a new certificate.")
                if current.was_revoked
                else _l("Pass the quiz of every module again to renew your certificate.")
            )
        if not current.was_revoked:  # a revoked certificate stays revoked
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
        # The holder's language, or the one they were reading the site in when they earned it.
        language=user.language or str(get_locale() or ""),
    )
    db.session.add(certificate)
    db.session.flush()
    queue_email(
        user.email,
        _l("Your CT Citizen certificate"),
        "certificate_issued",
        language=user.language,
        attach=(CERTIFICATE_PDF_ATTACHMENT, str(certificate.id)),
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
    """Revoke a certificate at once and email its holder the reason and what they can do next.
    The reason is never shown publicly: only to the holder and admins.

    :raises CertificateError: for an unknown code or an empty reason.
    """
    begin_write()
    certificate = find_by_code(code)
    if certificate is None:
        raise CertificateError(_l("No certificate has that code."))
    if not reason.strip():
        raise CertificateError(_l("Give a reason for revoking the certificate."))
    if certificate.revoked_at is not None:
        return certificate
    certificate.revoked_at = now or utcnow()
    certificate.revocation_reason = reason.strip()
    holder = db.session.get(User, certificate.user_id)
    if holder is not None and certificate.erased_at is None:
        queue_email(
            holder.email,
            _l("Your CT Citizen certificate has been revoked"),
            "certificate_revoked",
            language=holder.language,
            user=holder,
            certificate=certificate,
        )
    return certificate


def send_expiry_emails(now: datetime | None = None) -> tuple[int, int]:
    """Email each holder whose certificate expires within :data:`RENEWAL_WINDOW` that it is time
    to renew, and each whose certificate has expired in the last :data:`RENEWAL_WINDOW` that it
    has; each email once per certificate, however often this runs (daily, from a scheduler).

    A certificate already renewed (superseded), revoked or erased gets neither, nor does one whose
    holder's account is disabled; one that expired longer ago than the window (before this ran
    for the first time, say) gets no belated notice. The certificates are locked while their
    emails are queued, so two runs at once send each email once.

    :returns: how many reminders and how many expiry notices were queued.
    """
    now = now or utcnow()
    begin_write()
    current = (
        select(Certificate, User)
        .join(User, User.id == Certificate.user_id)
        .where(
            Certificate.superseded_at.is_(None),
            Certificate.revoked_at.is_(None),
            Certificate.erased_at.is_(None),
            User.disabled_at.is_(None),
        )
        .order_by(Certificate.id)
        .with_for_update(of=Certificate, skip_locked=True)
    )
    reminders = _email_each_once(
        current.where(
            Certificate.expiry_reminder_sent_at.is_(None),
            Certificate.expires_at > now,
            Certificate.expires_at <= now + RENEWAL_WINDOW,
        ),
        "expiry_reminder_sent_at",
        _l("Your CT Citizen certificate expires soon"),
        "certificate_expiring",
        now,
    )
    notices = _email_each_once(
        current.where(
            Certificate.expired_notice_sent_at.is_(None),
            Certificate.expires_at <= now,
            Certificate.expires_at > now - RENEWAL_WINDOW,
        ),
        "expired_notice_sent_at",
        _l("Your CT Citizen certificate has expired"),
        "certificate_expired",
        now,
    )
    return reminders, notices


def _email_each_once(
    query: Select[tuple[Certificate, User]],
    sent_at: str,
    subject: LazyString,
    template: str,
    now: datetime,
) -> int:
    """Email the holder of each certificate ``query`` finds, and note on it (in its ``sent_at``
    column) that it was sent, so it is never sent again. :returns: how many were queued."""
    found = db.session.execute(query).all()
    for certificate, holder in found:
        setattr(certificate, sent_at, now)
        queue_email(
            holder.email,
            subject,
            template,
            language=holder.language,
            user=holder,
            certificate=certificate,
        )
    return len(found)


def correct_holder_name(
    certificate: Certificate,
    holder_name: str,
    *,
    changed_by: User | None,
    reason: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Change the printed name, keep the change in the certificate's history
    (:class:`~course.certificates.models.CertificateNameChange`) and remove the PDFs stored with
    the old name: the PDF is rendered again by :func:`commit_and_store_pdf` once this is
    committed, or else on the next download. The caller has checked who may do it.

    :returns: whether anything changed (the same name again changes nothing).
    """
    begin_write()
    name = " ".join(holder_name.split())
    previous = certificate.holder_name
    if name == previous:
        return False
    certificate.holder_name = name
    db.session.add(
        CertificateNameChange(
            certificate_id=certificate.id,
            previous_name=previous,
            new_name=name,
            reason=reason,
            changed_by_id=changed_by.id if changed_by else None,
            changed_at=now or utcnow(),
        )
    )
    db.session.execute(
        delete(CertificatePdf).where(CertificatePdf.certificate_id == certificate.id)
    )
    return True


def holder_corrects_name(
    holder: User, certificate: Certificate, holder_name: str, reason: str
) -> bool:
    """The holder corrects the name printed on their own certificate, saying why: a typing
    mistake, say, or a change of name. Allowed :data:`HOLDER_CORRECTIONS_ALLOWED` times for each
    certificate, on a certificate they may still download (valid or expired).

    :returns: whether anything changed.
    :raises CertificateError: saying what is wrong, for the holder.
    """
    get_for_update(Certificate, certificate.id)
    if certificate.user_id != holder.id:
        raise CertificateError(_l("You can only correct your own certificates."))
    if certificate.status_at(utcnow()) not in (CertificateStatus.VALID, CertificateStatus.EXPIRED):
        raise CertificateError(_l("This certificate can no longer be changed."))
    if not reason.strip():
        raise CertificateError(_l("Say why the name needs correcting."))
    if not " ".join(holder_name.split()):
        raise CertificateError(_l("Enter the name to print on your certificate."))
    if not corrections_left(certificate):
        raise CertificateError(
            _l(
                "You have corrected the name on this certificate %(num)d times already. To "
                "change it again, contact the people who run this site.",
                num=HOLDER_CORRECTIONS_ALLOWED,
            )
        )
    return correct_holder_name(certificate, holder_name, changed_by=holder, reason=reason.strip())


def corrections_left(certificate: Certificate) -> int:
    """How many more times the holder may correct the name on ``certificate`` themselves."""
    made = db.session.scalar(
        select(func.count(CertificateNameChange.id)).where(
            CertificateNameChange.certificate_id == certificate.id,
            CertificateNameChange.changed_by_id == certificate.user_id,
        )
    )
    return max(HOLDER_CORRECTIONS_ALLOWED - (made or 0), 0)


def name_changes_of(certificates: Sequence[Certificate]) -> dict[int, list[CertificateNameChange]]:
    """Each certificate's name corrections, oldest first, by certificate id, in one query."""
    changes: dict[int, list[CertificateNameChange]] = {}
    if not certificates:
        return changes
    for change in db.session.scalars(
        select(CertificateNameChange)
        .where(CertificateNameChange.certificate_id.in_([c.id for c in certificates]))
        .order_by(CertificateNameChange.changed_at, CertificateNameChange.id)
    ):
        changes.setdefault(change.certificate_id, []).append(change)
    return changes


def name_corrected_at(certificate: Certificate) -> datetime | None:
    """When the printed name was last corrected, if ever: verification pages say so."""
    return db.session.scalar(
        select(func.max(CertificateNameChange.changed_at)).where(
            CertificateNameChange.certificate_id == certificate.id
        )
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


#: The kind of attachment that is a certificate's PDF, keyed by the certificate's id.
CERTIFICATE_PDF_ATTACHMENT = "certificate-pdf"


@attachment_maker(CERTIFICATE_PDF_ATTACHMENT)
def certificate_pdf_attachment(certificate_id: str) -> Attachment | None:
    """The PDF to attach to a certificate's email when it is sent: the stored one, else rendered
    and stored now. Nothing for a certificate revoked or erased since the email was queued.

    :raises AttachmentUnavailable: when the PDF cannot be rendered now; the email waits.
    """
    certificate = db.session.get(Certificate, int(certificate_id))
    if certificate is None or certificate.erased_at is not None or certificate.revoked_at:
        return None
    filename = pdf_filename(certificate.code)
    content = _stored_pdf(certificate.id)
    if content is None and not (current_app.config["BASE_URL"] or has_request_context()):
        # Outside a request only BASE_URL gives the address to print: send the email, whose
        # link leads to the PDF, without it.
        log.warning("Set COURSE_BASE_URL to attach certificate PDFs rendered by the mail sender")
        return None
    if content is None:
        try:
            content = render_and_store_pdf(certificate)
        except PdfRenderError as error:
            db.session.rollback()
            raise AttachmentUnavailable(str(error)) from error
    if content is None:
        return None
    return Attachment(filename, "application/pdf", content)


def pdf_filename(code: str) -> str:
    return f"ct-citizen-certificate-{formatted(code)}.pdf"


def render_certificate(certificate: Certificate) -> bytes:
    return pdf.render_pdf(_certificate_html(certificate), static_folder())


def earned_modules(certificate: Certificate) -> list[ModuleVersion]:
    """The module versions the certificate was earned on, in the order it lists them."""
    earned = [(entry["module"], entry["version"]) for entry in certificate.module_versions]
    if not earned:
        return []
    found = {
        (slug, version.number): version
        for slug, version in db.session.execute(
            select(Module.slug, ModuleVersion)
            .join(ModuleVersion, ModuleVersion.module_id == Module.id)
            .where(tuple_(Module.slug, ModuleVersion.number).in_(earned))
        )
    }
    return [found[key] for key in earned if key in found]


def learning_time(minutes: int) -> str:
    """``95`` as "1 hour 35 minutes", in the reader's language."""
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if minutes or not hours:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    return " ".join(parts)


def linkedin_url(certificate: Certificate) -> str:
    """LinkedIn's "add to profile" address for the certificate: it opens the form that adds a
    licence or certification, filled in with its name, issuer, dates, code and verification
    address, for the holder to check and save."""
    query = urlencode(
        {
            "startTask": "CERTIFICATION_NAME",
            "name": certificate.course.title,
            "organizationName": current_app.config["ISSUER_NAME"],
            "issueYear": certificate.issued_at.year,
            "issueMonth": certificate.issued_at.month,
            "expirationYear": certificate.expires_at.year,
            "expirationMonth": certificate.expires_at.month,
            "certUrl": verification_url(certificate),
            "certId": certificate.display_code,
        }
    )
    return f"https://www.linkedin.com/profile/add?{query}"


def _certificate_html(certificate: Certificate) -> str:
    """The certificate page as HTML: everything rendering it needs from the database, read now."""
    url = short_verification_url(certificate)
    # A bitmap is far cheaper for WeasyPrint than an SVG path. Four pixels a module: at one, the
    # rasteriser's smoothing blurs the modules and a print at 100 dpi no longer scans.
    qr_data_uri = segno.make(url, error="m").png_data_uri(scale=4, border=4, dark="#0b0c0c")
    earned = earned_modules(certificate)
    language = certificate.language or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        return _certificate_html_in_language(certificate, url, qr_data_uri, earned)


def _certificate_html_in_language(
    certificate: Certificate, url: str, qr_data_uri: str, earned: list[ModuleVersion]
) -> str:
    return pdf.certificate_html(
        holder_name=certificate.holder_name,
        course_title=certificate.course.title,
        module_titles=[module_words(module) for module in earned],
        learning_time=learning_time(sum(module.minutes for module in earned)),
        issued_on=format_date(certificate.issued_at, "long"),
        expires_on=format_date(certificate.expires_at, "long"),
        issuer=current_app.config["ISSUER_NAME"],
        code=certificate.display_code,
        verify_url=url,
        qr_data_uri=qr_data_uri,
    )
