"""Pages, and parts of pages, made once and served to every visitor who would see the same.

Most visitors of the public pages (the overview, modules and lessons, who to call, about, privacy,
accessibility, the certificate check form) are not signed in, and each of them would be shown
exactly the same page as every other visitor of their region and language. Views marked
:func:`cached_for_visitors` are rendered once per

- page: the endpoint and the values in its address, and the site's address (``BASE_URL``, else
  the host the request came in on, which ``TRUSTED_HOSTS`` has vetted): a page may name the site;
- language (Flask-Babel's locale) and the address the app is mounted at;
- release: the package's version and a digest of the code, templates and translations this
  process runs (:func:`release`), so a deployment never serves pages made by the code it
  replaced, even when the version number did not change; and the settings pages show;
- whatever else the features register with :func:`vary_shared_pages_by`: the visitor's region
  and the course's content version (``course/learning/views.py``). The content version is read
  from the database on every request, so a module published by the web editor or imported by
  ``flask content import`` changes the key in every worker and host at once.

Only what is shared is kept. A signed-in person always gets a live page, nothing is served from
or stored into the cache while the session holds flash messages or while a view flashes one, a
request with a query string is served live, and only a page the view returns as a string (a 200)
is stored, never an error. The body alone is kept: headers (security headers, the session cookie)
are made afresh for each response by the usual hooks. A form's CSRF token is the one personal
thing a shared page carries; the page is stored cut at the token it was made with, and joined
with the visitor's own token (:func:`flask_wtf.csrf.generate_csrf`, which starts their session
as the live page would) when it is served.

For signed-in pages, :func:`shared_fragments` keeps parts of a page that are the same for everyone
(a lesson's text and navigation) under a key the caller names, plus the language and release.

The cache is Flask-Caching's (:data:`course.extensions.cache`): each process's memory by default,
Redis in production (``CACHE_*`` settings in :mod:`course.config`). It is an optimisation only:
when its store fails, the page is made as if nothing were cached.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from functools import cache as once
from functools import wraps
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar

from flask import Flask, current_app, g, message_flashed, request, session
from flask_babel import get_locale
from flask_caching.backends import NullCache
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from course.config import PROJECT_ROOT
from course.extensions import cache

ViewT = TypeVar("ViewT", bound=Callable[..., Any])

log = logging.getLogger(__name__)

PACKAGE_NAME = "course"
#: Where the code, templates and translations that make pages live: a change to any file in them
#: is a new release.
RELEASE_SOURCES = (PROJECT_ROOT / "course", PROJECT_ROOT / "templates")
RELEASE_SUFFIXES = frozenset({".py", ".html", ".txt", ".mo"})
#: The settings pages show (the contact address on the privacy and accessibility pages): part of
#: every key, so no page keeps an old value.
SETTINGS_PAGES_SHOW = ("CONTACT_EMAIL",)
#: The session key under which Flask keeps flash messages until they are shown.
FLASHES_SESSION_KEY = "_flashes"
#: Set in ``g`` when the request flashed a message (see :func:`_note_flash`).
FLASHED_IN_REQUEST = "page_cache_flashed"

#: What a shared page depends on besides its address, language and release: name -> the value
#: for the current request. Filled by :func:`vary_shared_pages_by`.
_key_parts: dict[str, Callable[[], str]] = {}


def init_page_cache(app: Flask) -> None:
    """Bind the cache to ``app`` with its ``CACHE_*`` settings, and read the release now rather
    than in a visitor's request."""
    cache.init_app(app)
    release()


def vary_shared_pages_by(name: str, value: Callable[[], str]) -> None:
    """Make ``value()`` part of every shared page's key: something a page shows that differs
    between visitors who are not signed in (their region), or that changes while the app runs
    (the course's content). Registering a name again replaces its function."""
    _key_parts[name] = value


def cached_for_visitors(view: ViewT) -> ViewT:
    """Serve ``view``'s page from the cache to visitors who are not signed in, and store it there
    when it is not yet; everyone else gets the live page. Place it below the access rule and any
    rate limit, so that those still apply to a page served from the cache."""

    @wraps(view)
    def shared_or_live(**view_args: Any) -> Any:
        if not _page_may_be_shared():
            return view(**view_args)
        key = _page_key(view_args)
        stored = _read(key)
        if isinstance(stored, tuple):
            return _for_this_visitor(stored)
        page = view(**view_args)
        if isinstance(page, str) and not _flashed():
            _write(key, _cut_at_csrf_token(page))
        return page

    shared_or_live.shared_with_visitors = True  # type: ignore[attr-defined]
    return shared_or_live  # type: ignore[return-value]


def is_shared_with_visitors(view: Callable[..., object]) -> bool:
    """Whether ``view`` was declared with :func:`cached_for_visitors`."""
    return bool(getattr(view, "shared_with_visitors", False))


def shared_fragments(
    name: str, key: Sequence[object], render: Callable[[], Sequence[str]]
) -> tuple[Markup, ...]:
    """Parts of a page that are the same for everyone who sees them, signed in or not, kept under
    ``name``, ``key``, the language and the release; ``render`` makes them when they are not kept.

    ``key`` must name everything the parts depend on. They must hold nothing personal: parts
    holding the request's CSRF token are served but never stored.
    """
    cache_key = f"fragment:{name}:{_digest([*map(str, key), *_language_and_release()])}"
    stored = _read(cache_key)
    if isinstance(stored, tuple):
        return tuple(Markup(part) for part in stored)  # noqa: S704 - rendered by our templates
    parts = tuple(str(part) for part in render())
    token = _token_made_in_request()
    if token is None or not any(token in part for part in parts):
        _write(cache_key, parts)
    return tuple(Markup(part) for part in parts)  # noqa: S704 - rendered by our templates


def forget_shared_pages() -> None:
    """Drop every cached page and fragment, after the course changed. The content version in each
    page's key already keeps old pages from being served; this frees their room at once (in this
    process's memory, or in Redis for every process)."""
    try:
        cache.clear()
    except Exception:  # a cache that cannot be cleared is still only a cache
        log.warning("Could not clear the page cache", exc_info=True)


@once
def release() -> str:
    """The release this process runs: the package version and a digest of every file that shapes
    a page (code, templates, translations), read once per process."""
    try:
        package_version = version(PACKAGE_NAME)
    except PackageNotFoundError:  # run from a checkout that was never installed
        package_version = "unknown"
    digest = hashlib.sha256()
    for folder in RELEASE_SOURCES:
        for path in sorted(folder.rglob("*")):
            if path.suffix in RELEASE_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"{package_version}+{digest.hexdigest()[:16]}"


def _page_may_be_shared() -> bool:
    return (
        not isinstance(cache.cache, NullCache)  # turned off: not even a key to work out
        and request.method in ("GET", "HEAD")
        and not request.query_string
        and not current_user.is_authenticated
        and FLASHES_SESSION_KEY not in session
    )


def _page_key(view_args: dict[str, Any]) -> str:
    parts = [
        repr(sorted(view_args.items())),
        current_app.config["BASE_URL"] or request.host,
        *_language_and_release(),
        *(f"{name}={value()}" for name, value in sorted(_key_parts.items())),
    ]
    return f"page:{request.endpoint}:{_digest(parts)}"


def _language_and_release() -> list[str]:
    return [
        str(get_locale()),
        request.script_root,
        release(),
        *(f"{name}={current_app.config.get(name)!r}" for name in SETTINGS_PAGES_SHOW),
    ]


def _digest(parts: Sequence[str]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _token_made_in_request() -> str | None:
    """The CSRF token this request put in its page, if it made one (Flask-WTF keeps it in ``g``)."""
    return g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


def _cut_at_csrf_token(page: str) -> tuple[str, ...]:
    token = _token_made_in_request()
    return tuple(page.split(token)) if token else (page,)


def _for_this_visitor(stored: tuple[str, ...]) -> str:
    """The stored page with this visitor's own CSRF token wherever the first visitor's was."""
    if len(stored) == 1:
        return stored[0]
    return generate_csrf().join(stored)


@message_flashed.connect
def _note_flash(_app: Flask, **_message: Any) -> None:
    setattr(g, FLASHED_IN_REQUEST, True)


def _flashed() -> bool:
    return bool(g.get(FLASHED_IN_REQUEST)) or FLASHES_SESSION_KEY in session


def _read(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:  # a failing cache must not fail the page
        log.warning("The page cache could not be read; making the page afresh", exc_info=True)
        return None


def _write(key: str, value: tuple[str, ...]) -> None:
    try:
        cache.set(key, value)
    except Exception:  # a failing cache must not fail the page
        log.warning("The page cache could not be written", exc_info=True)
