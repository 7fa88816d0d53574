"""Cross-cutting concerns every feature relies on: database, security, languages, access, errors."""

from __future__ import annotations

import logging

from flask import Flask, current_app
from flask_babel import format_date, format_datetime, format_number

from course.core.database import init_database
from course.core.i18n import (
    content_attributes,
    current_direction,
    current_language,
    install_page_translations,
    language_switch,
    language_tag,
    select_locale,
)
from course.core.logs import init_logging
from course.core.page_cache import init_page_cache
from course.core.page_panels import init_page_panels
from course.core.security import init_security
from course.core.urls import absolute_url, site_address
from course.extensions import babel, limiter

log = logging.getLogger(__name__)


def init_core(app: Flask) -> None:
    """Bind the extensions to ``app`` and install the hooks every request goes through."""
    init_logging(app)  # first, so a request's clock starts before any other hook runs
    init_database(app)
    init_security(app)
    limiter.init_app(app)
    init_page_cache(app)
    babel.init_app(app, locale_selector=select_locale)
    install_page_translations(app)
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["current_direction"] = current_direction
    app.jinja_env.globals["content_attributes"] = content_attributes
    app.jinja_env.globals["language_tag"] = language_tag
    app.jinja_env.globals["language_switch"] = language_switch
    app.jinja_env.globals["absolute_url"] = absolute_url
    app.jinja_env.globals["site_address"] = site_address
    app.jinja_env.globals["format_date"] = format_date
    app.jinja_env.globals["format_datetime"] = format_datetime
    app.jinja_env.globals["format_number"] = format_number
    init_page_panels(app)
    app.context_processor(_site_settings)
    if not app.config["CONTACT_EMAIL"]:
        log.warning(
            "COURSE_CONTACT_EMAIL is not set: the privacy and accessibility pages can only tell "
            "people to look up who owns this site's address, and replies to its emails go "
            "nowhere. Set it to an address people can write to."
        )


def _site_settings() -> dict[str, object]:
    return {"contact_email": current_app.config["CONTACT_EMAIL"]}
