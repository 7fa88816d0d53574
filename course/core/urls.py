"""Building links: absolute ones for emails and PDFs, and safe ``next=`` redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

import click
from flask import current_app, has_request_context, url_for


def absolute_url(endpoint: str, **values: object) -> str:
    """A full address for ``endpoint``: on ``BASE_URL`` when set, else on the request's host."""
    base_url = current_app.config["BASE_URL"]
    if base_url:
        if has_request_context():
            path = url_for(endpoint, **values)
        else:  # a command or the mail sender: build the path without a request
            path = current_app.url_map.bind("localhost").build(endpoint, values)
        return base_url.rstrip("/") + path
    if not has_request_context():
        raise RuntimeError(
            "Set COURSE_BASE_URL: links in emails and PDFs made outside a web request "
            "need the site's address."
        )
    return url_for(endpoint, _external=True, **values)


def require_base_url(why: str) -> None:
    """Stop a command that writes links (in emails, say) when the site's address is not set:
    outside a request there is no other way to know it.

    :raises click.UsageError: naming the setting and ``why`` it is needed.
    """
    if not current_app.config["BASE_URL"]:
        raise click.UsageError(f"Set COURSE_BASE_URL: {why}.")


def site_address() -> str:
    """The site's host name as people see it (``course.example.org``, without a port), for
    emails and pages that say where they come from."""
    return urlsplit(absolute_url("learning.overview")).hostname or ""


def local_path_or_none(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else ``None``: never redirect to another site.

    Refuses absolute URLs, scheme-relative ``//host`` and browsers' ``/\\host`` equivalent, and
    anything with control characters.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(character) < 32 or character == "\\" for character in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
