"""Language selection for Flask-Babel, and translations looked up once per page.

The language of a page is, in order: the one the visitor chose with the header's switcher (kept
in their session), the one in their profile, the best match for their browser's
``Accept-Language``, and else the default (British English). Only the languages in ``LANGUAGES``
are offered; each is named in itself. Region and language are independent.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from urllib.parse import urlsplit

from babel import Locale
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
)
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from werkzeug.wrappers import Response

from course.core.access import public
from course.core.urls import local_path_or_none

#: The template context's name for the page's translations (see :func:`install_page_translations`).
PAGE_TRANSLATIONS = "_page_translations"
#: Where the visitor's choice of language is kept in their session.
CHOSEN_LANGUAGE = "language"

bp = Blueprint("language", __name__)


def offered_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


@functools.cache
def language_name(code: str) -> str:
    """The language named in itself, as its speakers write it at the start of a line:
    English, Cymraeg, العربية, Français."""
    name = Locale.parse(code).get_language_name(code) or code
    return name[:1].upper() + name[1:]


@functools.cache
def is_right_to_left(code: str) -> bool:
    return Locale.parse(code).character_order == "right-to-left"


def select_locale() -> str:
    """Choose the interface language (see the module's docstring). Outside a request (commands,
    the mail sender) it is the default language, unless a caller forces another."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    offered = offered_languages()
    chosen = session.get(CHOSEN_LANGUAGE)
    if chosen in offered:
        return str(chosen)
    profile = getattr(current_user, "language", None) if current_user else None
    if profile in offered:
        return str(profile)
    return best_offered(request.accept_languages, offered) or default


def best_offered(accepted: Iterable[tuple[str, float]], offered: Iterable[str]) -> str | None:
    """The offered language the browser prefers most (``accepted`` is Accept-Language's values,
    most preferred first): the same tag, or else the same language in another country (en-US is
    British English here, cy-GB Welsh). Werkzeug's own matching would prefer a language the
    browser ranks lower over a country variant of the one it ranks first."""
    codes = {code.replace("_", "-").lower(): code for code in offered}
    by_language: dict[str, str] = {}
    for tag, code in codes.items():
        by_language.setdefault(tag.split("-")[0], code)
    for value, _quality in accepted:
        tag = value.replace("_", "-").lower()
        found = codes.get(tag) or by_language.get(tag.split("-")[0])
        if found is not None:
            return found
    return None


@bp.get("/language/<code>")
@public
def choose(code: str) -> Response:
    """The header's switcher: show the site in ``code`` from now on, back on the page the visitor
    was on (the switcher's links are the same on every page, so pages stay alike for caching and
    for pages that must not differ, such as a certificate code's "not found"). A language that
    is not offered is not found."""
    if code not in offered_languages():
        abort(404)
    session[CHOSEN_LANGUAGE] = code
    return redirect(_same_site_page(request.referrer) or "/")


def _same_site_page(referrer: str | None) -> str | None:
    """The path (and query) of ``referrer`` when it is a page of this site, else ``None``."""
    if not referrer:
        return None
    address = urlsplit(referrer)
    if address.netloc and address.netloc != request.host:
        return None
    return local_path_or_none(address.path + (f"?{address.query}" if address.query else ""))


def current_language() -> str:
    """The language of the page being rendered, for ``<html lang>``."""
    locale = get_locale()
    return locale.language if locale else "en"


def current_direction() -> str:
    """``rtl`` or ``ltr``: the direction of the page's language, for ``<html dir>``."""
    locale = get_locale()
    return "rtl" if locale is not None and locale.character_order == "right-to-left" else "ltr"


#: The language the course is written in (its translations say their own).
COURSE_LANGUAGE = "en"


def content_attributes(language: str = COURSE_LANGUAGE) -> Markup:
    """``lang`` and ``dir`` for course content written in ``language`` on a page in another (a
    lesson in English on a page in Arabic), so it is read and laid out as its own language;
    nothing on a page in the same language."""
    if language.split("_")[0] == current_language():
        return Markup("")
    direction = "rtl" if is_right_to_left(language) else "ltr"
    return Markup(' lang="{}" dir="{}"').format(language_tag(language), direction)


def language_tag(code: str) -> str:
    """A catalogue's code as an HTML ``lang`` value: ``en_GB`` is ``en-GB``."""
    return code.replace("_", "-")


def language_switch() -> list[tuple[str, str, bool]]:
    """The header's switcher: each offered language's code, its name in itself, and whether it is
    the page's."""
    current = str(get_locale() or "")
    return [(code, language_name(code), code == current) for code in offered_languages()]


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
