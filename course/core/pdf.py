"""Turning our own HTML into PDF with WeasyPrint, safely: certificates and the who-to-call card.

WeasyPrint may fetch only ``data:`` URLs and files inside the package's ``static`` folder:
:class:`StaticOnlyFetcher` refuses everything else (other files, http, https, ftp...), so nothing in
a learner's name, or anything else, can make the server read local files or call out. A render
also has a time limit. The output is PDF/UA (tagged, accessible) with its title, author and
subject set, and the fonts it uses embedded.
"""

from __future__ import annotations

import logging
import mimetypes
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

RENDER_TIME_LIMIT_SECONDS = 30
_render_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pdf")
# WeasyPrint builds a font configuration per render unless given one; those are never freed (about
# 0.5 MB a render) and cost a third of the render time. Pango's font maps are not thread-safe, so
# each render thread keeps its own, and its own parsed stylesheets (parsing one costs a tenth of a
# render).
_per_thread = threading.local()


class PdfRenderError(RuntimeError):
    """The PDF could not be made in time, or at all."""


class StaticOnlyFetcher(URLFetcher):
    """Fetches ``data:`` URLs and files under ``static_folder``; refuses anything else."""

    def __init__(self, static_folder: Path, deadline: float) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=1)
        self.static_folder = static_folder.resolve()
        self.deadline = deadline
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if time.monotonic() > self.deadline:
            raise FatalURLFetchingError("the PDF took too long to render")
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()
            if path.is_file() and path.is_relative_to(self.static_folder):
                media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})
        self.refused.append(url)
        log.warning("Refused to fetch %r while rendering a PDF", url)
        raise ValueError(f"refused to fetch {url}")


def render_pdf(
    html: str,
    stylesheet: str,
    static_folder: Path,
    time_limit: float = RENDER_TIME_LIMIT_SECONDS,
) -> bytes:
    """Turn ``html`` into PDF bytes with ``stylesheet`` (a path under ``static_folder``), fetching
    only what :class:`StaticOnlyFetcher` allows.

    :raises PdfRenderError: when it takes longer than ``time_limit`` seconds.
    """
    fetcher = StaticOnlyFetcher(static_folder, time.monotonic() + time_limit)
    document = HTML(string=html, base_url=static_folder.as_uri() + "/", url_fetcher=fetcher)
    future = _render_pool.submit(_write_pdf, document, stylesheet, fetcher)
    try:
        return future.result(timeout=time_limit)
    except FutureTimeout:
        raise PdfRenderError("the PDF took too long to render") from None


def _write_pdf(document: HTML, stylesheet: str, fetcher: StaticOnlyFetcher) -> bytes:
    if not hasattr(_per_thread, "font_config"):
        _per_thread.font_config = FontConfiguration()
    return document.write_pdf(
        pdf_variant="pdf/ua-1",
        pdf_tags=True,
        font_config=_per_thread.font_config,
        stylesheets=[_parsed_stylesheet(stylesheet, fetcher)],
    )


def _parsed_stylesheet(stylesheet: str, fetcher: StaticOnlyFetcher) -> CSS:
    """``stylesheet``, parsed once per render thread and again only if its file changes."""
    path = fetcher.static_folder / stylesheet
    version = path.stat().st_mtime_ns
    parsed: dict[str, tuple[int, CSS]] = _per_thread.__dict__.setdefault("stylesheets", {})
    cached = parsed.get(stylesheet)
    if cached is None or cached[0] != version:
        css = CSS(url=path.as_uri(), url_fetcher=fetcher, font_config=_per_thread.font_config)
        parsed[stylesheet] = cached = (version, css)
    return cached[1]


def static_folder() -> Path:
    return Path(current_app.static_folder or "")
