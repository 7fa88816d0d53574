"""Short-lived download links for certificate PDFs, and the lean server that answers them.

The certificates page links each of the holder's PDFs as ``/certificates/download/<grant>``. A grant
is the certificate's code and an expiry time, signed (HMAC-SHA256, with a key derived from
``SECRET_KEY`` for this purpose only) together with the holder's session token. So a link:

- works only for the person it was made for, signed in: anyone else's session token does not
  match the signature, and the link is useless without the holder's session cookie;
- stops working when their sessions end (sign-out everywhere, a password change or reset, a
  disabled account all replace the session token);
- is trusted as it stands for :data:`LINK_LIFETIME_SECONDS` at most.

It is made only for the holder's own certificates, by a page that has run every access check.

:class:`DownloadLinkServer` answers a link before Flask's request pipeline when everything about it
is plainly in order: a live session of the holder that has not timed out, a signature that
matches, a link not yet expired, and the PDF stored for the current template. It sends the same
security headers, request id and request log line as the pipeline would, and refreshes the session's
"last seen" time in its cookie when that is due, as the pipeline does. Anything else (no session, a
timed-out session, an expired link, a revoked certificate, a PDF to render again, plain http where
HTTPS is required, a request other than GET) goes through the pipeline to the ordinary view, which
checks everything again and answers as the stable address ``/certificates/<code>.pdf`` does
(refusing a revoked certificate, and rendering a PDF only once the download is allowed); this
server never renders. Serving a stored PDF this way costs a fraction of a trip through the pipeline
(docs/performance.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine, bindparam, exists, select
from werkzeug.http import parse_cookie
from werkzeug.wrappers import Response

from course.accounts import sessions
from course.accounts.models import User
from course.certificates import pdf
from course.certificates.codes import ALPHABET, LENGTH, formatted
from course.certificates.models import Certificate, CertificatePdf
from course.core import logs
from course.core.security import security_headers_for
from course.extensions import db

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

log = logging.getLogger(__name__)

#: How long a link is trusted without going through the request pipeline: long enough to read the
#: certificates page and click, short enough that a link copied out of a browser's history is dead.
LINK_LIFETIME_SECONDS = 600
LINK_PATH_PREFIX = "/certificates/download/"
_KEY_PURPOSE = b"ct-citizen certificate download link"
_MAC_BYTES = 16
_GRANT = re.compile(rf"([{ALPHABET}]{{{LENGTH}}})\.([0-9]{{1,12}})\.([A-Za-z0-9_-]{{22}})")


def make_grant(code: str, session_token: str, secret_key: str | bytes, now: float) -> str:
    """The grant for the certificate with this (stored) ``code``, for this session token."""
    expires = int(now) + LINK_LIFETIME_SECONDS
    return f"{code}.{expires}.{_signature(code, expires, session_token, secret_key)}"


def granted_code(
    grant: str, session_token: str, secret_key: str | bytes, now: float | None = None
) -> str | None:
    """The certificate code this ``grant`` gives ``session_token``, or ``None`` if it gives nothing.

    With ``now``, an expired grant gives nothing either; without it, expiry is not checked (the
    pipeline's view checks access again itself, so it only needs to know the link is genuine).
    """
    match = _GRANT.fullmatch(grant)
    if match is None:
        return None
    code, expires, signature = match[1], int(match[2]), match[3]
    expected = _signature(code, expires, session_token, secret_key)
    if not hmac.compare_digest(signature, expected):
        return None
    if now is not None and now >= expires:
        return None
    return code


def _signature(code: str, expires: int, session_token: str, secret_key: str | bytes) -> str:
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    key = hmac.new(secret, _KEY_PURPOSE, hashlib.sha256).digest()
    message = f"{code}.{expires}.{session_token}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def pdf_response(environ: WSGIEnvironment, code: str, content: bytes) -> Response:
    """The PDF as a download: its file name, type, ETag (a 304 when it matches) and no caching
    outside the browser."""
    response = Response(
        content,
        mimetype="application/pdf",
        headers=[
            ("Content-Disposition", f"attachment; filename={pdf_filename(code)}"),
            ("Cache-Control", "private, no-cache"),
        ],
    )
    response.set_etag(hashlib.sha256(content).hexdigest()[:32])
    return response.make_conditional(environ)


def pdf_filename(code: str) -> str:
    return f"ct-citizen-certificate-{formatted(code)}.pdf"


# The holder's stored PDF for the current template, if the session token is theirs, their account
# is not disabled and the certificate is not revoked. (The age of the token, which ends a "remember
# me", was checked when the link was made, at most LINK_LIFETIME_SECONDS ago.)
_HOLDERS_PDF = (
    select(CertificatePdf.content)
    .join(Certificate, CertificatePdf.certificate_id == Certificate.id)
    .where(
        Certificate.code == bindparam("code"),
        Certificate.erased_at.is_(None),
        Certificate.revoked_at.is_(None),
        CertificatePdf.template_version == bindparam("template_version"),
        exists()
        .where(User.id == Certificate.user_id)
        .where(sessions.holds_session_token(bindparam("session_token"))),
    )
)


@dataclass(frozen=True)
class _DriverQuery:
    """:data:`_HOLDERS_PDF` as the database driver takes it. SQLAlchemy's execution machinery costs
    several times the query itself here, and every parameter is a plain string, so the lean server
    runs the compiled SQL on a pooled driver connection."""

    sql: str
    positions: tuple[str, ...] | None

    @classmethod
    def compile_for(cls, engine: Engine) -> _DriverQuery:
        compiled = _HOLDERS_PDF.compile(dialect=engine.dialect)
        positions = tuple(compiled.positiontup or ()) if compiled.positional else None
        return cls(compiled.string, positions)

    def parameters(self, values: dict[str, str]) -> tuple[str, ...] | dict[str, str]:
        if self.positions is None:
            return values
        return tuple(values[name] for name in self.positions)


class DownloadLinkServer:
    """WSGI middleware: answers download links that are plainly in order, passes on the rest.

    Install it inside the proxy handling (``ProxyFix``), so that it sees the client's scheme.
    """

    def __init__(self, wsgi_app: WSGIApplication, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self._engine: Engine | None = None
        self._query: _DriverQuery | None = None
        self._session_serializer: URLSafeTimedSerializer | None = None
        self._headers: dict[bool, list[tuple[str, str]]] = {}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(LINK_PATH_PREFIX) or environ.get("REQUEST_METHOD") != "GET":
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        response = self._answer(environ, path.removeprefix(LINK_PATH_PREFIX))
        if response is None:
            return self.wsgi_app(environ, start_response)
        self._finish(environ, response, started)
        return response(environ, start_response)

    def _answer(self, environ: WSGIEnvironment, grant: str) -> Response | None:
        config = self.app.config
        secure = environ.get("wsgi.url_scheme") == "https"
        if config["HTTPS_ONLY"] and not secure:
            return None
        contents = self._session_contents(environ)
        session_token = contents.get("_user_id")
        now = time.time()
        if not isinstance(session_token, str):
            return None
        clock = sessions.session_clock(contents, config, now)
        if clock is sessions.SessionClock.TIMED_OUT:
            return None
        code = granted_code(grant, session_token, config["SECRET_KEY"], now)
        if code is None:
            return None
        try:
            content = self._holders_pdf(code, session_token)
        except Exception:  # the pipeline shows the error page, or copes where this could not
            log.warning("A download link was passed to the pipeline after an error", exc_info=True)
            return None
        if content is None:
            return None
        response = pdf_response(environ, code, content)
        response.headers.extend(self._security_headers(secure))
        if clock is sessions.SessionClock.DUE_FOR_REFRESH:
            self._refresh_session(contents, response, now)
        return response

    def _refresh_session(self, contents: Mapping[str, Any], response: Response, now: float) -> None:
        """Send the session cookie again with the time it was last used, as the pipeline would."""
        interface = self.app.session_interface
        session = interface.session_class(contents)  # type: ignore[attr-defined]
        sessions.mark_seen(session, now)
        interface.save_session(self.app, session, response)  # type: ignore[arg-type]

    def _session_contents(self, environ: WSGIEnvironment) -> Mapping[str, Any]:
        """The signed session cookie's contents, as Flask would read them, or nothing."""
        cookie = parse_cookie(environ).get(self.app.config["SESSION_COOKIE_NAME"])
        if not cookie:
            return {}
        if self._session_serializer is None:
            interface = self.app.session_interface
            self._session_serializer = interface.get_signing_serializer(self.app)  # type: ignore[attr-defined]
        lifetime = int(self.app.permanent_session_lifetime.total_seconds())
        try:
            contents = self._session_serializer.loads(cookie, max_age=lifetime)
        except BadSignature:
            return {}
        return contents if isinstance(contents, dict) else {}

    def _holders_pdf(self, code: str, session_token: str) -> bytes | None:
        if self._engine is None or self._query is None:
            with self.app.app_context():
                self._engine = db.engine
            self._query = _DriverQuery.compile_for(self._engine)
        values = {
            "code": code,
            "template_version": pdf.TEMPLATE_VERSION,
            "session_token": session_token,
        }
        connection = self._engine.raw_connection()  # from the pool, and back to it
        try:
            # One statement needs no transaction: in autocommit, no BEGIN and no ROLLBACK travel
            # to the database (PostgreSQL). SQLite's connections are in autocommit already.
            driver = connection.driver_connection
            autocommit = getattr(driver, "autocommit", None)
            if autocommit is not None:
                driver.autocommit = True
            try:
                cursor = connection.cursor()
                cursor.execute(self._query.sql, self._query.parameters(values))
                row = cursor.fetchone()
                cursor.close()
            finally:
                if autocommit is not None:
                    driver.autocommit = autocommit
        finally:
            connection.close()
        return None if row is None else bytes(row[0])

    def _security_headers(self, secure: bool) -> list[tuple[str, str]]:
        if secure not in self._headers:
            self._headers[secure] = security_headers_for(
                self.app, LINK_PATH_PREFIX + "grant", secure=secure
            )
        return self._headers[secure]

    def _finish(self, environ: WSGIEnvironment, response: Response, started: float) -> None:
        """The request id and log line every response of the app gets."""
        request_id = logs.request_id_for(environ.get("HTTP_X_REQUEST_ID", ""), self.app.config)
        response.headers[logs.REQUEST_ID_HEADER] = request_id
        logs.log_request(
            self.app.config,
            request_id=request_id,
            method="GET",
            path=LINK_PATH_PREFIX + "<grant>",
            status=response.status_code,
            started=started,
            client_address=environ.get("REMOTE_ADDR"),
        )
