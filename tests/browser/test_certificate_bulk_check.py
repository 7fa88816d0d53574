"""Checking many certificates at once in a real browser, by keyboard, with axe-core on every
page: someone signed in goes from *Check a certificate* to the bulk check, is told what is wrong
with an empty file, then uploads codes and gets each one's status back as a CSV file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from flask import Flask

from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession
from tests.fixtures.certificates import certified_learner, the_certificate
from tests.fixtures.factories import STRONG_PASSWORD, make_user


def test_an_inspector_checks_many_certificates_from_a_file(
    desktop: BrowserSession, app: Flask, tmp_path: Path
) -> None:
    import_bundle(app)
    certified_learner(app, "Ada Lovelace")
    code = the_certificate(app).display_code
    with app.app_context():
        make_user(email="inspector@example.org", name="Ines Inspector")
    empty = tmp_path / "empty.csv"
    empty.write_text("code\n")
    codes = tmp_path / "codes.csv"
    codes.write_text(f"code\n{code}\nNOT-A-CODE\n")
    page = desktop.page

    desktop.sign_in("inspector@example.org", STRONG_PASSWORD, "dashboard")
    desktop.open("/verify", label="verify")
    desktop.activate("Check many certificates at once", "check-many")
    desktop.tab_to(element_id="file")
    page.set_input_files("#file", str(empty))  # the system's file picker is not the page's
    desktop.expect_error_status("/verify/many")
    desktop.activate("Check the codes", "refused")
    assert "The file has no certificate codes" in page.locator(".error-summary").inner_text()

    desktop.tab_to(element_id="file")
    page.set_input_files("#file", str(codes))
    desktop.tab_to(text="Check the codes")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert [(row["Status"], row["Holder"]) for row in rows] == [
        ("valid", "Ada Lovelace"),
        ("no certificate has this code", ""),
    ]
    assert download.value.suggested_filename.startswith("certificate-check-")
