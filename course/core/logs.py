"""Log output: plain text for development or one JSON object per line, and one line per request.

Logs never hold personal data: no email addresses, names, tokens, query strings or (unless
``LOG_CLIENT_ADDRESSES`` is on) IP addresses. Code that logs about a person or a message names it by
its database id. The request line gives the path without its query string, and for pages whose
address carries a secret (``/password/reset/<token>``, ``/verify/<code>``) the route's pattern
instead of the address itself.

Every log record made while serving a request carries that request's id, which is also sent back
in the ``X-Request-ID`` header. Behind a trusted proxy, an ``X-Request-ID`` the proxy sets is
reused, so the load balancer's logs and the app's can be matched.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request

#: The logger every module of the app logs under (``logging.getLogger(__name__)``).
APP_LOGGER_NAME = "course"
REQUEST_LOGGER_NAME = "course.requests"
REQUEST_ID_HEADER = "X-Request-ID"
#: URL arguments whose values are secrets: a path holding one is logged as the route's pattern.
SECRET_URL_ARGUMENTS = frozenset({"token", "code"})
#: The fields of a request line, in the order the JSON object lists them.
REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "client_address")
_HANDLER_NAME = "course-output"
_TRUSTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")

log = logging.getLogger(REQUEST_LOGGER_NAME)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request fields when present,
    and the traceback of an exception as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in REQUEST_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """``time LEVEL logger [request id] message``, for reading in a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(request_tag)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_tag = f" [{request_id}]" if request_id else ""
        return super().format(record)


class _RequestIdFilter(logging.Filter):
    """Stamp every record made while serving a request with the request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None and has_request_context():
            record.request_id = g.get("request_id")
        return True


def init_logging(app: Flask) -> None:
    """Send the app's logs to standard error in the configured format and log every request.

    ``LOG_FORMAT`` is ``plain`` (the default) or ``json``; ``LOG_LEVEL`` the least severe level
    written; ``LOG_REQUESTS`` adds one line per request (the gunicorn configuration turns it on,
    ``make run`` leaves it to the development server's own log).
    """
    log_format = str(app.config["LOG_FORMAT"]).lower()
    if log_format not in {"plain", "json"}:
        raise RuntimeError(f"LOG_FORMAT must be 'plain' or 'json', not {log_format!r}")
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if log_format == "json" else PlainFormatter())
    handler.addFilter(_RequestIdFilter())
    app_logger = logging.getLogger(APP_LOGGER_NAME)
    # The logger belongs to the process, and tests build many apps: the last app's settings win.
    for existing in [h for h in app_logger.handlers if h.get_name() == _HANDLER_NAME]:
        app_logger.removeHandler(existing)
    app_logger.addHandler(handler)
    app_logger.setLevel(str(app.config["LOG_LEVEL"]).upper())
    app.before_request(_start_request)
    app.after_request(_finish_request)


def loggable_path() -> str:
    """The current request's path without its query string, and without any secret it carries."""
    rule = request.url_rule
    if rule is not None and SECRET_URL_ARGUMENTS & set(request.view_args or ()):
        return rule.rule
    return request.path


def _start_request() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    trusted = current_app.config["TRUSTED_PROXIES"] and _TRUSTED_REQUEST_ID.fullmatch(incoming)
    g.request_id = incoming if trusted else uuid.uuid4().hex


def _finish_request(response: Response) -> Response:
    """Send the request id back, and write the request's line when ``LOG_REQUESTS`` is on."""
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    config = current_app.config
    if not config["LOG_REQUESTS"]:
        return response
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    method, path, status = request.method, loggable_path(), response.status_code
    fields: dict[str, Any] = {
        "request_id": request_id,
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": duration_ms,
    }
    if config["LOG_CLIENT_ADDRESSES"]:
        fields["client_address"] = request.remote_addr
    log.info("%s %s %s %sms", method, path, status, duration_ms, extra=fields)
    return response
