"""Writing a module's lessons: add, edit with a preview rendered exactly as learners see it,
reorder and delete. Every change goes into the module's draft."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from course.accounts.access import staff_required
from course.accounts.models import Role
from course.authoring import drafts, preview, scenario_editor
from course.authoring.forms import DraftForm, LessonForm, ScenarioForm
from course.authoring.lesson_and_question_edits import (
    delete_lesson,
    heading_errors,
    lesson_errors,
    move_lesson,
    save_lesson,
    save_scenario,
)
from course.authoring.module_views import (
    draft_picture_urls,
    module_or_404,
    preview_region,
    stale_draft_message,
)
from course.catalogue.bundle import LessonKind
from course.catalogue.markdown import render_for_region
from course.catalogue.models import Module

bp = Blueprint("admin_lessons", __name__, url_prefix="/admin/modules/<int:module_id>/lessons")

PREVIEW_ACTION = "preview"


def _back_to(module: Module) -> Response:
    return redirect(url_for("admin_modules.module", module_id=module.id, _anchor="lessons"))


def _saved(module: Module, form: DraftForm, save: Callable[[], int]) -> tuple[Response | None, int]:
    """Run ``save``: on success, say so and go back to the module; otherwise put its complaints
    on the form's fields (200) or explain that the draft moved on (409), and stay."""
    try:
        number = save()
    except drafts.DraftRefused as refusal:
        for name, messages in refusal.errors.items():
            form[name].errors = list(messages)
        return None, 200
    except drafts.StaleDraft as error:
        flash(stale_draft_message(error), "error")
        return None, 409
    flash(_("Lesson %(number)d is saved in the draft.", number=number), "success")
    return _back_to(module), 200


def _lesson_page(
    module: Module, form: LessonForm, number: int | None
) -> tuple[str, int] | Response:
    """The lesson editor: show it, preview it, or save it into the draft."""
    editing = drafts.editing(module)
    lessons = editing.document["lessons"]
    status, preview_html = 200, None
    region = preview_region()
    module_sources = editing.document["metadata"]["sources"]
    form.sources.choices = [
        (
            source["id"],
            _("%(title)s (%(kind)s)", title=source["title"], kind=source.get("kind", "")),
        )
        for source in module_sources
        if source.get("id")
    ]
    if not form.is_submitted():
        form.revision.data = str(editing.revision)
        if number is not None:
            lesson = lessons[number - 1]
            form.title.data, form.slug.data = lesson["title"], lesson["slug"]
            form.markdown.data = lesson["markdown"]
            form.scenario.data = lesson.get("kind") == LessonKind.SCENARIO
            form.sources.data = list(lesson.get("sources", []))
    elif form.validate():
        if request.form.get("action") == PREVIEW_ACTION:
            errors = lesson_errors(
                editing.document,
                number,
                form.title.data,
                form.slug.data,
                form.markdown.data,
                sources=form.sources.data,
            )
            for name, messages in errors.items():
                form[name].errors = list(messages)
            if not errors:
                preview_html = render_for_region(
                    form.markdown.data, region, draft_picture_urls(module, editing.document)
                )
        else:
            saved, status = _saved(
                module,
                form,
                lambda: save_lesson(
                    module,
                    form.revision_number(),
                    current_user,
                    number,
                    form.title.data,
                    form.slug.data,
                    form.markdown.data,
                    kind=LessonKind.SCENARIO if form.scenario.data else LessonKind.FACTS,
                    sources=form.sources.data,
                ),
            )
            if saved is not None:
                return saved
    page = render_template(
        "authoring/lessons/edit.html",
        module=module,
        form=form,
        number=number,
        preview_html=preview_html,
        region=region,
        regions=preview.regions_of(module),
    )
    return page, status


def _scenario_page(
    module: Module, form: ScenarioForm, number: int | None
) -> tuple[str, int] | Response:
    """The scenario editor: show it (an existing scenario with its preview), preview the text
    as it stands, or save it into the draft."""
    editing = drafts.editing(module)
    status, scenario = 200, None
    region = preview_region()
    if not form.is_submitted():
        form.revision.data = str(editing.revision)
        if number is None:
            form.steps.data = scenario_editor.STARTER_STEPS
        else:
            lesson = editing.document["lessons"][number - 1]
            form.title.data, form.slug.data = lesson["title"], lesson["slug"]
            scenario = lesson["scenario"]
            form.steps.data = scenario_editor.steps_text(scenario)
    elif form.validate():
        if request.form.get("action") == PREVIEW_ACTION:
            errors = heading_errors(editing.document, number, form.title.data, form.slug.data)
            scenario, steps_problems = scenario_editor.read_steps_text(form.steps.data)
            if steps_problems:
                errors["steps"] = steps_problems
            for name, messages in errors.items():
                form[name].errors = list(messages)
        else:
            saved, status = _saved(
                module,
                form,
                lambda: save_scenario(
                    module,
                    form.revision_number(),
                    current_user,
                    number,
                    form.title.data,
                    form.slug.data,
                    form.steps.data,
                ),
            )
            if saved is not None:
                return saved
    pictures = draft_picture_urls(module, editing.document)
    page = render_template(
        "authoring/lessons/scenario.html",
        module=module,
        form=form,
        number=number,
        scenario_preview=(
            scenario_editor.preview_of(scenario, region, pictures)
            if scenario is not None and not form.errors
            else None
        ),
        region=region,
        regions=preview.regions_of(module),
    )
    return page, status


@bp.route("/new", methods=["GET", "POST"])
@staff_required(Role.ADMIN, Role.AUTHOR)
def new(module_id: int) -> tuple[str, int] | Response:
    return _lesson_page(module_or_404(module_id), LessonForm(), None)


@bp.route("/new-scenario", methods=["GET", "POST"])
@staff_required(Role.ADMIN, Role.AUTHOR)
def new_scenario(module_id: int) -> tuple[str, int] | Response:
    return _scenario_page(module_or_404(module_id), ScenarioForm(), None)


@bp.route("/<int:number>", methods=["GET", "POST"])
@staff_required(Role.ADMIN, Role.AUTHOR)
def edit(module_id: int, number: int) -> tuple[str, int] | Response:
    """A lesson's editor, or a scenario's for a lesson that is a branching scenario."""
    module = module_or_404(module_id)
    lessons = drafts.editing(module).document["lessons"]
    if not 1 <= number <= len(lessons):
        abort(404)
    if lessons[number - 1].get("scenario") is not None:
        return _scenario_page(module, ScenarioForm(), number)
    return _lesson_page(module, LessonForm(), number)


@bp.post("/<int:number>/move")
@staff_required(Role.ADMIN, Role.AUTHOR)
def move(module_id: int, number: int) -> Response:
    module = module_or_404(module_id)
    if not 1 <= number <= len(drafts.editing(module).document["lessons"]):
        abort(404)
    form = DraftForm()
    if form.validate_on_submit():
        offset = -1 if request.form.get("direction") == "up" else 1
        try:
            move_lesson(module, form.revision_number(), current_user, number, offset)
        except LookupError:
            abort(404)
        except drafts.StaleDraft as error:
            flash(stale_draft_message(error), "error")
        else:
            flash(_("The lesson is moved."), "success")
    return _back_to(module)


@bp.route("/<int:number>/delete", methods=["GET", "POST"])
@staff_required(Role.ADMIN, Role.AUTHOR)
def delete(module_id: int, number: int) -> str | Response:
    module = module_or_404(module_id)
    editing = drafts.editing(module)
    if not 1 <= number <= len(editing.document["lessons"]):
        abort(404)
    form = DraftForm()
    if form.validate_on_submit():
        try:
            title = delete_lesson(module, form.revision_number(), current_user, number)
        except LookupError:
            abort(404)
        except drafts.StaleDraft as error:
            flash(stale_draft_message(error), "error")
        else:
            flash(_("The lesson %(title)s is deleted from the draft.", title=title), "success")
        return _back_to(module)
    form.revision.data = str(editing.revision)
    return render_template(
        "authoring/lessons/delete.html",
        module=module,
        lesson=editing.document["lessons"][number - 1],
        number=number,
        form=form,
    )
