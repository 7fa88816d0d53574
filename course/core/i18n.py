"""Language selection for Flask-Babel, and translations looked up once per page."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context

#: The template context's name for the page's translations (see :func:`install_page_translations`).
PAGE_TRANSLATIONS = "_page_translations"


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


def install_page_translations(app: Flask) -> None:
    """Have templates look up the active translations once per page, not once per string.

    Flask-Babel's template ``_()`` finds the request's locale and catalogue again for every string
    (a page has dozens). Here the catalogue is put in each page's context when it is rendered, so
    a string costs one dictionary lookup; a language forced for part of a request (an email in
    the recipient's language) is rendered with its own context and gets its own catalogue. A macro
    imported without the page's context falls back to Flask-Babel's own lookup.
    """
    app.context_processor(lambda: {PAGE_TRANSLATIONS: get_translations()})
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext,
        ngettext=_ngettext,
        pgettext=_pgettext,
        npgettext=_npgettext,
        newstyle=True,
    )


def _translations_of(context: Context):  # type: ignore[no-untyped-def]
    return context.get(PAGE_TRANSLATIONS) or get_translations()


@pass_context
def _gettext(context: Context, string: str) -> str:
    return str(_translations_of(context).ugettext(string))


@pass_context
def _ngettext(context: Context, singular: str, plural: str, number: int) -> str:
    return str(_translations_of(context).ungettext(singular, plural, number))


@pass_context
def _pgettext(context: Context, message_context: str, string: str) -> str:
    return str(_translations_of(context).upgettext(message_context, string))


@pass_context
def _npgettext(
    context: Context, message_context: str, singular: str, plural: str, number: int
) -> str:
    return str(_translations_of(context).unpgettext(message_context, singular, plural, number))
