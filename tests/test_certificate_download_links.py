"""Short-lived download links for certificate PDFs, answered outside the request pipeline when they
are plainly in order, and by the pipeline's view, checked in full, when they are not."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from werkzeug.test import TestResponse

from course.accounts.models import User
from course.accounts.services import end_all_sessions, find_user_by_email
from course.accounts.sessions import LAST_SEEN_AT
from course.certificates import pdf
from course.certificates.download_links import (
    LINK_LIFETIME_SECONDS,
    DownloadLinkServer,
    granted_code,
    make_grant,
)
from course.certificates.models import CertificatePdf
from course.core.database import utcnow
from course.extensions import db
from tests.fixtures.apps import build_app, import_bundle
from tests.fixtures.certificates import claim, download_link, finished_learner, the_certificate
from tests.fixtures.clients import signed_in, signed_in_admin
from tests.fixtures.security_site import OverHttps

SECRET = "a-secret-key"
CODE = "0123456789ABCDEFGHJKMNPQRSTV"
# What the pipeline adds and the lean server does not: the session cookie it refreshes.
PIPELINE_ONLY_HEADERS = {"Set-Cookie", "Vary"}


class PipelineCount:
    """Counts the requests Flask's request pipeline serves."""

    def __init__(self, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
        self.served = 0
        dispatch = app.full_dispatch_request

        def counted() -> object:
            self.served += 1
            return dispatch()

        monkeypatch.setattr(app, "full_dispatch_request", counted)


@pytest.fixture
def holder(course_app: Flask) -> FlaskClient:
    client = finished_learner(course_app)
    claim(client)
    return client


def test_a_grant_names_the_certificate_only_for_the_session_token_it_was_made_for() -> None:
    now = 1_800_000_000.0
    grant = make_grant(CODE, "token-of-ada", SECRET, now)

    assert granted_code(grant, "token-of-ada", SECRET, now) == CODE
    assert granted_code(grant, "token-of-ada", SECRET, now + LINK_LIFETIME_SECONDS - 1) == CODE
    assert granted_code(grant, "token-of-ada", SECRET, now + LINK_LIFETIME_SECONDS) is None
    assert granted_code(grant, "token-of-ada", SECRET) == CODE  # expiry not asked about
    assert granted_code(grant, "token-of-eve", SECRET, now) is None
    assert granted_code(grant, "token-of-ada", "another-secret-key", now) is None


@pytest.mark.parametrize(
    "change",
    [
        lambda grant: grant.replace(CODE, "1" + CODE[1:]),  # another certificate
        lambda grant: re.sub(r"\.(\d+)\.", lambda m: f".{int(m[1]) + 3600}.", grant),  # later
        lambda grant: grant[:-1] + ("A" if grant[-1] != "A" else "B"),  # another signature
        lambda grant: grant + "A",
        lambda grant: grant.lower(),
        lambda _grant: "",
        lambda _grant: "not-a-grant",
        lambda _grant: "." * 200,
        lambda _grant: f"{CODE}.99999999999999999999.{'A' * 22}",
    ],
)
def test_a_changed_or_made_up_grant_gives_nothing(change) -> None:  # type: ignore[no-untyped-def]
    now = 1_800_000_000.0
    grant = make_grant(CODE, "token-of-ada", SECRET, now)

    assert granted_code(change(grant), "token-of-ada", SECRET, now) is None


def test_the_certificates_page_links_the_pdf_and_the_lean_server_answers_it(
    course_app: Flask, holder: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    certificate = the_certificate(course_app)
    link = download_link(holder)
    stable = holder.get(f"/certificates/{certificate.display_code}.pdf")
    pipeline = PipelineCount(course_app, monkeypatch)

    response = holder.get(link)

    assert pipeline.served == 0
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data == stable.data and response.data.startswith(b"%PDF-")
    assert (
        f"filename=ct-citizen-certificate-{certificate.display_code}.pdf"
        in response.headers["Content-Disposition"]
    )
    assert response.headers["Cache-Control"] == stable.headers["Cache-Control"]
    assert response.headers["ETag"] == stable.headers["ETag"]
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert holder.get(link, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert pipeline.served == 0


def same_headers(lean: TestResponse, pipeline: TestResponse) -> None:
    def comparable(response: TestResponse) -> dict[str, str]:
        ignored = PIPELINE_ONLY_HEADERS | {"X-Request-ID", "Date"}  # each response's own
        return {name: value for name, value in response.headers.items() if name not in ignored}

    assert comparable(lean) == comparable(pipeline)


@pytest.mark.parametrize("https", [False, True])
def test_the_lean_server_sends_exactly_the_headers_the_pipeline_sends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, https: bool
) -> None:
    app = build_app(tmp_path, HTTPS_ONLY=https, BASE_URL="https://localhost" if https else None)
    import_bundle(app)
    if https:
        app.wsgi_app = OverHttps(app.wsgi_app)  # type: ignore[method-assign]
    holder = finished_learner(app)
    claim(holder)
    link = download_link(holder)
    pipeline = PipelineCount(app, monkeypatch)
    lean = holder.get(link)
    assert pipeline.served == 0
    with app.app_context():  # the pipeline's view answers once the link has expired
        user = find_user_by_email("ada@example.org")
        assert user is not None
        expired = make_grant(
            the_certificate(app).code, user.session_token, app.config["SECRET_KEY"], 0
        )

    through_pipeline = holder.get(f"/certificates/download/{expired}")

    assert pipeline.served == 1
    assert lean.status_code == through_pipeline.status_code == 200
    same_headers(lean, through_pipeline)
    if https:
        assert "max-age=63072000" in lean.headers["Strict-Transport-Security"]


def test_plain_http_goes_to_https_where_https_is_required(tmp_path: Path) -> None:
    app = build_app(tmp_path, HTTPS_ONLY=True, BASE_URL="https://localhost")
    import_bundle(app)
    served_over_plain_http = app.wsgi_app
    app.wsgi_app = OverHttps(served_over_plain_http)  # type: ignore[method-assign]
    holder = finished_learner(app)
    claim(holder)
    link = download_link(holder)
    app.wsgi_app = served_over_plain_http  # type: ignore[method-assign]

    response = holder.get(link)  # the session cookie goes too: the test client sends it

    assert response.status_code in (301, 302)
    assert response.headers["Location"].startswith("https://")


def test_an_expired_link_is_checked_again_in_full_and_still_serves_the_holder(
    course_app: Flask, holder: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from course.certificates import views

    # The page makes its links as if long ago, so they have expired.
    monkeypatch.setattr(views, "time", SimpleNamespace(time=lambda: 1_000_000.0))
    link = download_link(holder)
    monkeypatch.undo()
    pipeline = PipelineCount(course_app, monkeypatch)

    response = holder.get(link)

    assert pipeline.served == 1
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


def test_a_link_is_no_use_to_anyone_else(course_app: Flask, holder: FlaskClient) -> None:
    link = download_link(holder)
    eve = signed_in(course_app, "eve@example.org")
    admin = signed_in_admin(course_app)
    anonymous = course_app.test_client()

    assert eve.get(link).status_code == 404
    assert admin.get(link).status_code == 404  # admins use the certificate's own address
    signing_in = anonymous.get(link)
    assert signing_in.status_code == 302 and "/login" in signing_in.headers["Location"]


@pytest.mark.parametrize("grant", ["not-a-grant", "x" * 500, "..", "%00", CODE])
def test_a_made_up_link_is_not_found(holder: FlaskClient, grant: str) -> None:
    response = holder.get(f"/certificates/download/{grant}")

    assert response.status_code == 404
    assert "text/html" in response.headers["Content-Type"]


def test_a_link_stops_working_when_the_holders_sessions_end(
    course_app: Flask, holder: FlaskClient
) -> None:
    link = download_link(holder)
    with course_app.app_context():
        user = find_user_by_email("ada@example.org")
        assert user is not None
        end_all_sessions(user)
        db.session.commit()

    response = holder.get(link)

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_link_stops_working_when_the_account_is_disabled(
    course_app: Flask, holder: FlaskClient
) -> None:
    link = download_link(holder)
    with course_app.app_context():
        db.session.execute(update(User).values(disabled_at=utcnow()))
        db.session.commit()

    assert holder.get(link).status_code == 302


def test_an_idle_session_is_signed_out_rather_than_served(
    course_app: Flask, holder: FlaskClient
) -> None:
    link = download_link(holder)
    with holder.session_transaction() as session:
        session[LAST_SEEN_AT] = time.time() - 24 * 3600

    response = holder.get(link)

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_due_for_its_refresh_is_served_and_refreshed_as_the_pipeline_would(
    course_app: Flask, holder: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = download_link(holder)
    a_while_ago = time.time() - 5 * 60
    with holder.session_transaction() as session:
        session[LAST_SEEN_AT] = a_while_ago
        contents_before = dict(session)
    pipeline = PipelineCount(course_app, monkeypatch)

    response = holder.get(link)

    assert pipeline.served == 0 and response.status_code == 200
    assert "Cookie" in response.headers["Vary"]
    with holder.session_transaction() as session:
        assert session[LAST_SEEN_AT] > a_while_ago
        assert {key: value for key, value in session.items() if key != LAST_SEEN_AT} == {
            key: value for key, value in contents_before.items() if key != LAST_SEEN_AT
        }
    assert download_link(holder)  # the refreshed cookie still signs in


def test_a_pdf_of_an_older_template_is_rendered_again_by_the_pipeline(
    course_app: Flask, holder: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = download_link(holder)
    monkeypatch.setattr(pdf, "TEMPLATE_VERSION", "next")

    response = holder.get(link)

    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    with course_app.app_context():
        versions = db.session.scalars(select(CertificatePdf.template_version)).all()
        assert "next" in versions


def test_an_erased_certificate_is_not_found(course_app: Flask, holder: FlaskClient) -> None:
    from course.certificates.models import Certificate

    link = download_link(holder)
    with course_app.app_context():
        db.session.execute(update(Certificate).values(erased_at=utcnow()))
        db.session.commit()

    assert holder.get(link).status_code == 404


def test_the_request_line_hides_the_grant(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = build_app(tmp_path, LOG_REQUESTS=True)
    import_bundle(app)
    holder = finished_learner(app)
    claim(holder)
    link = download_link(holder)
    grant = link.rsplit("/", 1)[1]

    with caplog.at_level(logging.INFO, logger="course.requests"):
        assert holder.get(link).status_code == 200

    lines = [record for record in caplog.records if record.name == "course.requests"]
    assert lines[-1].getMessage().startswith("GET /certificates/download/<grant> 200 ")
    assert all(grant not in record.getMessage() for record in caplog.records)
    with app.app_context():
        assert db.session.scalar(select(func.count(CertificatePdf.id))) == 1


def test_a_database_error_in_the_lean_server_leaves_the_link_to_the_pipeline(
    course_app: Flask, holder: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = download_link(holder)
    server = course_app.wsgi_app.wsgi_app  # type: ignore[attr-defined]
    assert isinstance(server, DownloadLinkServer)

    def broken(*_args: object) -> bytes:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(server, "_holders_pdf", broken)
    pipeline = PipelineCount(course_app, monkeypatch)

    response = holder.get(link)

    assert pipeline.served == 1
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
