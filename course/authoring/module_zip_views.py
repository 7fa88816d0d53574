"""Modules as zips, for authors and admins signed in with two factors: import a module folder
uploaded as a zip, and download any stored version of a module as one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from course.accounts.access import staff_required
from course.accounts.models import Role
from course.authoring import drafts, module_zip
from course.authoring.forms import MODULE_ZIP_MAX_MEGABYTES, ModuleZipForm
from course.authoring.module_views import module_or_404
from course.authoring.module_zip import (
    DraftInTheWay,
    ImportOutcome,
    ModuleImport,
    ModuleZipRefused,
)
from course.catalogue.services import the_course

bp = Blueprint("admin_module_zips", __name__, url_prefix="/admin/modules")


def _import_page(
    form: ModuleZipForm, problems: list[str] | None = None, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "authoring/modules/import.html",
        form=form,
        problems=problems or [],
        max_megabytes=MODULE_ZIP_MAX_MEGABYTES,
    ), status


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
    """An upload over the site's request limit is refused before any view runs (while the CSRF
    token is read); say so at the field instead of on a bare error page."""
    form = ModuleZipForm(formdata=None)
    form.file.errors = [_("The file is larger than %(size)s MB.", size=MODULE_ZIP_MAX_MEGABYTES)]
    return _import_page(form, status=413)


@bp.route("/import", methods=["GET", "POST"])
@staff_required(Role.ADMIN, Role.AUTHOR)
def import_zip() -> Response | tuple[str, int]:
    form = ModuleZipForm()
    if not form.validate_on_submit():
        return _import_page(form, status=400 if form.is_submitted() else 200)
    course = the_course()
    if course is None:
        form.file.errors.append(_("There is no course yet: import the course from files first."))
        return _import_page(form, status=400)
    with form.file.data.stream as uploaded:
        data = uploaded.read(module_zip.MAX_UPLOAD_BYTES + 1)
    try:
        result = module_zip.import_module_zip(
            course, data, current_user, replace_revision=form.revision_to_replace()
        )
    except DraftInTheWay as refusal:
        form.draft_revision.data = str(refusal.revision)
        form.replace_draft.data = False
        form.replace_draft.errors = [_draft_in_the_way_message(refusal)]
        return _import_page(form, status=409)
    except ModuleZipRefused as refusal:
        form.file.errors.append(refusal.reason)
        problems = refusal.messages if refusal.messages != [refusal.reason] else []
        return _import_page(form, problems, status=400)
    flash(*_outcome_message(result))
    return redirect(url_for("admin_modules.module", module_id=result.module.id))


def _draft_in_the_way_message(refusal: DraftInTheWay) -> str:
    if refusal.updated_by:
        saved = _(
            "%(title)s has unpublished changes, last saved by %(email)s at %(time)s.",
            title=refusal.module_title,
            email=refusal.updated_by,
            time=format_datetime(refusal.updated_at, "short"),
        )
    else:
        saved = _("%(title)s has unpublished changes.", title=refusal.module_title)
    return " ".join(
        [
            saved,
            _(
                "Tick the box to replace them with the zip, and choose the file again. Or "
                "publish or throw away those changes first."
            ),
        ]
    )


def _outcome_message(result: ModuleImport) -> tuple[str, str]:
    title = result.title
    if result.outcome is ImportOutcome.UNCHANGED:
        message = _(
            "Nothing changed: the zip holds the same content as %(title)s already has.",
            title=title,
        )
    elif result.outcome is ImportOutcome.CREATED:
        message = _(
            "Imported %(title)s as a new module. It is a draft: preview it, then publish it. "
            "Learners cannot see it until you do.",
            title=title,
        )
    elif result.version is None:
        message = _(
            "Imported %(title)s into its draft. Preview it, then publish it. Learners cannot see "
            "it until you do.",
            title=title,
        )
    else:
        message = _(
            "Imported %(title)s into its draft. Preview it, then publish it. Until you do, "
            "learners keep seeing version %(number)d.",
            title=title,
            number=result.version.number,
        )
    notes = []
    if result.replaced_draft:
        notes.append(_("The zip replaced the unpublished changes that were there."))
    if result.is_archived:
        notes.append(_("The module is archived: learners will not see it until you bring it back."))
    return " ".join([message, *notes]), "success"


@bp.get("/<int:module_id>/versions/<int:number>/export")
@staff_required(Role.ADMIN, Role.AUTHOR)
def export_version(module_id: int, number: int) -> Response:
    module = module_or_404(module_id)
    version = drafts.module_version(module, number)
    if version is None:
        abort(404)
    file_name, data = module_zip.export_version_zip(version)
    return Response(
        data,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{file_name}"',
            "Cache-Control": "private, no-store",
        },
    )
