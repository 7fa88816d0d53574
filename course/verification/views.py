"""The bulk check's page: signed-in people only, a few checks an hour each."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from course.core.access import login_required, signed_in_account
from course.core.database import utcnow
from course.core.downloads import private_download
from course.extensions import db, limiter
from course.verification import services
from course.verification.forms import BulkCheckForm

bp = Blueprint("verification", __name__)

#: Bulk checks an account may make: each may hold 10,000 codes.
BULK_CHECK_LIMIT = "10 per hour"


@bp.route("/verify/many", methods=["GET", "POST"])
@login_required
@limiter.limit(BULK_CHECK_LIMIT, key_func=signed_in_account, methods=["POST"])
def check_many() -> Response | tuple[str, int] | str:
    """Check up to 10,000 certificates at once from a CSV file of codes; the answer is a CSV
    file (see :mod:`course.verification.services`)."""
    form = BulkCheckForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("verification/check_many.html", form=form), status
    upload = form.file.data
    try:
        content = upload.read(services.MAX_FILE_BYTES + 1)
    finally:
        upload.close()
    try:
        codes = services.read_codes(content)
    except services.BulkCheckRefused as refusal:
        form.file.errors = [str(refusal)]
        return render_template("verification/check_many.html", form=form), 400
    results = services.check_codes(current_user, codes)
    db.session.commit()
    return private_download(
        services.results_csv(results), "text/csv", f"certificate-check-{utcnow():%Y-%m-%d}.csv"
    )
