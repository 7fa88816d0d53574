"""Rendering a certificate as a PDF with WeasyPrint, safely.

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

from flask import current_app, render_template
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

TEMPLATE = "certificates/certificate.html"
STYLESHEET = "css/certificate.css"
#: Change this whenever the template or its stylesheet changes: stored PDFs are re-rendered.
TEMPLATE_VERSION = "2026-11-21.4"
RENDER_TIME_LIMIT_SECONDS = 30
_render_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="certificate-pdf")
# WeasyPrint builds a font configuration per render unless given one; those are never freed (about
# 0.5 MB a render) and cost a third of the render time. Pango's font maps are not thread-safe, so
# each render thread keeps its own, and its own parsed stylesheet (parsing it costs a tenth of a
# render).
_per_thread = threading.local()


class CertificateRenderError(RuntimeError):
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
            raise FatalURLFetchingError("the certificate took too long to render")
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()
            if path.is_file() and path.is_relative_to(self.static_folder):
                media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})
        self.refused.append(url)
        log.warning("Refused to fetch %r while rendering a certificate", url)
        raise ValueError(f"refused to fetch {url}")


def render_pdf(
    html: str, static_folder: Path, time_limit: float = RENDER_TIME_LIMIT_SECONDS
) -> bytes:
    """Turn certificate HTML into PDF bytes, fetching only what :class:`StaticOnlyFetcher` allows.

    :raises CertificateRenderError: when it takes longer than ``time_limit`` seconds.
    """
    fetcher = StaticOnlyFetcher(static_folder, time.monotonic() + time_limit)
    document = HTML(string=html, base_url=static_folder.as_uri() + "/", url_fetcher=fetcher)
    future = _render_pool.submit(_write_pdf, document, fetcher)
    try:
        return future.result(timeout=time_limit)
    except FutureTimeout:
        raise CertificateRenderError("the certificate took too long to render") from None


def _write_pdf(document: HTML, fetcher: StaticOnlyFetcher) -> bytes:
    if not hasattr(_per_thread, "font_config"):
        _per_thread.font_config = FontConfiguration()
    return document.write_pdf(
        pdf_variant="pdf/ua-1",
        pdf_tags=True,
        font_config=_per_thread.font_config,
        stylesheets=[_parsed_stylesheet(fetcher)],
    )


def _parsed_stylesheet(fetcher: StaticOnlyFetcher) -> CSS:
    """The certificate stylesheet, parsed once per render thread and again only if it changes."""
    path = fetcher.static_folder / STYLESHEET
    version = path.stat().st_mtime_ns
    cached = getattr(_per_thread, "stylesheet", None)
    if cached is None or cached[0] != version:
        stylesheet = CSS(
            url=path.as_uri(), url_fetcher=fetcher, font_config=_per_thread.font_config
        )
        _per_thread.stylesheet = cached = (version, stylesheet)
    return cached[1]


def certificate_html(
    *,
    holder_name: str,
    course_title: str,
    issued_on: str,
    expires_on: str,
    code: str,
    verify_url: str,
    qr_data_uri: str,
) -> str:
    """The certificate page; every value is escaped by Jinja, so a name is only ever text."""
    return render_template(
        TEMPLATE,
        holder_name=holder_name,
        course_title=course_title,
        issued_on=issued_on,
        expires_on=expires_on,
        code=code,
        verify_url=verify_url,
        qr_data_uri=qr_data_uri,
    )


def static_folder() -> Path:
    return Path(current_app.static_folder or "")
