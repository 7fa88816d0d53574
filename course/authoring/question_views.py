"""A module's question bank, edited on the web by authors and admins signed in with two factors.

The editor page is built from the question type's own field list (see
:mod:`course.authoring.question_editor`), so a new question type needs no new page here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from course.accounts.access import staff_required
from course.accounts.models import Role
from course.authoring.drafts import DraftRefused, Editing, StaleDraft, editing
from course.authoring.forms import DraftForm
from course.authoring.lesson_and_question_edits import delete_question, move_question, save_question
from course.authoring.module_views import module_or_404, stale_draft_message
from course.authoring.preview import regions_of
from course.authoring.question_editor import (
    editor_fields,
    other_question_ids,
    question_from_form,
    region_banks,
)
from course.catalogue.models import Module
from course.catalogue.question_types import QuestionType, all_question_types
from course.core.regions import Region

bp = Blueprint("admin_questions", __name__, url_prefix="/admin/modules/<int:module_id>/questions")

MOVES = {"up": -1, "down": 1}


def _schema_or_404(type_name: str) -> type[QuestionType]:
    schema = all_question_types().get(type_name)
    if schema is None:
        abort(404)
    return schema


def _question_or_404(current: Editing, number: int) -> dict[str, Any]:
    questions = current.document["questions"]
    if not 1 <= number <= len(questions):
        abort(404)
    return questions[number - 1]


def _bank_page(module: Module, current: Editing, status: int = 200) -> tuple[str, int]:
    document = current.document
    drawn = int(document["metadata"]["questions_per_attempt"])
    regions = module.course.regions or [region.value for region in Region]
    return (
        render_template(
            "authoring/questions/index.html",
            module=module,
            title=document["metadata"]["title"],
            questions=document["questions"],
            question_types=all_question_types(),
            banks=region_banks(document["questions"], regions, drawn),
            drawn=drawn,
            region_names={region.value: region.label for region in Region},
            form=DraftForm(formdata=None, revision=current.revision),
        ),
        status,
    )


def _editor_page(
    module: Module,
    current: Editing,
    schema: type[QuestionType],
    number: int | None,
    question: dict[str, Any],
    form: DraftForm,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    fields = editor_fields(schema, question, errors)
    shown = {field.name for field in fields}
    other_errors = [
        message
        for name, messages in (errors or {}).items()
        if name not in shown
        for message in messages
    ]
    return (
        render_template(
            "authoring/questions/edit.html",
            module=module,
            title=current.document["metadata"]["title"],
            schema=schema,
            number=number,
            fields=fields,
            other_errors=other_errors,
            regions=regions_of(module),
            form=form,
        ),
        status,
    )


def _save(
    module: Module, current: Editing, schema: type[QuestionType], number: int | None
) -> Response | tuple[str, int]:
    form = DraftForm()
    if not form.validate_on_submit():
        abort(400)
    taken_ids = other_question_ids(current.document["questions"], number)
    question = question_from_form(schema.name, request.form, taken_ids)
    try:
        saved = save_question(module, form.revision_number(), current_user, number, question)
    except DraftRefused as refusal:
        return _editor_page(module, current, schema, number, question, form, refusal.errors)
    except StaleDraft as error:
        flash(stale_draft_message(error), "error")
        return _editor_page(module, current, schema, number, question, form, status=409)
    if request.form.get("id", "").strip():
        flash(_("Question %(number)d is saved.", number=saved), "success")
    else:
        flash(
            _(
                "Question %(number)d is saved, with the identifier %(id)s made from its words.",
                number=saved,
                id=question["id"],
            ),
            "success",
        )
    return redirect(url_for(".index", module_id=module.id, _anchor=f"question-{saved}"))


@bp.get("/")
@staff_required(Role.ADMIN, Role.AUTHOR)
def index(module_id: int) -> tuple[str, int]:
    module = module_or_404(module_id)
    return _bank_page(module, editing(module))


@bp.get("/new")
@staff_required(Role.ADMIN, Role.AUTHOR)
def choose_type(module_id: int) -> str:
    module = module_or_404(module_id)
    return render_template(
        "authoring/questions/choose_type.html",
        module=module,
        title=editing(module).document["metadata"]["title"],
        question_types=all_question_types(),
    )


@bp.route("/new/<type_name>", methods=["GET", "POST"])
@staff_required(Role.ADMIN, Role.AUTHOR)
def new(module_id: int, type_name: str) -> Response | tuple[str, int]:
    module = module_or_404(module_id)
    schema = _schema_or_404(type_name)
    current = editing(module)
    if request.method == "POST":
        return _save(module, current, schema, None)
    form = DraftForm(formdata=None, revision=current.revision)
    return _editor_page(module, current, schema, None, {"type": schema.name}, form)


@bp.route("/<int:number>", methods=["GET", "POST"])
@staff_required(Role.ADMIN, Role.AUTHOR)
def edit(module_id: int, number: int) -> Response | tuple[str, int]:
    module = module_or_404(module_id)
    current = editing(module)
    question = _question_or_404(current, number)
    schema = _schema_or_404(str(question.get("type", "")))
    if request.method == "POST":
        return _save(module, current, schema, number)
    form = DraftForm(formdata=None, revision=current.revision)
    return _editor_page(module, current, schema, number, question, form)


@bp.post("/<int:number>/move")
@staff_required(Role.ADMIN, Role.AUTHOR)
def move(module_id: int, number: int) -> Response | tuple[str, int]:
    module = module_or_404(module_id)
    current = editing(module)
    _question_or_404(current, number)
    form = DraftForm()
    offset = MOVES.get(request.form.get("direction", ""))
    if not form.validate_on_submit() or offset is None:
        abort(400)
    try:
        move_question(module, form.revision_number(), current_user, number, offset)
    except StaleDraft as error:
        flash(stale_draft_message(error), "error")
        return _bank_page(module, current, status=409)
    moved_to = min(max(number + offset, 1), len(current.document["questions"]))
    flash(_("Question %(old)d is now question %(new)d.", old=number, new=moved_to), "success")
    return redirect(url_for(".index", module_id=module.id, _anchor=f"question-{moved_to}"))


@bp.route("/<int:number>/delete", methods=["GET", "POST"])
@staff_required(Role.ADMIN, Role.AUTHOR)
def delete(module_id: int, number: int) -> Response | tuple[str, int]:
    module = module_or_404(module_id)
    current = editing(module)
    question = _question_or_404(current, number)
    if request.method == "GET":
        return (
            render_template(
                "authoring/questions/delete.html",
                module=module,
                title=current.document["metadata"]["title"],
                number=number,
                question=question,
                question_types=all_question_types(),
                form=DraftForm(formdata=None, revision=current.revision),
            ),
            200,
        )
    form = DraftForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        removed_id = delete_question(module, form.revision_number(), current_user, number)
    except StaleDraft as error:
        flash(stale_draft_message(error), "error")
        return _bank_page(module, current, status=409)
    flash(_("The question %(id)s is deleted.", id=removed_id), "success")
    return redirect(url_for(".index", module_id=module.id))
