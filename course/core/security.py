"""HTTP security headers, HTTPS, proxies and CSRF for the whole app.

The policy is strict: scripts, styles, fonts and images come from this site only, nothing inline,
no framing. Plain http keeps working unless ``HTTPS_ONLY`` is on, as it must be in production, where
it also redirects to HTTPS, sends HSTS and marks the session cookie Secure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from flask import Flask, current_app, request
from flask_talisman import Talisman
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from course.extensions import csrf

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

ViewT = TypeVar("ViewT", bound=Callable[..., object])

CONTENT_SECURITY_POLICY = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "manifest-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
}

PERMISSIONS_POLICY = {
    "camera": "()",
    "microphone": "()",
    "geolocation": "()",
    "payment": "()",
    "usb": "()",
}


class _IgnoreForwardedHeaders:
    """With no trusted proxy, X-Forwarded-* headers come from the client and mean nothing.

    Removing them stops a client from claiming HTTPS (which Flask-Talisman would otherwise believe).
    """

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        for name in [key for key in environ if key.startswith("HTTP_X_FORWARDED_")]:
            del environ[name]
        return self.wsgi_app(environ, start_response)


class _Talisman(Talisman):  # type: ignore[misc]
    """Flask-Talisman, except that a view's own options (``Talisman()(...)``) are read, not filled.

    Talisman fills the options a view declares with the serving app's defaults, in place, the first
    time it serves the view: every later app in the process (tests build many) then inherits the
    first app's settings for that view. Here each request gets a fresh copy instead.
    """

    #: The settings a view may declare for itself, as Talisman's ``_get_local_options`` reads them.
    VIEW_OPTION_NAMES = (
        "force_https",
        "frame_options",
        "frame_options_allow_from",
        "content_security_policy",
        "content_security_policy_nonce_in",
        "permissions_policy",
        "document_policy",
        "feature_policy",
    )

    def _get_local_options(self) -> dict[str, object]:
        view = current_app.view_functions.get(request.endpoint)  # type: ignore[arg-type]
        options = dict(getattr(view, "talisman_view_options", {}))
        for name in self.VIEW_OPTION_NAMES:
            options.setdefault(name, getattr(self, name))
        return options


def allow_plain_http(view: ViewT) -> ViewT:
    """Serve ``view`` over plain http even when ``HTTPS_ONLY`` is on.

    For health checks, which load balancers send to the app directly, without TLS.
    """
    return Talisman()(force_https=False)(view)  # type: ignore[no-any-return]


#: For an image that may also be opened on its own (an uploaded picture, an SVG drawing): nothing
#: may load or run in it, no page may frame it, and it is sandboxed like a page from nowhere.
INERT_IMAGE_POLICY = {"default-src": "'none'", "frame-ancestors": "'none'", "sandbox": ""}


def served_as_inert_image(view: ViewT) -> ViewT:
    """Serve ``view``'s answer under :data:`INERT_IMAGE_POLICY` instead of the site's policy."""
    return Talisman()(content_security_policy=INERT_IMAGE_POLICY)(view)  # type: ignore[no-any-return]


def _refuse_untrusted_hosts() -> None:
    """Stop a request for a host outside ``TRUSTED_HOSTS`` before any other hook acts on it.

    Flask finds the host untrusted while routing and would only raise it once every other hook
    had run (counted a rate limit, refreshed a session): raise it first instead.
    """
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception


def init_security(app: Flask) -> None:
    """Trust the configured number of proxies and only the configured hosts, send the security
    headers and require CSRF tokens."""
    app.before_request(_refuse_untrusted_hosts)
    trusted_proxies = int(app.config["TRUSTED_PROXIES"])
    if trusted_proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=trusted_proxies,
            x_proto=trusted_proxies,
            x_host=trusted_proxies,
            x_port=trusted_proxies,
        )
    else:
        app.wsgi_app = _IgnoreForwardedHeaders(app.wsgi_app)  # type: ignore[method-assign]
    https_only = bool(app.config["HTTPS_ONLY"])
    policy = dict(CONTENT_SECURITY_POLICY)
    if https_only:
        policy["upgrade-insecure-requests"] = ""
    # One Talisman per app: it keeps its settings on the instance, so a shared one would carry
    # one app's settings into another's.
    app.extensions["talisman"] = _Talisman(
        app,
        force_https=https_only,
        strict_transport_security=https_only,
        strict_transport_security_max_age=63072000,
        session_cookie_secure=https_only,
        session_cookie_http_only=True,
        content_security_policy=policy,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=PERMISSIONS_POLICY,
        x_xss_protection=False,
    )
    # Talisman only sets this on the first request, and never in debug mode: set it up front.
    app.config["SESSION_COOKIE_SECURE"] = https_only
    app.config["REMEMBER_COOKIE_SECURE"] = https_only
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    csrf.init_app(app)
