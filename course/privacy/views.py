"""The pages that say who runs the course, what it keeps about you, and how accessible it is;
and the download of everything it keeps about you."""

from __future__ import annotations

import json

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from course.core.access import login_required, public, signed_in_account
from course.core.database import utcnow
from course.core.errors import render_http_error
from course.core.forms import ButtonForm
from course.core.page_cache import cached_for_visitors
from course.extensions import limiter
from course.privacy.export import personal_data_export

bp = Blueprint("privacy", __name__)

#: How often one person may download their data.
DOWNLOADS_PER_HOUR = 10


@bp.get("/privacy")
@public
@cached_for_visitors
def privacy() -> str:
    return render_template("privacy/privacy.html")


@bp.get("/accessibility")
@public
@cached_for_visitors
def accessibility() -> str:
    return render_template("privacy/accessibility.html")


@bp.get("/about")
@public
@cached_for_visitors
def about() -> str:
    return render_template("privacy/about.html")


@bp.get("/account/data")
@login_required
def your_data() -> str:
    """What the download holds, and the button that asks for it."""
    return render_template("privacy/data.html", form=ButtonForm())


@bp.post("/account/data")
@login_required
@limiter.limit(f"{DOWNLOADS_PER_HOUR} per hour", key_func=signed_in_account)
def download_your_data() -> Response:
    """Everything held about the signed-in person, as a JSON attachment no cache may keep."""
    form = ButtonForm()
    if not form.validate_on_submit():
        return redirect(url_for("privacy.your_data"))
    now = utcnow()
    body = json.dumps(personal_data_export(current_user, now), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="ct-citizen-data-{now:%Y-%m-%d}.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.errorhandler(TooManyRequests)
def download_limit_reached(
    error: TooManyRequests,
) -> tuple[Response | str, int, list[tuple[str, str]]]:
    """Say how often the download may be made, rather than the site's general "wait a minute";
    any other page of this blueprint gets the general answer."""
    if request.endpoint != "privacy.download_your_data":
        return render_http_error(error)
    headers = [(name, value) for name, value in error.get_headers() if name == "Retry-After"]
    message = _(
        "You can download your data up to %(count)d times an hour. Try again later.",
        count=DOWNLOADS_PER_HOUR,
    )
    return render_template("privacy/download_limit.html", message=message), 429, headers
