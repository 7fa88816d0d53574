"""Getting a certificate in a real browser by keyboard: claim it on the completion page, download
it, check it by QR and code; and, once it is revoked, earn a new one by passing every quiz again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask

from course.admin import user_administration
from course.catalogue.services import the_course
from course.certificates.models import Certificate
from course.extensions import db
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession, pass_quiz_by_keyboard
from tests.fixtures.certificates import certified_learner
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.learning import complete_course
from tests.fixtures.mail import queued_emails
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
    assert page.locator("#holder_name").count() == 0  # the name is asked on the completion page

    desktop.activate("Get your certificate", "completion")
    assert page.locator("h1").inner_text() == "You have completed the course"
    assert page.locator("#holder_name").input_value() == "Ada Lovelace"
    desktop.type_into("holder_name", "Augusta Ada King")
    desktop.activate("Get my certificate", "certificate-ready")
    assert page.url == desktop.url("/certificates/complete")
    assert page.locator("h1").inner_text() == "Your certificate is ready"
    assert "Your certificate is ready" in page.locator(".notification").inner_text()
    main = page.locator("main")
    assert "Augusta Ada King" in main.inner_text()
    assert (
        main.get_by_role("link", name="Add to LinkedIn")
        .get_attribute("href")
        .startswith("https://www.linkedin.com/profile/add?")
    )
    assert main.get_by_role("link", name=f"{desktop.base_url}/verify/").count() == 1
    assert "What next" in main.inner_text()
    desktop.tab_to(text="Download your certificate (PDF)")
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
    # The ready page links the PDF's one stable address.
    assert downloaded_from == f"{desktop.base_url}/certificates/{code}.pdf"
    app.config["BASE_URL"] = desktop.base_url  # the holder's email links to the site
    result = app.test_cli_runner().invoke(
        args=["certificates", "revoke", code, "--reason", "Test", "--yes"]
    )
    assert result.exit_code == 0, result.output
    page.reload()
    desktop.audit("verified-revoked")
    assert page.locator("h1").inner_text() == "This certificate has been revoked"

    desktop.activate("Check another certificate", "verify-form")
    desktop.type_into("code", code.lower().replace("-", " "))
    desktop.activate("Check", "verified-by-typing")
    assert page.locator("h1").inner_text() == "This certificate has been revoked"


def test_a_revoked_holder_passes_every_quiz_again_and_earns_a_new_certificate(
    desktop: BrowserSession, app: Flask
) -> None:
    import_bundle(app)
    _, certificate_id = certified_learner(app, "Ada Lovelace")
    with app.test_request_context():
        certificate = db.session.get(Certificate, certificate_id)
        assert certificate is not None
        old_code = certificate.display_code
        assert user_administration.revoke(None, certificate, "It was issued by mistake")
        db.session.commit()
        email = queued_emails(to="ada@example.org")[-1]
        assert "revoked" in email.subject and "It was issued by mistake" in email.text_body
        course = the_course()
        assert course is not None
        modules = [module.current_version.title for module in course.required_modules]
    page = desktop.page

    desktop.sign_in("ada@example.org", STRONG_PASSWORD, "dashboard-revoked")
    main = page.locator("main")
    assert "Your certificate was revoked" in main.inner_text()
    assert "It was issued by mistake" in main.inner_text()
    assert page.get_by_text("To do", exact=True).count() == len(modules)
    assert page.get_by_role("link", name="Get your new certificate").count() == 0

    for number, title in enumerate(modules, start=1):
        desktop.activate(title, f"module-{number}-quiz-intro")
        pass_quiz_by_keyboard(desktop, app, "Try again", f"module-{number}")
        if number == 1:
            # The result's main button leads to the completion page, which says what is left.
            desktop.activate("Get your certificate", "completion-with-quizzes-left")
            assert "Your certificate was revoked" in page.locator("main").inner_text()
            assert page.get_by_text("Passed again", exact=True).count() == 1
            assert page.locator("#holder_name").count() == 0
        desktop.activate("Dashboard", f"dashboard-after-module-{number}")
        assert page.get_by_text("Passed again", exact=True).count() == number

    desktop.activate("Get your new certificate", "completion")
    assert page.locator("h1").inner_text() == "You have passed every quiz again"
    assert page.locator("#holder_name").input_value() == "Ada Lovelace"
    desktop.activate("Get my certificate", "certificate-ready")
    assert page.locator("h1").inner_text() == "Your certificate is ready"
    new_code = page.locator(".summary-list .code").inner_text()
    assert new_code != old_code

    desktop.activate("All your certificates", "certificates")
    listed = [item.inner_text() for item in page.locator(".certificate-list__item").all()]
    assert len(listed) == 2
    assert new_code in listed[0] and "Valid" in listed[0]
    assert old_code in listed[1] and "Revoked" in listed[1]
    assert "It was issued by mistake" in listed[1]
    desktop.open(f"/verify/{old_code}", label="old-certificate-verified")
    assert page.locator("h1").inner_text() == "This certificate has been revoked"


def test_an_unknown_code_says_so_clearly(phone: BrowserSession, app: Flask) -> None:
    phone.open("/verify")
    phone.type_into("code", "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345")
    phone.expect_error_status("/verify?code=ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345")

    phone.activate("Check", "not-found")

    assert phone.page.locator("h1").inner_text() == "No certificate found"
