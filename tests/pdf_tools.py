"""Poppler's command-line tools, for tests that read PDFs as a person's viewer would."""

from __future__ import annotations

import subprocess
import tempfile


def run(*command: str) -> str:
    """Run a fixed command and return what it printed."""
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603


def pdf_text(content: bytes) -> str:
    """The text of a PDF, laid out as on the page."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        return run("pdftotext", "-layout", file.name, "-")
