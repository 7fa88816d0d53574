"""Private files made as they download: member lists, certificates, evidence."""

from __future__ import annotations

from collections.abc import Iterable

from flask import stream_with_context
from werkzeug.wrappers import Response


def private_download(chunks: Iterable[str | bytes], mimetype: str, filename: str) -> Response:
    """A streamed attachment called ``filename``, sent while ``chunks`` are made, in the
    request's context (so its database session stays open), and never stored by a cache: it
    holds people's data."""
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers["Cache-Control"] = "no-store"
    return response
