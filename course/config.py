"""Configuration in layers: defaults, ``instance/config.py``, ``COURSE_*`` environment, overrides.

Every setting can be given in any of the layers under the same name; the environment uses the
``COURSE_`` prefix (``COURSE_DATABASE_URL`` sets ``DATABASE_URL``) and values that read as JSON
(``true``, ``3``, ``["en"]``) are decoded, as Flask's ``from_prefixed_env`` does.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Config, Flask

#: The checkout: ``templates/``, ``migrations/``, ``modules/`` and the default ``instance/``.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENT_PREFIX = "COURSE"
#: The names this machine answers to itself: trusted unless ``TRUSTED_HOSTS`` says otherwise, so
#: ``make run`` and a health check from the same machine work. (Werkzeug cannot match a bracketed
#: IPv6 address such as ``[::1]`` in a trusted list, so it is left out.)
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")
INSTANCE_CONFIG_FILENAME = "config.py"
SQLITE_FILENAME = "course.sqlite3"
#: The rate-limit storage addresses the page cache can share (redis-py reads both).
REDIS_SCHEMES = ("redis://", "rediss://")
#: Seconds the page cache waits for Redis: one that stops answering slows a page by about that,
#: and the page is made as if nothing were cached.
REDIS_CACHE_TIMEOUTS = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}

log = logging.getLogger(__name__)


class DefaultConfig:
    """The settings a fresh clone runs with. Production overrides some through the environment."""

    #: Signs sessions and tokens. Generated into ``instance/config.py`` on first run when unset.
    SECRET_KEY: str | None = None
    #: ``None`` means SQLite at ``instance/course.sqlite3``.
    DATABASE_URL: str | None = None
    #: How long a SQLite writer waits for the lock before giving up.
    SQLITE_BUSY_TIMEOUT_MS = 5000
    #: Absolute address used in PDFs and emails, such as ``https://course.example.org``; ``None``
    #: means the address the request came in on, once its host has passed ``TRUSTED_HOSTS``.
    #: Required with ``HTTPS_ONLY``.
    BASE_URL: str | None = None
    #: The host names the site answers to; a request for any other gets 400 (Flask checks the
    #: ``Host`` header, or ``X-Forwarded-Host`` from a trusted proxy, against it). A name starting
    #: with a dot also covers its subdomains. ``None`` means this machine's own names
    #: (:data:`LOOPBACK_HOSTS`) and the host of ``BASE_URL``.
    TRUSTED_HOSTS: list[str] | None = None
    #: Where visitors report problems (shown on the accessibility and privacy pages), and where
    #: replies to the site's emails go.
    CONTACT_EMAIL: str | None = None
    #: The Ed25519 private key that signs evidence packs, as PEM text (line breaks may be written
    #: as ``\n``). ``None`` means ``instance/evidence-signing-key.pem``, generated on first use.
    #: Every host serving the same site needs the same key (:mod:`course.evidence.keys`).
    EVIDENCE_SIGNING_KEY: str | None = None
    #: Who issues the certificates, printed on each one and named in "Add to LinkedIn": the
    #: organisation that runs this site.
    ISSUER_NAME = "CT Citizen"
    #: Redirect to HTTPS, send HSTS and mark cookies Secure. Turn on in production.
    HTTPS_ONLY = False
    #: How many reverse proxies in front of the app set X-Forwarded-* headers.
    TRUSTED_PROXIES = 0
    #: Shared rate-limit storage, e.g. ``redis://localhost:6379/0`` when running several workers.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Keeps this site's counters apart from anything else sharing the Redis database.
    RATELIMIT_KEY_PREFIX = "course"
    #: Where the pages shared by every visitor are kept (:mod:`course.core.page_cache`). ``None``
    #: chooses: Redis when ``CACHE_REDIS_URL`` is set or the rate limits are kept in Redis (the
    #: same server then holds both), else each process's own memory; no cache in debug mode. Any
    #: Flask-Caching type may be named instead; ``NullCache`` turns the cache off.
    CACHE_TYPE: str | None = None
    #: The page cache's Redis, such as ``redis://localhost:6379/1``; ``None`` means the rate
    #: limiter's when that is a ``redis://`` or ``rediss://`` address.
    CACHE_REDIS_URL: str | None = None
    #: Keeps cached pages apart from the rate limiter's counters in a shared Redis: clearing the
    #: cache deletes only keys with this prefix (without one it would empty the whole database).
    CACHE_KEY_PREFIX = "course-page:"
    #: Seconds a page is kept. Pages of an older course version or release are never served, so
    #: this only bounds how long they take up room.
    CACHE_DEFAULT_TIMEOUT = 24 * 60 * 60
    #: The most pages one process keeps in its own memory (the in-process cache only).
    CACHE_THRESHOLD = 2000
    #: The largest request body accepted (uploads included).
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    #: CSRF tokens live as long as the session: a learner may spend an hour on a lesson.
    WTF_CSRF_TIME_LIMIT: int | None = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    BABEL_DEFAULT_LOCALE = "en_GB"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    #: The languages the interface has catalogues for.
    LANGUAGES: tuple[str, ...] = ("en_GB", "cy", "ar", "fr")
    #: What a page in another language shows of a part of the course whose translation was made
    #: from earlier English: ``notice`` shows the translation with a notice that the English is
    #: newer and is the version to trust; ``english`` shows the English instead.
    STALE_TRANSLATIONS = "notice"

    #: Outgoing mail. Without a server, emails go to ``instance/outbox/*.eml`` (the log names them).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_STARTTLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    #: The From address. ``None`` means ``CT Citizen <no-reply@HOST>`` on the host of
    #: ``BASE_URL`` (``localhost`` without one). Use an address your mail server may send from
    #: (SPF, DKIM), on the site's own domain, so that emails do not read as phishing.
    MAIL_SENDER: str | None = None
    MAIL_TIMEOUT_SECONDS = 10
    #: Deliver the outbox from a thread inside the web process (``make run`` turns this on).
    MAIL_BACKGROUND_SENDER = False

    #: ``plain`` for reading in a terminal, ``json`` for one object per line (log collectors).
    LOG_FORMAT = "plain"
    LOG_LEVEL = "INFO"
    #: One log line per request (gunicorn.conf.py turns it on; ``make run`` has Flask's own).
    LOG_REQUESTS = False
    #: Add the client's IP address to request lines. Off: an address is personal data.
    LOG_CLIENT_ADDRESSES = False

    #: A session without "remember me" ends after this long without a request...
    SESSION_IDLE_MINUTES = 30
    #: ...or this long after signing in, whichever comes first.
    SESSION_LIFETIME_HOURS = 12
    #: How long "remember me" keeps someone signed in.
    REMEMBER_ME_DAYS = 30


def load_config(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill ``app.config`` from every layer, in order, and derive the settings that depend on them.

    :param app: the application whose ``instance_path`` holds the optional ``config.py``.
    :param overrides: the last word, used by tests and by callers that build an app in code.
    :raises RuntimeError: when ``instance/config.py`` exists but sets no ``SECRET_KEY`` and nothing
        else does (the file is the operator's, so it is never rewritten), when the site's
        addresses are set wrong (see :func:`_settle_addresses`), and when cached pages would
        share Redis with no prefix of their own (see :func:`_settle_page_cache`).
    """
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile(str(Path(app.instance_path) / INSTANCE_CONFIG_FILENAME), silent=True)
    app.config.from_prefixed_env(ENVIRONMENT_PREFIX)
    if overrides:
        app.config.update(overrides)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _generated_secret_key(Path(app.instance_path))
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"] or _default_sqlite_url(
        Path(app.instance_path)
    )
    _settle_addresses(app.config)
    _settle_page_cache(app.config)
    if app.config["STALE_TRANSLATIONS"] not in ("notice", "english"):
        raise RuntimeError(
            f"STALE_TRANSLATIONS is {app.config['STALE_TRANSLATIONS']!r}: set it to notice (show "
            "a translation of earlier English with a notice) or english (show the English)."
        )


def _settle_addresses(config: Config) -> None:
    """Check ``BASE_URL`` and fill in ``TRUSTED_HOSTS``, so that no link is ever built on a host
    the operator did not name.

    :raises RuntimeError: when ``BASE_URL`` is not an absolute http(s) address, when ``HTTPS_ONLY``
        is on without an https ``BASE_URL`` (behind TLS every emailed link must be the real one), or
        when ``TRUSTED_HOSTS`` is empty (which Flask would read as "trust every host").
    """
    base_url = config["BASE_URL"]
    base_host = None
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise RuntimeError(
                f"{ENVIRONMENT_PREFIX}_BASE_URL must be the site's full address, such as "
                f"https://course.example.org, not {base_url!r}."
            )
        base_host = parts.hostname
    if config["HTTPS_ONLY"] and not (base_url and base_url.startswith("https://")):
        raise RuntimeError(
            f"{ENVIRONMENT_PREFIX}_HTTPS_ONLY is on, so set {ENVIRONMENT_PREFIX}_BASE_URL to the "
            "site's https address (such as https://course.example.org): links in emails and "
            "certificates must not depend on the address a request claims."
        )
    trusted_hosts = config["TRUSTED_HOSTS"]
    if trusted_hosts is None:
        trusted_hosts = [*LOOPBACK_HOSTS, *([base_host] if base_host else [])]
    elif isinstance(trusted_hosts, str):  # from the environment as "a.example, b.example"
        trusted_hosts = trusted_hosts.replace(",", " ").split()
    if not trusted_hosts:
        raise RuntimeError(
            f"{ENVIRONMENT_PREFIX}_TRUSTED_HOSTS is empty: list the host names this site answers "
            "to, such as course.example.org."
        )
    config["TRUSTED_HOSTS"] = list(trusted_hosts)
    if not config["MAIL_SENDER"]:
        config["MAIL_SENDER"] = f"CT Citizen <no-reply@{base_host or 'localhost'}>"


def _settle_page_cache(config: Config) -> None:
    """Choose where cached pages are kept, unless ``CACHE_TYPE`` says: in the rate limiter's
    Redis when there is one, since every worker and host must see the same pages; nowhere in
    debug mode.

    :raises RuntimeError: when the cache is in Redis without a key prefix, where clearing it
        would delete every key in the database, the rate limiter's counters included.
    """
    if config["CACHE_TYPE"] is None and config.get("DEBUG"):
        # ``flask --debug run`` reloads edited templates: a kept page would hide the edit.
        config["CACHE_TYPE"] = "NullCache"
        config["CACHE_NO_NULL_WARNING"] = True
    if config["CACHE_TYPE"] is None:
        limiter_storage = str(config["RATELIMIT_STORAGE_URI"])
        if not config["CACHE_REDIS_URL"] and limiter_storage.startswith(REDIS_SCHEMES):
            config["CACHE_REDIS_URL"] = limiter_storage
        config["CACHE_TYPE"] = "RedisCache" if config["CACHE_REDIS_URL"] else "SimpleCache"
    if config["CACHE_TYPE"] == "RedisCache":
        if not config["CACHE_KEY_PREFIX"]:
            raise RuntimeError(
                f"{ENVIRONMENT_PREFIX}_CACHE_KEY_PREFIX is empty: the page cache shares Redis "
                "with the rate limits and clearing it would delete theirs too. Set a prefix "
                "such as course-page:."
            )
        config.setdefault("CACHE_OPTIONS", dict(REDIS_CACHE_TIMEOUTS))


def _default_sqlite_url(instance_path: Path) -> str:
    instance_path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_path / SQLITE_FILENAME}"


def _generated_secret_key(instance_path: Path) -> str:
    """Write ``instance/config.py`` with a new random key, readable by its owner only.

    Two processes starting at once both end up with the key of whichever wrote the file first.
    """
    config_file = instance_path / INSTANCE_CONFIG_FILENAME
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        descriptor = os.open(config_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process may have written it since this one read the instance folder.
        existing = Config(str(instance_path))
        existing.from_pyfile(str(config_file))
        if not existing.get("SECRET_KEY"):
            raise RuntimeError(
                f"{config_file} sets no SECRET_KEY. Add SECRET_KEY = '<a long random string>' "
                f"to it, or set the {ENVIRONMENT_PREFIX}_SECRET_KEY environment variable."
            ) from None
        return str(existing["SECRET_KEY"])
    with os.fdopen(descriptor, "w") as config_stream:
        config_stream.write(
            "# Written by CT Citizen on first run. Keep it private and out of version control.\n"
            "# Every host serving the same site needs the same key: in production, prefer the\n"
            f"# {ENVIRONMENT_PREFIX}_SECRET_KEY environment variable.\n"
            f"SECRET_KEY = {key!r}\n"
        )
    log.warning("Generated a new secret key in %s", config_file)
    return key
