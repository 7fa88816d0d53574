"""The certificate PDF: its contents, its QR code, every script, and what WeasyPrint may fetch."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from flask import Flask

from course.certificates import pdf
from course.core import pdf as pdf_renderer
from tests.fixtures.certificates import claim, finished_learner, the_certificate
from tests.fixtures.pdf import require_tools, run

TOOLS = ("pdftotext", "pdfinfo", "pdffonts", "pdftoppm", "zbarimg")


@pytest.fixture(autouse=True)
def poppler_and_zbar() -> None:
    require_tools(*TOOLS)


def downloaded_pdf(app: Flask, tmp_path: Path, name: str) -> tuple[Path, str]:
    holder = finished_learner(app)
    claim(holder, name=name)
    certificate = the_certificate(app)
    path = tmp_path / "certificate.pdf"
    path.write_bytes(holder.get(f"/certificates/{certificate.code}.pdf").data)
    return path, certificate.display_code


def test_the_pdf_is_one_a4_landscape_page_with_the_facts_and_metadata(
    course_app: Flask, tmp_path: Path
) -> None:
    path, code = downloaded_pdf(course_app, tmp_path, "Grace Brewster Hopper")

    text = run("pdftotext", "-layout", str(path), "-")
    info = run("pdfinfo", str(path))

    for expected in (
        "Grace Brewster Hopper",
        "Certificate of completion",
        "Example course",
        code,
        "ISSUED",
        "VALID UNTIL",
        "not affiliated with any police force",
    ):
        assert expected in text
    assert "Pages:           1" in info
    assert "841.89 x 595.276 pts (A4)" in info
    assert "Title:           CT Citizen certificate: Grace Brewster Hopper" in info
    assert "Author:          CT Citizen" in info
    assert "Subject:         Certificate of completion" in info
    assert "Tagged:          yes" in info
    fonts = run("pdffonts", str(path))
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # every font embedded


def test_the_qr_code_scans_from_a_100_dpi_print_and_leads_to_a_page_saying_valid(
    course_app: Flask, tmp_path: Path
) -> None:
    path, code = downloaded_pdf(course_app, tmp_path, "Ada Lovelace")

    run("pdftoppm", "-png", "-r", "100", str(path), str(tmp_path / "page"))
    decoded = run("zbarimg", "--quiet", "--raw", str(tmp_path / "page-1.png")).strip()

    stored = code.replace("-", "")
    assert decoded == f"http://localhost/v/{stored}"
    short = course_app.test_client().get(decoded.removeprefix("http://localhost"))
    assert short.status_code == 301 and short.location == f"/verify/{code}"
    page = course_app.test_client().get(short.location)
    assert page.status_code == 200 and "This certificate is valid" in page.get_data(as_text=True)


def test_the_printed_address_is_short_and_breaks_only_between_its_parts(
    course_app: Flask, tmp_path: Path
) -> None:
    course_app.config["BASE_URL"] = "https://counter-terrorism-awareness-course.example.org"
    path, code = downloaded_pdf(course_app, tmp_path, "Ada Lovelace")

    text = run("pdftotext", "-raw", str(path), "-")

    address = f"https://counter-terrorism-awareness-course.example.org/v/{code.replace('-', '')}"
    # The address may start or end a line, so the words around it may be parted by a line break.
    found = re.search(r"visit\s(.+?)\sto\b", text, re.DOTALL)
    assert found, text
    printed = found.group(1)
    assert printed.replace("\n", "") == address
    for line in printed.split("\n")[:-1]:
        assert line.endswith(("/", "-")), printed  # a line ends only after a slash or hyphen


@pytest.mark.parametrize(
    ("name", "font"),
    [
        ("Zoë Ångström-Núñez", "Noto-Serif"),
        ("Анна Ахматова", "Noto-Serif"),
        ("Νίκος Καζαντζάκης", "Noto-Serif"),
        ("محمد بن موسى الخوارزمي", "Arabic"),
        ("रवीन्द्रनाथ ठाकुर", "Devanagari"),
        ("李小龙", "CJK"),
    ],
    ids=["latin", "cyrillic", "greek", "arabic", "devanagari", "chinese"],
)
def test_names_in_every_script_render_with_a_real_font(
    course_app: Flask, tmp_path: Path, name: str, font: str
) -> None:
    path, _code = downloaded_pdf(course_app, tmp_path, name)

    fonts = run("pdffonts", str(path))
    text = run("pdftotext", str(path), "-")

    assert font in fonts, fonts
    if font != "Arabic":  # pdftotext gives right-to-left text back in visual order
        # and may split a cluster with a space, so compare without white space
        assert "".join(name.split()) in "".join(text.split())
    run("pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page"))  # renders without error


def test_a_name_full_of_markup_prints_as_text_and_fetches_nothing(
    course_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetched: list[str] = []
    original = pdf_renderer.StaticOnlyFetcher.fetch

    def recording_fetch(self: pdf_renderer.StaticOnlyFetcher, url: str, headers=None):  # noqa: ANN001, ANN202
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf_renderer.StaticOnlyFetcher, "fetch", recording_fetch)
    hostile = (
        '<img src="file:///etc/passwd"><style>@import "http://127.0.0.1:9/x.css";</style>'
        '<link rel=stylesheet href="http://127.0.0.1:9/y.css">'
    )

    path, _code = downloaded_pdf(course_app, tmp_path, hostile)

    text = "".join(run("pdftotext", str(path), "-").split())
    assert '<imgsrc="file:///etc/passwd">' in text and "http://127.0.0.1:9/x.css" in text
    assert all(url.startswith(("file://", "data:")) for url in fetched), fetched
    assert not any("passwd" in url or "127.0.0.1:9" in url for url in fetched)


def test_the_fetcher_allows_only_data_urls_and_the_static_folder(course_app: Flask) -> None:
    with course_app.app_context():
        static = pdf_renderer.static_folder()
    fetcher = pdf_renderer.StaticOnlyFetcher(static, time.monotonic() + 10)

    allowed_static = fetcher.fetch((static / "css" / "certificate.css").as_uri())
    allowed_data = fetcher.fetch("data:text/plain,hello")

    assert allowed_static.status == 200 and b"@page" in allowed_static.read()
    assert allowed_data.read() == b"hello"
    for url in (
        "file:///etc/passwd",
        (static / ".." / "config.py").resolve().as_uri(),
        "http://127.0.0.1:9/",
        "https://example.org/",
        "ftp://example.org/x",
    ):
        with pytest.raises(ValueError, match="refused|disallowed"):
            fetcher.fetch(url)


def test_html_that_references_outside_files_renders_without_them(course_app: Flask) -> None:
    html = (
        '<html><head><link rel="stylesheet" href="file:///etc/hostname"></head><body>'
        '<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/a.png"><p>Still here</p>'
        "</body></html>"
    )
    with course_app.app_context():
        content = pdf.render_pdf(html, pdf_renderer.static_folder())

    assert content.startswith(b"%PDF-")


def test_a_render_that_takes_too_long_is_stopped(course_app: Flask) -> None:
    html = "<p>x</p>" * 20000
    with course_app.app_context(), pytest.raises(pdf_renderer.PdfRenderError):
        pdf.render_pdf(html, pdf_renderer.static_folder(), time_limit=0.01)
