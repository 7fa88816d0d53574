"""Gunicorn settings for serving CT Citizen in production.

Gunicorn reads this file from the working directory on its own; ``bin/serve`` (or
``gunicorn -c gunicorn.conf.py``) uses it explicitly. Every value comes from an environment variable
with a default, and gunicorn's command-line options still override it. See docs/deployment.md.

Migrations are not run here: they must have run once, before any worker starts (``bin/serve``
does that). Running them from a hook would run them in every worker, or on every host, at once.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gunicorn.arbiter import Arbiter


def _number(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


#: Enough workers to keep every CPU busy while others wait on the database, but not so many that
#: their database connections (up to 5 each, kept by SQLAlchemy's pool) exceed what PostgreSQL
#: allows (100 by default) on a large machine. ``WEB_CONCURRENCY`` is gunicorn's own name for it.
MAX_DEFAULT_WORKERS = 12

wsgi_app = "course:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = _number(
    "GUNICORN_WORKERS",
    _number("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, MAX_DEFAULT_WORKERS)),
)
#: With more than one thread gunicorn uses its threaded worker: a worker waiting on the database or
#: the mail outbox still answers other requests, for little memory.
threads = _number("GUNICORN_THREADS", 4)
#: A certificate PDF may take up to 30 seconds to render (its own time limit); a worker silent for
#: longer than this is stuck, and gunicorn replaces it.
timeout = _number("GUNICORN_TIMEOUT", 60)
#: On restart or shutdown, how long a worker may finish the requests it has before it is killed.
graceful_timeout = _number("GUNICORN_GRACEFUL_TIMEOUT", 30)
#: Seconds an idle keep-alive connection stays open. Behind a load balancer, make it longer than
#: the balancer's own idle timeout, so the balancer never reuses a connection gunicorn has closed.
keepalive = _number("GUNICORN_KEEPALIVE", 5)
#: Each worker is replaced after about this many requests (the jitter spreads the restarts), which
#: bounds any slow growth in memory, such as WeasyPrint's caches. 0 turns recycling off. The soak
#: benchmark measured growth of about 0.02 MB per 1,000 requests per worker without recycling, so
#: recycling is a safety net and rare: a threaded worker on its way out can drop a connection it
#: has just accepted (gunicorn issue 3038), which a learner would see as a failed form.
max_requests = _number("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = _number("GUNICORN_MAX_REQUESTS_JITTER", 1_000)

#: Off on purpose: each worker builds its own app after the fork. A preloaded app would share the
#: database and Redis connections made while loading between every worker (they must not be), and
#: its background threads (the development mail sender) would not survive the fork. It also lets
#: ``kill -HUP`` load new code. The price is a little more memory and a slower start.
preload_app = False

#: The app writes one line per request itself (``course.requests``): the path without its query
#: string, secrets in paths hidden, no client address unless ``COURSE_LOG_CLIENT_ADDRESSES``. So
#: gunicorn's access log is off unless ``GUNICORN_ACCESSLOG`` names a file (``-`` for stdout).
os.environ.setdefault("COURSE_LOG_REQUESTS", "true")
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
#: No client address (%(h)s), query string (%(q)s, %(r)s), referrer or user agent. The path (%(U)s)
#: may still hold a token (``/password/reset/<token>``): prefer the app's own request log.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
#: Gunicorn's own messages as JSON lines too, when the app's are.
if os.environ.get("COURSE_LOG_FORMAT", "").strip().strip('"').lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        # The app's logger has its own handler: nothing on the root, so no line is written twice.
        "root": {"level": "WARNING", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            # With a logging configuration gunicorn writes access lines whatever ``accesslog``
            # says, so they are dropped here unless GUNICORN_ACCESSLOG asks for them.
            "gunicorn.access": {
                "level": "INFO" if accesslog else "WARNING",
                "handlers": ["console"] if accesslog else [],
                "propagate": False,
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
        "formatters": {"json": {"()": "course.core.logs.JsonFormatter"}},
    }


def when_ready(server: Arbiter) -> None:
    """Say how the site is served. Migrations are deliberately not run in this or any other hook:
    they are the step before gunicorn starts (``bin/serve``), run once, never by every worker."""
    server.log.info(
        "Serving course:create_app() with %s workers of %s threads; "
        "the database must already be migrated (flask --app course db upgrade)",
        server.cfg.workers,
        server.cfg.threads,
    )
