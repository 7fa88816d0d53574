"""The user administration pages, for admins signed in with two factors: find people, see their
progress and certificates, change their role, disable or enable them, correct or revoke a
certificate, delete an account on request. What each change does is in
:mod:`course.admin.user_administration`."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from course.accounts.access import staff_required
from course.accounts.models import Role, User
from course.admin import user_administration as administration
from course.admin.user_forms import EraseAccountForm, HolderNameForm, RevokeForm, RoleForm
from course.catalogue.services import the_course
from course.certificates.models import Certificate
from course.certificates.services import certificates_of, commit_and_store_pdf, name_changes_of
from course.core.database import utcnow
from course.core.forms import ButtonForm
from course.core.paging import page_number
from course.extensions import db
from course.learning.services import course_progress
from course.privacy import erasure

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.erased_at is not None:
        abort(404)
    return user


def _certificate_or_404(user: User, certificate_id: int) -> Certificate:
    certificate = administration.certificate_of(user, certificate_id)
    if certificate is None:
        abort(404)
    return certificate


def _name_prefix(certificate_id: int) -> str:
    return f"name-{certificate_id}"


def _revoke_prefix(certificate_id: int) -> str:
    return f"revoke-{certificate_id}"


def _user_page(
    user: User,
    role_form: RoleForm | None = None,
    certificate_form: HolderNameForm | RevokeForm | None = None,
    certificate_id: int | None = None,
) -> str:
    course = the_course()
    certificates = certificates_of(user)
    name_forms, revoke_forms = {}, {}
    for certificate in certificates:
        name_forms[certificate.id] = HolderNameForm(
            prefix=_name_prefix(certificate.id), formdata=None, holder_name=certificate.holder_name
        )
        revoke_forms[certificate.id] = RevokeForm(
            prefix=_revoke_prefix(certificate.id), formdata=None
        )
    if isinstance(certificate_form, HolderNameForm):
        name_forms[certificate_id] = certificate_form
    elif isinstance(certificate_form, RevokeForm):
        revoke_forms[certificate_id] = certificate_form
    return render_template(
        "admin/users/user.html",
        user=user,
        progress=course_progress(user, course) if course else None,
        certificates=certificates,
        name_changes=name_changes_of(certificates),
        now=utcnow(),
        role_form=role_form or RoleForm(formdata=None, role=user.role.value),
        name_forms=name_forms,
        revoke_forms=revoke_forms,
        form=role_form or certificate_form,
        button_form=ButtonForm(),
        is_self=user.id == current_user.id,
    )


def _role_changed_message(user: User) -> str:
    if user.role == Role.ADMIN:
        return _("%(name)s is now an admin.", name=user.name)
    if user.role == Role.AUTHOR:
        return _("%(name)s is now an author.", name=user.name)
    return _("%(name)s is now a learner.", name=user.name)


def _back_to(user: User) -> Response:
    return redirect(url_for(".user", user_id=user.id))


@bp.get("/")
@staff_required(Role.ADMIN)
def index() -> str:
    search = request.args.get("q", "")
    return render_template(
        "admin/users/index.html",
        page=administration.user_directory(search, page_number(request.args.get("page"))),
        search=search,
    )


@bp.get("/<int:user_id>")
@staff_required(Role.ADMIN)
def user(user_id: int) -> str:
    return _user_page(_user_or_404(user_id))


@bp.post("/<int:user_id>/role")
@staff_required(Role.ADMIN)
def change_role(user_id: int) -> str | Response:
    user = _user_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _user_page(user, role_form=form)
    try:
        changed = administration.change_role(current_user, user, Role(form.role.data))
    except administration.AdministrationError as refusal:
        flash(str(refusal), "error")
    else:
        if changed:
            flash(_role_changed_message(user), "success")
    return _back_to(user)


@bp.post("/<int:user_id>/disable")
@staff_required(Role.ADMIN)
def disable(user_id: int) -> Response:
    user = _user_or_404(user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        if administration.disable(current_user, user):
            flash(
                _(
                    "%(name)s can no longer sign in, and all their sessions have ended.",
                    name=user.name,
                ),
                "success",
            )
    except administration.AdministrationError as refusal:
        flash(str(refusal), "error")
    return _back_to(user)


@bp.post("/<int:user_id>/enable")
@staff_required(Role.ADMIN)
def enable(user_id: int) -> Response:
    user = _user_or_404(user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        if administration.enable(current_user, user):
            flash(_("%(name)s can sign in again.", name=user.name), "success")
    except administration.AdministrationError as refusal:
        flash(str(refusal), "error")
    return _back_to(user)


@bp.post("/<int:user_id>/certificates/<int:certificate_id>/name")
@staff_required(Role.ADMIN)
def correct_name(user_id: int, certificate_id: int) -> str | Response:
    user = _user_or_404(user_id)
    certificate = _certificate_or_404(user, certificate_id)
    form = HolderNameForm(prefix=_name_prefix(certificate.id))
    if not form.validate_on_submit():
        return _user_page(user, certificate_form=form, certificate_id=certificate.id)
    try:
        if administration.correct_name(current_user, certificate, form.holder_name.data or ""):
            commit_and_store_pdf(certificate)
            flash(
                _(
                    "Certificate %(code)s now shows %(name)s. Its PDF has been made again.",
                    code=certificate.display_code,
                    name=certificate.holder_name,
                ),
                "success",
            )
    except administration.AdministrationError as refusal:
        flash(str(refusal), "error")
    return _back_to(user)


@bp.post("/<int:user_id>/certificates/<int:certificate_id>/revoke")
@staff_required(Role.ADMIN)
def revoke(user_id: int, certificate_id: int) -> str | Response:
    user = _user_or_404(user_id)
    certificate = _certificate_or_404(user, certificate_id)
    form = RevokeForm(prefix=_revoke_prefix(certificate.id))
    if not form.validate_on_submit():
        return _user_page(user, certificate_form=form, certificate_id=certificate.id)
    if form.confirmed.data != "yes":
        return render_template(
            "admin/users/revoke.html", user=user, certificate=certificate, form=form
        )
    try:
        if administration.revoke(current_user, certificate, form.reason.data or ""):
            flash(_("Certificate %(code)s is revoked.", code=certificate.display_code), "success")
    except administration.AdministrationError as refusal:
        flash(str(refusal), "error")
    return _back_to(user)


@bp.route("/<int:user_id>/delete", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def erase(user_id: int) -> str | Response | tuple[str, int]:
    """Delete an account and everything personal about it, when its holder asks."""
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash(
            _("To delete your own account, use Delete your account on your account page."), "error"
        )
        return _back_to(user)
    form = EraseAccountForm(expected_email=user.email)
    blockers = erasure.erasure_blockers(user)
    if form.validate_on_submit() and not blockers:
        try:
            erasure.erase_account(
                user, by=current_user, reason=erasure.ErasureReason.ADMIN_ON_REQUEST
            )
        except erasure.ErasureRefused as refusal:
            blockers = [str(refusal)]
        else:
            flash(_("The account is deleted, with everything personal about it."), "success")
            return redirect(url_for("admin_users.index"))
    page = render_template("admin/users/delete.html", user=user, form=form, blockers=blockers)
    return page, (409 if blockers and form.is_submitted() else 200)
