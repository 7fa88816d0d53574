"""Authoring a module on the web: the list, a new module, its page and details, publishing,
discarding, archiving, version history with diffs and restore, and previewing as a learner.

Authors and admins only, signed in with two factors. Lessons, questions, images and module zips
have their own views (``lesson_views``, ``question_views``, ``image_views``,
``module_zip_views``); what the module's pages share with them (loading the module, the preview's
region, explaining a refused save) is here.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from course.accounts.access import staff_required
from course.accounts.models import Role
from course.authoring import drafts, history, preview, scenario_editor
from course.authoring.draft_document import Document
from course.authoring.drafts import StaleDraft
from course.authoring.forms import DraftForm, ModuleDetailsForm, NewModuleForm
from course.catalogue.bundle import ContentError
from course.catalogue.models import Module, ModuleVersion
from course.catalogue.services import the_course
from course.core.forms import ButtonForm
from course.core.regions import Region
from course.core.security import served_as_inert_image
from course.extensions import db

bp = Blueprint("admin_modules", __name__, url_prefix="/admin/modules")


def module_or_404(module_id: int) -> Module:
    """The module with this id, for any of the authoring pages; 404 when there is none."""
    module = db.session.get(Module, module_id)
    if module is None:
        abort(404)
    return module


def preview_region() -> Region:
    """The region a preview is for, from the query or form (``region``); the UK when absent or
    unknown."""
    try:
        return Region(request.values.get("region", ""))
    except ValueError:
        return Region.UK


def draft_picture_urls(module: Module, document: Document) -> dict[str, str]:
    """Where a preview finds each of the draft's pictures (``hot.svg``): published or not, they
    are served to authors from the draft itself."""
    return {
        name: url_for("admin_modules.draft_picture", module_id=module.id, picture_name=name)
        for name in document.get("pictures", {})
    }


def stale_draft_message(error: StaleDraft) -> str:
    """Why a save was refused, and what to do, for an author who was editing an older draft."""
    if error.updated_by and error.updated_at:
        return _(
            "Your changes were not saved: %(email)s saved this module at %(time)s, after you "
            "opened this page. Copy anything you want to keep, then reload the page to see their "
            "changes.",
            email=error.updated_by,
            time=format_datetime(error.updated_at, "short"),
        )
    return _(
        "Your changes were not saved: this module changed after you opened this page (it was "
        "published or its draft discarded). Copy anything you want to keep, then reload the page."
    )


def _course_or_404():  # type: ignore[no-untyped-def]
    course = the_course()
    if course is None:
        abort(404)
    return course


def _version_or_404(module: Module, number: int) -> ModuleVersion:
    version = drafts.module_version(module, number)
    if version is None:
        abort(404)
    return version


def _back_to(module: Module) -> Response:
    return redirect(url_for("admin_modules.module", module_id=module.id))


@bp.get("/")
@staff_required(Role.ADMIN, Role.AUTHOR)
def index() -> str:
    course = _course_or_404()
    return render_template("authoring/modules/index.html", rows=drafts.module_summaries(course))


@bp.route("/new", methods=["GET", "POST"])
@staff_required(Role.ADMIN, Role.AUTHOR)
def new() -> str | Response:
    course = _course_or_404()
    form = NewModuleForm()
    if form.validate_on_submit():
        try:
            module = drafts.create_module(course, form.slug.data, form.title.data, current_user)
        except drafts.DraftRefused as refusal:
            for name, messages in refusal.errors.items():
                form[name].errors = list(messages)
        else:
            flash(
                _("Module created. Add its details, lessons and questions, then publish it."),
                "success",
            )
            return _back_to(module)
    return render_template("authoring/modules/new.html", form=form)


@bp.get("/<int:module_id>/")
@staff_required(Role.ADMIN, Role.AUTHOR)
def module(module_id: int) -> str:
    module = module_or_404(module_id)
    editing = drafts.editing(module)
    return render_template(
        "authoring/modules/module.html",
        module=module,
        editing=editing,
        problems=drafts.publish_problems(module) if editing.draft else [],
        form=DraftForm(revision=editing.revision),
        regions=preview.regions_of(module),
    )


@bp.route("/<int:module_id>/details", methods=["GET", "POST"])
@staff_required(Role.ADMIN, Role.AUTHOR)
def details(module_id: int) -> tuple[str, int] | Response:
    module = module_or_404(module_id)
    editing = drafts.editing(module)
    form = ModuleDetailsForm()
    status = 200
    if not form.is_submitted():
        form.revision.data = str(editing.revision)
        form.fill_from(editing.document["metadata"], editing.document["required"])
    elif form.validate():
        try:
            drafts.save_metadata(
                module, form.revision_number(), current_user, form.metadata(), form.required.data
            )
        except drafts.StaleDraft as error:
            flash(stale_draft_message(error), "error")
            status = 409
        else:
            flash(_("The module's details are saved in the draft."), "success")
            return _back_to(module)
    page = render_template("authoring/modules/details.html", module=module, form=form)
    return page, status


@bp.post("/<int:module_id>/publish")
@staff_required(Role.ADMIN, Role.AUTHOR)
def publish(module_id: int) -> Response:
    module = module_or_404(module_id)
    form = DraftForm()
    if form.validate_on_submit():
        try:
            version = drafts.publish(module, form.revision_number(), current_user)
        except drafts.StaleDraft as error:
            flash(stale_draft_message(error), "error")
        except ContentError as error:
            flash(
                _(
                    "The draft was not published: fix the %(count)d problems listed under "
                    "Publish, then try again.",
                    count=len(error.problems),
                ),
                "error",
            )
        except drafts.NothingToPublish:
            flash(_("The draft matched what learners already see, so it was closed."), "success")
        else:
            flash(
                _("Version %(number)d is published. Learners see it now.", number=version.number),
                "success",
            )
    return _back_to(module)


@bp.post("/<int:module_id>/discard")
@staff_required(Role.ADMIN, Role.AUTHOR)
def discard(module_id: int) -> Response:
    module = module_or_404(module_id)
    form = DraftForm()
    if form.validate_on_submit():
        try:
            drafts.discard_draft(module, form.revision_number(), current_user)
        except drafts.StaleDraft as error:
            flash(stale_draft_message(error), "error")
        else:
            flash(_("The unpublished changes were thrown away."), "success")
    return _back_to(module)


@bp.post("/<int:module_id>/archive")
@staff_required(Role.ADMIN, Role.AUTHOR)
def archive(module_id: int) -> Response:
    module = module_or_404(module_id)
    if ButtonForm().validate_on_submit():
        archived = request.form.get("archived") == "yes"
        drafts.set_archived(module, archived, current_user)
        flash(
            _("The module is archived: learners no longer see it. Their records of it stay.")
            if archived
            else _("The module is back on the course for learners."),
            "success",
        )
    return _back_to(module)


@bp.get("/<int:module_id>/versions/")
@staff_required(Role.ADMIN, Role.AUTHOR)
def versions(module_id: int) -> str:
    module = module_or_404(module_id)
    entries = history.version_history(module)
    return render_template(
        "authoring/modules/versions.html",
        module=module,
        entries=entries,
        form=DraftForm(revision=drafts.editing(module).revision) if entries else None,
    )


@bp.get("/<int:module_id>/versions/compare")
@staff_required(Role.ADMIN, Role.AUTHOR)
def compare(module_id: int) -> str:
    module = module_or_404(module_id)
    latest = module.current_version.number if module.current_version else 1
    old_number = request.args.get("old", type=int) or max(latest - 1, 1)
    new_number = request.args.get("new", type=int) or latest
    old, new = _version_or_404(module, old_number), _version_or_404(module, new_number)
    return render_template(
        "authoring/modules/compare.html",
        module=module,
        old=old,
        new=new,
        numbers=[entry.version.number for entry in history.version_history(module)],
        diffs=history.version_diff(old, new),
    )


@bp.post("/<int:module_id>/versions/<int:number>/restore")
@staff_required(Role.ADMIN, Role.AUTHOR)
def restore(module_id: int, number: int) -> Response:
    module = module_or_404(module_id)
    version = _version_or_404(module, number)
    form = DraftForm()
    if form.validate_on_submit():
        try:
            drafts.restore_version(module, version, form.revision_number(), current_user)
        except drafts.StaleDraft as error:
            flash(stale_draft_message(error), "error")
            return redirect(url_for("admin_modules.versions", module_id=module.id))
        flash(
            _(
                "The draft now holds version %(number)d. Learners still see the published "
                "version until you publish.",
                number=number,
            ),
            "success",
        )
    return _back_to(module)


@bp.get("/<int:module_id>/preview")
@staff_required(Role.ADMIN, Role.AUTHOR)
def preview_module(module_id: int) -> str:
    module = module_or_404(module_id)
    return render_template(
        "authoring/modules/preview_module.html",
        module=module,
        document=drafts.editing(module).document,
        region=preview_region(),
        regions=preview.regions_of(module),
    )


@bp.get("/<int:module_id>/preview/lessons/<int:number>")
@staff_required(Role.ADMIN, Role.AUTHOR)
def preview_lesson(module_id: int, number: int) -> str:
    module = module_or_404(module_id)
    document = drafts.editing(module).document
    region = preview_region()
    pictures = draft_picture_urls(module, document)
    try:
        html = preview.lesson_html(document, number, region, pictures)
    except LookupError:
        abort(404)
    lesson = document["lessons"][number - 1]
    return render_template(
        "authoring/modules/preview_lesson.html",
        module=module,
        document=document,
        number=number,
        lesson=lesson,
        html=html,
        scenario_preview=(
            scenario_editor.preview_of(lesson["scenario"], region, pictures)
            if lesson.get("scenario") is not None
            else None
        ),
        region=region,
        regions=preview.regions_of(module),
    )


@bp.get("/<int:module_id>/draft/pictures/<picture_name>")
@staff_required(Role.ADMIN, Role.AUTHOR)
@served_as_inert_image
def draft_picture(module_id: int, picture_name: str) -> Response:
    """One of the draft's pictures, for its previews, under the same inert policy as the
    published ones (:func:`course.learning.views.picture`)."""
    pictures = drafts.editing(module_or_404(module_id)).document.get("pictures", {})
    svg = pictures.get(picture_name)
    if svg is None:
        abort(404)
    return Response(svg, mimetype="image/svg+xml")


@bp.get("/<int:module_id>/preview/quiz")
@staff_required(Role.ADMIN, Role.AUTHOR)
def preview_quiz(module_id: int) -> str:
    module = module_or_404(module_id)
    document = drafts.editing(module).document
    region = preview_region()
    return render_template(
        "authoring/modules/preview_quiz.html",
        module=module,
        document=document,
        questions=preview.questions_for(document, region),
        region=region,
        regions=preview.regions_of(module),
    )
