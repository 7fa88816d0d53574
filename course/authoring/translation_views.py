"""Translating a module on the web: each language's state (current, stale, missing), and one
part's translation edited beside its English (:mod:`course.authoring.translation_editor`).

Authors and admins only, signed in with two factors, like every page of a module's authoring.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from course.accounts.access import staff_required
from course.accounts.models import Role
from course.authoring import drafts
from course.authoring import translation_editor as editor
from course.authoring.forms import DraftForm
from course.authoring.module_views import module_or_404, stale_draft_message
from course.catalogue.models import Course, Module
from course.core.i18n import language_name

bp = Blueprint("admin_translations", __name__, url_prefix="/admin/modules")

#: The form field of each string of a part is named after its path, with this before it.
FIELD_PREFIX = "t-"


def _language_or_404(module: Module, language: str) -> Course:
    course = module.course
    if not editor.is_translation_language(course, language):
        abort(404)
    return course


@bp.get("/<int:module_id>/translations/")
@staff_required(Role.ADMIN, Role.AUTHOR)
def index(module_id: int) -> str:
    module = module_or_404(module_id)
    source = drafts.editing(module).source
    languages = editor.translation_languages(module.course)
    return render_template(
        "authoring/translations/index.html",
        module=module,
        translation_states=[
            (code, language_name(code), editor.counts(source, code)) for code in languages
        ],
    )


@bp.get("/<int:module_id>/translations/<language>/")
@staff_required(Role.ADMIN, Role.AUTHOR)
def language(module_id: int, language: str) -> str:
    module = module_or_404(module_id)
    _language_or_404(module, language)
    source = drafts.editing(module).source
    return render_template(
        "authoring/translations/language.html",
        module=module,
        language=language,
        language_label=language_name(language),
        rows=editor.part_rows(source, language),
        kind_labels=editor.KIND_LABELS,
    )


@bp.route("/<int:module_id>/translations/<language>/<part>", methods=["GET", "POST"])
@staff_required(Role.ADMIN, Role.AUTHOR)
def edit(module_id: int, language: str, part: str) -> tuple[str, int] | Response:
    module = module_or_404(module_id)
    _language_or_404(module, language)
    editing = drafts.editing(module)
    fields = editor.fields_of(editing.source, language, part)
    if fields is None:
        abort(404)
    form = DraftForm()
    errors: dict[str, list[str]] = {}
    status = 200
    if not form.is_submitted():
        form.revision.data = str(editing.revision)
    elif form.validate():
        values = {
            name.removeprefix(FIELD_PREFIX): value
            for name, value in request.form.items()
            if name.startswith(FIELD_PREFIX)
        }
        try:
            editor.save_translation(
                module, form.revision_number(), current_user, language, part, values
            )
        except drafts.StaleDraft as error:
            flash(stale_draft_message(error), "error")
            status = 409
        except drafts.DraftRefused as refusal:
            errors, status = refusal.errors, 400
        else:
            flash(_("The translation is saved in the draft."), "success")
            return redirect(
                url_for("admin_translations.language", module_id=module.id, language=language)
            )
        fields = [
            editor.Field(
                field.path,
                field.english,
                request.form.get(FIELD_PREFIX + field.path, ""),
                field.markdown,
            )
            for field in fields
        ]
    else:
        status = 400
    page = render_template(
        "authoring/translations/edit.html",
        module=module,
        language=language,
        language_label=language_name(language),
        part=part,
        kind_label=editor.KIND_LABELS[part.partition(":")[0]],
        status=editor.status_of(editing.source, language, part),
        fields=fields,
        field_prefix=FIELD_PREFIX,
        errors=errors,
        form=form,
    )
    return page, status
