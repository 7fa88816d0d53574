"""Language selection for Flask-Babel."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_babel import get_locale


def select_locale() -> str:
    """Choose the interface language: the best match for the browser's Accept-Language.

    Outside a request (commands, the mail sender) it is the default language.
    """
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or default


def current_language() -> str:
    """The language of the page being rendered, for ``<html lang>``."""
    locale = get_locale()
    return locale.language if locale else "en"
