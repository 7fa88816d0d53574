"""Language selection for Flask-Babel."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import get_locale


def select_locale() -> str:
    """Choose the interface language: the best match for the browser's Accept-Language."""
    supported = current_app.config["LANGUAGES"]
    return (
        request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def current_language() -> str:
    """The language of the page being rendered, for ``<html lang>``."""
    locale = get_locale()
    return locale.language if locale else "en"
