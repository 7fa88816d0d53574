"""Deleting your own account."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from course.core.access import login_required, signed_in_account
from course.extensions import limiter
from course.privacy import erasure
from course.privacy.forms import DeleteAccountForm

bp = Blueprint("account_deletion", __name__)


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=signed_in_account, methods=["POST"])
def delete_account() -> str | Response | tuple[str, int]:
    form = DeleteAccountForm()
    blockers = erasure.erasure_blockers(current_user)
    if form.validate_on_submit() and not blockers:
        errors = erasure.check_identity(current_user, form.password.data, form.code.data or "")
        if not errors:
            try:
                erasure.erase_account(
                    current_user, by=None, reason=erasure.ErasureReason.HOLDER_ASKED
                )
            except erasure.ErasureRefused as refusal:
                blockers = [str(refusal)]
            else:
                logout_user()
                flash(_("Your account is deleted. Everything personal we held is gone."), "success")
                return redirect(url_for("learning.overview"))
        for name, message in errors.items():
            form[name].errors = [message]
    return render_template(
        "privacy/delete.html", form=form, blockers=blockers, user=current_user
    ), (409 if blockers and form.is_submitted() else 200)
