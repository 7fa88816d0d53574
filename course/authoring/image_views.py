"""Images for lessons, for authors and admins signed in with two factors: upload one, and see
every image with the Markdown that shows it in a lesson."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from course.accounts.access import staff_required
from course.accounts.models import Role
from course.accounts.sessions import two_factor_passed
from course.authoring.forms import ImageUploadForm
from course.authoring.images import (
    MAX_BYTES,
    ImageRefused,
    media_markdown,
    media_page,
    store_image,
)
from course.core.errors import render_http_error
from course.core.paging import page_number

ErrorResponse = tuple[Response | str, int, list[tuple[str, str]]]

bp = Blueprint("admin_images", __name__, url_prefix="/admin/images")


def _images_page(form: ImageUploadForm) -> str:
    return render_template(
        "authoring/images/index.html",
        form=form,
        page=media_page(page_number(request.args.get("page"))),
    )


@bp.get("/")
@staff_required(Role.ADMIN, Role.AUTHOR)
def index() -> str:
    return _images_page(ImageUploadForm(formdata=None))


@bp.post("/")
@staff_required(Role.ADMIN, Role.AUTHOR)
def upload() -> str | Response:
    form = ImageUploadForm()
    if form.validate_on_submit():
        # One byte over the limit is enough for the service to refuse the file as too large.
        data = form.image.data.stream.read(MAX_BYTES + 1)
        try:
            media = store_image(data, form.alt_text.data or "", current_user)
        except ImageRefused as refusal:
            getattr(form, refusal.field).errors.append(str(refusal))
        else:
            flash(
                _(
                    "The image is uploaded. Show it in a lesson with %(markdown)s",
                    markdown=media_markdown(media),
                ),
                "success",
            )
            return redirect(url_for(".index"))
    return _images_page(form)


def _may_upload() -> bool:
    # The handler below can run before the view's decorators (the CSRF check reads the body
    # first), so it checks what they would.
    return bool(
        current_user.is_authenticated
        and current_user.has_role(Role.ADMIN, Role.AUTHOR)
        and current_user.two_factor_enabled
        and two_factor_passed()
    )


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int] | ErrorResponse:
    """A body over the site's limit is refused before the form can be read: say so at the field."""
    if not _may_upload():
        return render_http_error(error)
    form = ImageUploadForm(formdata=None)
    form.image.errors = [_("The image must be 2 MB or smaller.")]
    return _images_page(form), 413
