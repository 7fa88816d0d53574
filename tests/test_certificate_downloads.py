"""Downloading a certificate's PDF: one address, ``/certificates/<code>.pdf``, served by the request
pipeline like every page, to the holder and to admins, with a content ETag so that asking again for
an unchanged PDF costs a 304."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from course.accounts.services import end_all_sessions, find_user_by_email
from course.accounts.sessions import LAST_SEEN_AT, REMEMBERED
from course.certificates import services as certificates
from course.certificates.models import Certificate
from course.extensions import db
from tests.fixtures.apps import build_app, import_bundle
from tests.fixtures.certificates import claim, finished_learner, pdf_link_on_page, the_certificate
from tests.fixtures.clients import signed_in, signed_in_admin
from tests.fixtures.pdf import pdf_text
from tests.fixtures.security_site import OverHttps

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Permissions-Policy",
)


@pytest.fixture
def holder(course_app: Flask) -> FlaskClient:
    client = finished_learner(course_app)
    claim(client)
    return client


def pdf_path(app: Flask) -> str:
    return f"/certificates/{the_certificate(app).display_code}.pdf"


def correct_name(app: Flask, holder_name: str) -> None:
    """An admin corrects the printed name, which renders the PDF again."""
    with app.test_request_context():
        stored = db.session.get(Certificate, the_certificate(app).id)
        assert stored is not None
        certificates.correct_holder_name(stored, holder_name, changed_by=None)
        certificates.commit_and_store_pdf(stored)


def assert_security_headers(response: TestResponse) -> None:
    for name in SECURITY_HEADERS:
        assert response.headers.get(name), f"{name} missing"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_the_certificates_page_links_the_pdfs_one_address(
    course_app: Flask, holder: FlaskClient
) -> None:
    assert pdf_link_on_page(holder) == pdf_path(course_app)


def test_the_holder_downloads_the_pdf_as_a_privately_cached_attachment(
    course_app: Flask, holder: FlaskClient
) -> None:
    certificate = the_certificate(course_app)

    response = holder.get(pdf_link_on_page(holder))

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "Ada King, Countess of Lovelace" in pdf_text(response.data)
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=ct-citizen-certificate-{certificate.display_code}.pdf"
    )
    cache_control = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert cache_control == {"private", "no-cache"}
    assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["ETag"])


def test_asking_again_with_the_etag_gets_304_and_no_body(
    course_app: Flask, holder: FlaskClient
) -> None:
    first = holder.get(pdf_path(course_app))

    again = holder.get(pdf_path(course_app), headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert_security_headers(again)


def test_a_re_rendered_pdf_gets_a_new_etag_and_is_sent_in_full(
    course_app: Flask, holder: FlaskClient
) -> None:
    before = holder.get(pdf_path(course_app))
    correct_name(course_app, "Augusta Ada King")

    after = holder.get(pdf_path(course_app), headers={"If-None-Match": before.headers["ETag"]})

    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "Augusta Ada King" in pdf_text(after.data)


def test_only_the_holder_and_an_admin_with_two_factors_may_download(
    course_app: Flask, holder: FlaskClient
) -> None:
    from course.accounts.models import Role

    path = pdf_path(course_app)
    eve = signed_in(course_app, "eve@example.org")
    password_only_admin = signed_in(course_app, "admin-eve@example.org", role=Role.ADMIN)
    admin = signed_in_admin(course_app)

    refused = eve.get(path)
    anonymous = course_app.test_client().get(path)
    by_admin = admin.get(path)

    assert refused.status_code == 404 and refused.mimetype == "text/html"
    assert password_only_admin.get(path).status_code == 404
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert by_admin.status_code == 200
    assert by_admin.data == holder.get(path).data


def test_a_revoked_certificates_pdf_is_gone(course_app: Flask, holder: FlaskClient) -> None:
    path = pdf_link_on_page(holder)
    with course_app.test_request_context():
        certificates.revoke_certificate(the_certificate(course_app).code, "Shared the account")
        db.session.commit()

    response = holder.get(path)

    assert response.status_code == 410
    assert "This certificate was revoked" in response.get_data(as_text=True)


def test_the_pdf_carries_the_security_headers_and_request_id_of_every_page(
    course_app: Flask, holder: FlaskClient
) -> None:
    response = holder.get(pdf_path(course_app))

    assert response.status_code == 200
    assert_security_headers(response)
    assert "Strict-Transport-Security" not in response.headers  # HTTPS is not required here


def test_where_https_is_required_the_pdf_is_sent_with_hsts_and_never_over_plain_http(
    tmp_path: Path,
) -> None:
    app = build_app(tmp_path, HTTPS_ONLY=True, BASE_URL="https://localhost")
    import_bundle(app)
    served_over_plain_http = app.wsgi_app
    app.wsgi_app = OverHttps(served_over_plain_http)  # type: ignore[method-assign]
    holder = finished_learner(app)
    claim(holder)
    path = pdf_link_on_page(holder)

    secure = holder.get(path)
    app.wsgi_app = served_over_plain_http  # type: ignore[method-assign]
    plain = holder.get(path)

    assert secure.status_code == 200 and secure.mimetype == "application/pdf"
    assert "max-age=63072000" in secure.headers["Strict-Transport-Security"]
    assert_security_headers(secure)
    assert plain.status_code in (301, 302)
    assert plain.headers["Location"].startswith("https://")


def test_the_request_line_names_the_route_not_the_code(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = build_app(tmp_path, LOG_REQUESTS=True)
    import_bundle(app)
    holder = finished_learner(app)
    claim(holder)
    code = the_certificate(app).display_code

    caplog.clear()  # the lines of signing in and claiming
    with caplog.at_level(logging.INFO, logger="course.requests"):
        response = holder.get(f"/certificates/{code}.pdf")

    assert response.status_code == 200
    [line] = [record for record in caplog.records if record.name == "course.requests"]
    assert line.getMessage().startswith("GET /certificates/<code>.pdf 200 ")
    assert line.request_id == response.headers["X-Request-ID"]  # type: ignore[attr-defined]
    assert all(code not in record.getMessage() for record in caplog.records)


def test_ending_the_holders_sessions_stops_their_downloads(
    course_app: Flask, holder: FlaskClient
) -> None:
    with course_app.app_context():
        user = find_user_by_email("ada@example.org")
        assert user is not None
        end_all_sessions(user)
        db.session.commit()

    response = holder.get(pdf_path(course_app))

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_idle_session_is_signed_out_rather_than_served(
    course_app: Flask, holder: FlaskClient
) -> None:
    with holder.session_transaction() as session:
        session[LAST_SEEN_AT] = time.time() - 24 * 3600

    response = holder.get(pdf_path(course_app))

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_download_keeps_a_session_in_use_alive(course_app: Flask, holder: FlaskClient) -> None:
    a_while_ago = time.time() - 5 * 60
    with holder.session_transaction() as session:
        session[LAST_SEEN_AT] = a_while_ago

    response = holder.get(pdf_path(course_app))

    assert response.status_code == 200
    with holder.session_transaction() as session:
        assert session[LAST_SEEN_AT] > a_while_ago


def test_a_remembered_session_has_no_idle_timeout(course_app: Flask, holder: FlaskClient) -> None:
    long_ago = time.time() - 24 * 3600
    with holder.session_transaction() as session:
        session[REMEMBERED] = True
        session[LAST_SEEN_AT] = long_ago

    response = holder.get(pdf_path(course_app))

    assert response.status_code == 200
    with holder.session_transaction() as session:
        assert session[LAST_SEEN_AT] == long_ago  # it keeps no time: its cookie does
