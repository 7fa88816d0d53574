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

from flask import Config, Flask

ENVIRONMENT_PREFIX = "COURSE"
INSTANCE_CONFIG_FILENAME = "config.py"
SQLITE_FILENAME = "course.sqlite3"

log = logging.getLogger(__name__)


class DefaultConfig:
    """The settings a fresh clone runs with. Production overrides some through the environment."""

    #: Signs sessions and tokens. Generated into ``instance/config.py`` on first run when unset.
    SECRET_KEY: str | None = None
    #: ``None`` means SQLite at ``instance/course.sqlite3``.
    DATABASE_URL: str | None = None
    #: How long a SQLite writer waits for the lock before giving up.
    SQLITE_BUSY_TIMEOUT_MS = 5000
    #: Absolute address used in PDFs and emails; ``None`` means the address the request came in on.
    BASE_URL: str | None = None
    #: Where visitors report problems (shown on the accessibility and privacy pages).
    CONTACT_EMAIL: str | None = None
    #: Redirect to HTTPS, send HSTS and mark cookies Secure. Turn on in production.
    HTTPS_ONLY = False
    #: How many reverse proxies in front of the app set X-Forwarded-* headers.
    TRUSTED_PROXIES = 0
    #: Shared rate-limit storage, e.g. ``redis://localhost:6379/0`` when running several workers.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Keeps this site's counters apart from anything else sharing the Redis database.
    RATELIMIT_KEY_PREFIX = "course"
    #: The largest request body accepted (uploads included).
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    #: CSRF tokens live as long as the session: a learner may spend an hour on a lesson.
    WTF_CSRF_TIME_LIMIT: int | None = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    BABEL_DEFAULT_LOCALE = "en_GB"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    #: The languages the interface has catalogues for.
    LANGUAGES: tuple[str, ...] = ("en_GB",)

    #: Outgoing mail. Without a server, emails go to ``instance/outbox/*.eml`` (the log names them).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_STARTTLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER = "CT Citizen <no-reply@localhost>"
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
        else does; the file is the operator's, so it is never rewritten.
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
