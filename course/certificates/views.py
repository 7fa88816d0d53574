"""Certificate pages: the learner's certificates, claiming one, the PDF, and public verification."""

from __future__ import annotations

import hashlib

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from course.accounts.models import Role
from course.accounts.sessions import two_factor_passed
from course.catalogue import services as catalogue
from course.catalogue.outline import current_outline
from course.certificates import services as certificates
from course.certificates.codes import formatted, normalised
from course.certificates.forms import ClaimForm, CorrectNameForm, VerifyForm
from course.certificates.models import Certificate, CertificateStatus
from course.core.access import login_required, public, signed_in_account
from course.core.database import utcnow
from course.core.page_cache import cached_for_visitors
from course.extensions import limiter

bp = Blueprint("certificates", __name__)

#: The certificates the certificates page offers as PDFs: a revoked one is refused, and a
#: superseded one has a newer certificate to download instead.
OFFERED_FOR_DOWNLOAD = (CertificateStatus.VALID, CertificateStatus.EXPIRED)
VERIFY_LIMIT = "30 per minute"
#: Both verification routes draw on one allowance per client, so using both does not double it.
verification_limit = limiter.shared_limit(VERIFY_LIMIT, scope="certificate-verification")


@bp.get("/certificates/")
@login_required
def index() -> str:
    course = catalogue.the_course()
    return render_template(
        "certificates/index.html",
        standing=certificates.standing(current_user, course) if course else None,
        certificates=certificates.certificates_of(current_user),
        offered_for_download=OFFERED_FOR_DOWNLOAD,
        linkedin_url=certificates.linkedin_url,
        now=utcnow(),
    )


@bp.get("/certificates/complete")
@login_required
def complete() -> str | Response:
    """Where the path ends: the learner confirms the name to print and gets the certificate on
    this page, and sees it ready here afterwards."""
    return _completion_page(ClaimForm(data={"holder_name": current_user.name}))


@bp.post("/certificates/issue")
@login_required
def issue() -> str | Response:
    course = catalogue.the_course()
    if course is None:
        abort(404)
    form = ClaimForm()
    if not form.validate_on_submit():
        return _completion_page(form)
    try:
        certificate = certificates.issue_certificate(current_user, course, form.holder_name.data)
    except certificates.CertificateError as refusal:
        flash(str(refusal), "error")
    else:
        certificates.commit_and_store_pdf(certificate)
        flash(_("Your certificate is ready. We have emailed it to you too."), "success")
    return redirect(url_for("certificates.complete"))


def _completion_page(form: ClaimForm) -> str | Response:
    course = catalogue.the_course()
    if course is None:
        abort(404)
    standing = certificates.standing(current_user, course)
    # A certificate due for renewal is not "ready": the page shows what is left to renew it.
    valid = standing.status == CertificateStatus.VALID and standing.renewal is None
    ready = standing.certificate if valid else None
    if not standing.course_complete and ready is None and not standing.asks_for_name:
        flash(_("Complete every module of the course to get your certificate."), "error")
        return redirect(url_for("dashboard.index"))
    return render_template(
        "certificates/complete.html",
        standing=standing,
        form=form,
        certificate=ready,
        linkedin_url=certificates.linkedin_url(ready) if ready else None,
        outline=current_outline(),
    )


@bp.route("/certificates/<code>/name", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=signed_in_account, methods=["POST"])
def correct_name(code: str) -> str | Response:
    """The holder corrects the name printed on their certificate, saying why."""
    certificate = certificates.find_by_code(code)
    if certificate is None or certificate.user_id != current_user.id:
        abort(404)
    form = CorrectNameForm(data={"holder_name": certificate.holder_name})
    if form.validate_on_submit():
        try:
            changed = certificates.holder_corrects_name(
                current_user, certificate, form.holder_name.data or "", form.reason.data or ""
            )
        except certificates.CertificateError as refusal:
            form.form_errors.append(str(refusal))
        else:
            if changed:
                certificates.commit_and_store_pdf(certificate)
                flash(
                    _("Your certificate now shows %(name)s.", name=certificate.holder_name),
                    "success",
                )
            return redirect(url_for("certificates.index"))
    return render_template(
        "certificates/correct_name.html",
        certificate=certificate,
        form=form,
        corrections_left=certificates.corrections_left(certificate),
    )


@bp.get("/certificates/<code>.pdf")
@login_required
def download(code: str) -> Response | tuple[str, int]:
    """The one address of a certificate's PDF, for its holder and for admins; the certificates
    page links here."""
    found = certificates.certificate_with_stored_pdf(code)
    if found is None or not _may_download(found[0]):
        abort(404)
    certificate, content = found
    if certificate.revoked_at is not None:
        # Gone for good: revocation is never undone, and a copy would read as valid.
        return render_template("certificates/revoked.html", certificate=certificate), 410
    stored_code = certificate.code  # read now: rendering ends the transaction it was loaded in
    if content is None:
        content = certificates.render_and_store_pdf(certificate)
        if content is None:
            abort(404)
    return _pdf_attachment(stored_code, content)


def _pdf_attachment(code: str, content: bytes) -> Response:
    """The PDF as a download named after its code. Its ETag is a digest of the bytes, so a browser
    asking again for an unchanged PDF gets a 304, and a re-rendered one (a corrected name, a new
    template) is fetched afresh; only the browser may keep a copy, and it asks before reusing it."""
    filename = certificates.pdf_filename(code)
    response = Response(
        content,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f"attachment; filename={filename}",
            "Cache-Control": "private, no-cache",
        },
    )
    response.set_etag(hashlib.sha256(content).hexdigest()[:32])
    return response.make_conditional(request)


def _may_download(certificate: Certificate) -> bool:
    """The holder, or an admin signed in with two factors, as every admin action requires."""
    if certificate.user_id == current_user.id:
        return True
    return current_user.role == Role.ADMIN and two_factor_passed()


@bp.get("/verify")
@public
@verification_limit
@cached_for_visitors
def verify_form() -> str | Response | tuple[str, int]:
    form = VerifyForm(request.args)
    if "code" not in request.args:
        return render_template("certificates/verify.html", form=VerifyForm())
    if not form.validate():
        return render_template("certificates/verify.html", form=form), 400
    return _verification(form.code.data, form)


@bp.get("/verify/<code>")
@public
@verification_limit
def verify(code: str) -> str | Response | tuple[str | Response, int]:
    return _verification(code, VerifyForm(data={"code": code}))


@bp.get("/v/<code>")
@public
def short_verify(code: str) -> Response:
    """The short address printed on certificates and in their QR codes: the verification page."""
    stored = normalised(code)
    if stored is None:
        abort(404)
    return redirect(url_for("certificates.verify", code=formatted(stored)), 301)


def _verification(typed: str, form: VerifyForm):  # type: ignore[no-untyped-def]
    certificate = certificates.find_by_code(typed)
    wants_json = (
        request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    )
    if certificate is None:
        if wants_json:
            return jsonify(error=404, message=_("No certificate has this code.")), 404
        return render_template("certificates/verify.html", form=form, not_found=True), 404
    status = certificate.status_at(utcnow())
    if status == CertificateStatus.ERASED:
        # Its holder deleted their account: say so, and nothing about them.
        if wants_json:
            return jsonify(
                code=certificate.display_code,
                status=status.value,
                message=_("This certificate is no longer available."),
            )
        return render_template("certificates/verified.html", certificate=certificate, status=status)
    name_corrected_at = certificates.name_corrected_at(certificate)
    if wants_json:
        return jsonify(
            code=certificate.display_code,
            status=status.value,
            holder_name=certificate.holder_name,
            name_corrected_on=name_corrected_at.date().isoformat() if name_corrected_at else None,
            course=certificate.course.title,
            issued_on=certificate.issued_at.date().isoformat(),
            expires_on=certificate.expires_at.date().isoformat(),
        )
    return render_template(
        "certificates/verified.html",
        certificate=certificate,
        status=status,
        name_corrected_at=name_corrected_at,
    )
