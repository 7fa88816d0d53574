"""Getting a certificate in a real browser by keyboard: claim, download, check by QR and code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask

from course.catalogue.services import the_course
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.learning import complete_course
from tests.fixtures.pdf import run


def test_claim_download_check_by_qr_and_see_it_revoked(
    desktop: BrowserSession, app: Flask, tmp_path: Path
) -> None:
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("needs poppler-utils and zbar-tools")
    import_bundle(app)
    with app.app_context():
        user = make_user(email="ada@example.org", name="Ada Lovelace")
        course = the_course()
        assert course is not None
        complete_course(user, course)
    page = desktop.page
    desktop.sign_in("ada@example.org", STRONG_PASSWORD, "dashboard")
    assert "Get your certificate" in page.locator("main").inner_text()

    desktop.type_into("holder_name", "Augusta Ada King")
    desktop.activate("Get my certificate", "certificate-ready")
    assert "Your certificate is ready" in page.locator(".notification").inner_text()
    desktop.tab_to(text="Download the PDF")
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    downloaded_from = download_info.value.url
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert saved.name.startswith("ct-citizen-certificate-") and saved.suffix == ".pdf"
    assert "Augusta Ada King" in run("pdftotext", str(saved), "-")

    # A print at 100 dpi, about what an office printer and a phone camera make of it.
    run("pdftoppm", "-png", "-r", "100", str(saved), str(tmp_path / "page"))
    verify_url = run("zbarimg", "--quiet", "--raw", str(tmp_path / "page-1.png")).strip()
    assert verify_url.startswith(desktop.base_url + "/v/")
    page.goto(verify_url)
    desktop.audit("verified-valid")
    assert page.locator("h1").inner_text() == "This certificate is valid"
    assert "Augusta Ada King" in page.locator("main").inner_text()

    code = page.url.rsplit("/", 1)[1]  # the short address leads to the code's verification page
    # The certificates page links the PDF's one stable address.
    assert downloaded_from == f"{desktop.base_url}/certificates/{code}.pdf"
    result = app.test_cli_runner().invoke(args=["certificates", "revoke", code, "--reason", "Test"])
    assert result.exit_code == 0
    page.reload()
    desktop.audit("verified-revoked")
    assert page.locator("h1").inner_text() == "This certificate has been revoked"

    desktop.activate("Check another certificate", "verify-form")
    desktop.type_into("code", code.lower().replace("-", " "))
    desktop.activate("Check", "verified-by-typing")
    assert page.locator("h1").inner_text() == "This certificate has been revoked"


def test_an_unknown_code_says_so_clearly(phone: BrowserSession, app: Flask) -> None:
    phone.open("/verify")
    phone.type_into("code", "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345")
    phone.expect_error_status("/verify?code=ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345")

    phone.activate("Check", "not-found")

    assert phone.page.locator("h1").inner_text() == "No certificate found"
