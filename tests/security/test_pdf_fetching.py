"""ASVS V12 (files and resources: server-side request forgery) for the certificate PDF.

WeasyPrint follows every URL a document names. The certificates package gives it a fetcher that
allows ``data:`` URLs and the package's own static files and nothing else, so neither a learner's
name nor anything else in a certificate can make the server read a local file or open a
connection.

Proved elsewhere and not repeated here:

- ``tests/test_certificate_pdf.py::test_the_fetcher_allows_only_data_urls_and_the_static_folder``
  (file:///etc/passwd, a path climbing out of static, http, https and ftp are refused),
- ``tests/test_certificate_pdf.py::test_a_name_full_of_markup_prints_as_text_and_fetches_nothing``
  (``<img src>``, ``@import`` and ``<link>`` in a claimed name),
- ``tests/test_certificate_pdf.py::test_html_that_references_outside_files_renders_without_them``,
- ``tests/test_certificate_pdf.py::test_a_render_that_takes_too_long_is_stopped``.

This module fills the gaps: URLs relative to the static folder that climb out of it, encoded and
oddly spelled schemes, a sibling folder whose name starts like ``static``, a spy on the network
itself, and a name full of CSS and HTML reaching the PDF through the real download.
"""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from flask import Flask

from course.certificates import pdf
from course.certificates.models import Certificate
from course.core import pdf as pdf_renderer
from course.extensions import db
from tests.fixtures.certificates import certified_learner
from tests.fixtures.factories import STRONG_PASSWORD
from tests.fixtures.pdf import pdf_text
from tests.fixtures.web import sign_in


@pytest.fixture
def static(course_app: Flask) -> Iterator[Path]:
    with course_app.app_context():
        yield pdf_renderer.static_folder()


@pytest.fixture
def fetches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL the fetcher handed content for (refusals are not listed)."""
    served: list[str] = []
    original = pdf_renderer.StaticOnlyFetcher.fetch

    def recording_fetch(self: pdf_renderer.StaticOnlyFetcher, url: str, headers=None):  # noqa: ANN001, ANN202
        response = original(self, url, headers)
        served.append(url)
        return response

    monkeypatch.setattr(pdf_renderer.StaticOnlyFetcher, "fetch", recording_fetch)
    return served


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every attempt to open a network connection or resolve a name; each one fails."""
    attempts: list[object] = []

    def refuse_connect(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("the test allows no network")

    def refuse_lookup(host: object, *args: object, **kwargs: object) -> list[object]:
        attempts.append(host)
        raise OSError("the test allows no name lookups")

    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(socket, "getaddrinfo", refuse_lookup)
    return attempts


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        "file:/etc/passwd",
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/",
        "HTTPS://example.org/",
        "ftp://example.org/x",
        "gopher://127.0.0.1:25/x",
        "//example.org/x.png",
        "javascript:alert(1)",
    ],
)
def test_the_fetcher_refuses_other_files_and_every_network_scheme(
    static: Path, connections: list[object], url: str
) -> None:
    fetcher = pdf_renderer.StaticOnlyFetcher(static, time.monotonic() + 10)

    with pytest.raises(ValueError, match="refused|disallowed|unknown url type"):
        fetcher.fetch(url)

    assert connections == []


@pytest.mark.parametrize(
    "relative",
    [
        "../config.py",
        "../../../../../../etc/passwd",
        "css/../../config.py",
        "css/%2e%2e/%2e%2e/config.py",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "css/..%2f..%2fconfig.py",
    ],
)
def test_a_path_relative_to_static_that_climbs_out_is_refused(static: Path, relative: str) -> None:
    fetcher = pdf_renderer.StaticOnlyFetcher(static, time.monotonic() + 10)
    url = static.as_uri() + "/" + relative

    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url)

    assert fetcher.refused == [url]


def test_a_sibling_folder_whose_name_starts_like_static_is_refused(
    static: Path, tmp_path: Path
) -> None:
    fake_static = tmp_path / "static"
    (fake_static / "css").mkdir(parents=True)
    (fake_static / "css" / "site.css").write_text("body {}")
    sibling = tmp_path / "static-secrets"
    sibling.mkdir()
    (sibling / "key.txt").write_text("secret")
    fetcher = pdf_renderer.StaticOnlyFetcher(fake_static, time.monotonic() + 10)

    allowed = fetcher.fetch((fake_static / "css" / "site.css").as_uri())

    assert allowed.read() == b"body {}"
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch((sibling / "key.txt").as_uri())


def test_a_symbolic_link_in_static_that_points_outside_is_refused(tmp_path: Path) -> None:
    fake_static = tmp_path / "static"
    fake_static.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    (fake_static / "innocent.css").symlink_to(outside)
    fetcher = pdf_renderer.StaticOnlyFetcher(fake_static, time.monotonic() + 10)

    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch((fake_static / "innocent.css").as_uri())


def test_a_document_naming_outside_resources_renders_and_the_network_is_never_touched(
    static: Path, course_app: Flask, fetches: list[str], connections: list[object]
) -> None:
    html = (
        "<html><head>"
        '<link rel="stylesheet" href="../../../../etc/passwd">'
        '<style>@import url("http://127.0.0.1:9/a.css");'
        '@font-face { font-family: x; src: url("https://example.org/x.woff") }'
        "body { background: url(file:///etc/hostname) }</style>"
        "</head><body>"
        '<img src="../../../../../etc/passwd">'
        '<img src="http://169.254.169.254/latest/meta-data/">'
        '<object data="http://127.0.0.1:9/o"></object>'
        '<iframe src="https://example.org/"></iframe>'
        '<svg><image href="http://127.0.0.1:9/s.png"/></svg>'
        '<p style="background-image: url(//example.org/p.png)">Still here</p>'
        "</body></html>"
    )
    with course_app.app_context():
        content = pdf.render_pdf(html, static)

    assert content.startswith(b"%PDF-")
    assert connections == []
    assert all(_inside(static, url) for url in fetches), fetches


def _inside(static: Path, url: str) -> bool:
    if not url.startswith("file:"):
        return False
    return Path(unquote(urlsplit(url).path)).resolve().is_relative_to(static.resolve())


HOSTILE_NAME = (
    '<style>@import "http://127.0.0.1:9/i.css"; body{background:url(file:///etc/passwd)}</style>'
    '<img src="../../../etc/passwd"><link rel=stylesheet href="https://example.org/l.css">'
    "url(//127.0.0.1:9/u)"
)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_a_name_of_html_and_css_prints_literally_and_fetches_only_static_files(
    course_app: Flask, fetches: list[str], connections: list[object], static: Path
) -> None:
    assert len(HOSTILE_NAME) <= 200
    _user_id, certificate_id = certified_learner(course_app, HOSTILE_NAME)
    with course_app.app_context():
        code = db.session.get(Certificate, certificate_id).code  # type: ignore[union-attr]
    holder = course_app.test_client()
    sign_in(holder, "ada@example.org", STRONG_PASSWORD)

    response = holder.get(f"/certificates/{code}.pdf")

    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    text = "".join(pdf_text(response.data).split())
    assert "".join(HOSTILE_NAME.split()) in text
    assert connections == []
    assert all(url.startswith("data:") or _inside(static, url) for url in fetches), fetches
