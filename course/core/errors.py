"""Error pages that say what happened and what to do, and leak nothing about the system.

Browsers get an HTML page from ``templates/errors/<code>.html``; clients that prefer JSON (the
verification API, scripts) get ``{"error": <code>, "message": ...}``.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from course.core.logs import loggable_path
from course.extensions import db

log = logging.getLogger(__name__)

ERROR_SUMMARIES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have permission to see this page."),
    404: _l("Page not found."),
    405: _l("This page does not accept that kind of request."),
    413: _l("What you sent is too large."),
    429: _l("Too many requests. Please wait a minute and try again."),
    500: _l("Something went wrong on our side."),
}
UNTRUSTED_HOST_SUMMARY = _l("This site does not answer to the address in the request.")
CSRF_SUMMARY = _l(
    "The form had expired or did not come from this site. Go back, reload the page and try again."
)
KEPT_ERROR_HEADERS = ("Allow", "Retry-After")


def register_error_pages(app: Flask) -> None:
    """Handle every HTTP error with a page of its own, and any unexpected exception as a 500."""
    for code in ERROR_SUMMARIES:
        if code != 500:
            app.register_error_handler(code, render_http_error)
    app.register_error_handler(CSRFError, render_csrf_error)
    app.register_error_handler(SecurityError, render_untrusted_host)
    app.register_error_handler(InternalServerError, render_server_error)


def render_http_error(error: HTTPException) -> tuple[Response | str, int, list[tuple[str, str]]]:
    code = error.code or 500
    headers = [(name, value) for name, value in error.get_headers() if name in KEPT_ERROR_HEADERS]
    return _error_response(code, str(ERROR_SUMMARIES[code])), code, headers


def render_csrf_error(_error: CSRFError) -> tuple[Response | str, int]:
    return _error_response(400, str(CSRF_SUMMARY), template="errors/csrf.html"), 400


def render_untrusted_host(_error: SecurityError) -> tuple[Response | str, int]:
    """A request for a host outside ``TRUSTED_HOSTS``: Flask could not route it, so the page builds
    no links (there is no address to build them on) and says what an operator should change."""
    log.warning(
        "Refused a request for a host not in TRUSTED_HOSTS (set COURSE_TRUSTED_HOSTS "
        "if this site should answer to it)"
    )
    return (
        _error_response(400, str(UNTRUSTED_HOST_SUMMARY), template="errors/untrusted_host.html"),
        400,
    )


def render_server_error(error: InternalServerError) -> tuple[Response | str, int]:
    # Nothing of a failed request may be half-saved.
    db.session.rollback()
    original = getattr(error, "original_exception", None)
    if original is not None:
        log.error(
            "Unhandled exception on %s %s", request.method, loggable_path(), exc_info=original
        )
    return _error_response(500, str(ERROR_SUMMARIES[500])), 500


def _error_response(code: int, message: str, template: str | None = None) -> Response | str:
    wants_json = (
        request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    )
    if wants_json:
        return jsonify(error=code, message=message)
    return render_template(template or f"errors/{code}.html", code=code)
