"""Serving the images lessons show, to everyone, at ``/media/<name>``.

A name always means the same bytes, so browsers may keep an image for a year without asking again.
Each image is sent with the type Pillow found when it was stored, never sniffed, and a policy that
lets nothing in it run, even when it is opened on its own.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from course.authoring.images import media_file
from course.core.access import public
from course.core.security import served_as_inert_image

bp = Blueprint("media", __name__, url_prefix="/media")

ONE_YEAR_SECONDS = 365 * 24 * 60 * 60


@bp.get("/<name>")
@public
@served_as_inert_image
def image(name: str) -> Response:
    media = media_file(name)
    if media is None:
        abort(404)
    response = Response(media.data, mimetype=media.content_type)
    response.headers["Content-Disposition"] = f'inline; filename="{media.name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR_SECONDS
    response.cache_control.immutable = True
    response.set_etag(media.name)
    return response.make_conditional(request)
