"""The certificate as a PDF: its template and stylesheet, rendered by :mod:`course.core.pdf` (which
fetches nothing but our own static files, within a time limit, as tagged PDF/UA)."""

from __future__ import annotations

import re
from pathlib import Path

from flask import render_template
from markupsafe import Markup

from course.catalogue.localised import ModuleWords
from course.core.pdf import RENDER_TIME_LIMIT_SECONDS
from course.core.pdf import render_pdf as render_with

TEMPLATE = "certificates/certificate.html"
STYLESHEET = "css/certificate.css"
#: Change this whenever the template or its stylesheet changes: stored PDFs are re-rendered.
TEMPLATE_VERSION = "2026-12-04.5"


def render_pdf(
    html: str, static_folder: Path, time_limit: float = RENDER_TIME_LIMIT_SECONDS
) -> bytes:
    """The certificate page ``html`` as PDF bytes, with the certificate's stylesheet.

    :raises course.core.pdf.PdfRenderError: when it takes longer than ``time_limit`` seconds.
    """
    return render_with(html, STYLESHEET, static_folder, time_limit)


def certificate_html(
    *,
    holder_name: str,
    course_title: str,
    module_titles: list[ModuleWords],
    learning_time: str,
    issued_on: str,
    expires_on: str,
    issuer: str,
    code: str,
    verify_url: str,
    qr_data_uri: str,
) -> str:
    """The certificate page; every value is escaped by Jinja, so a name is only ever text."""
    return render_template(
        TEMPLATE,
        holder_name=holder_name,
        course_title=course_title,
        module_titles=module_titles,
        learning_time=learning_time,
        issued_on=issued_on,
        expires_on=expires_on,
        issuer=issuer,
        code=code,
        verify_url=breakable_address(verify_url),
        qr_data_uri=qr_data_uri,
    )


def breakable_address(url: str) -> Markup:
    """``url`` with line breaks allowed only after its slashes and hyphens, so a printed address
    wraps between parts and never inside a group of the code (the stylesheet allows no others),
    kept left to right inside a right-to-left sentence."""
    parts = Markup("<wbr>").join(re.split(r"(?<=[/-])", url))
    return Markup('<bdi dir="ltr">') + parts + Markup("</bdi>")
