"""Links in emails and certificates never come from an address the request claims.

An attacker who asks for a password reset with ``Host: evil.example`` must not get the victim an
email linking to ``http://evil.example/password/reset/<token>``, and a certificate must never print
or QR-encode another site's verification address. Every kind of email, and the PDF, is caused here
with a forged ``Host`` and a forged ``X-Forwarded-Host``, with no trusted proxy and with one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from course.accounts.models import User
from course.catalogue.services import the_course
from course.certificates.models import Certificate
from course.extensions import db
from course.organisations.models import Membership
from tests.fixtures.apps import build_app, import_bundle
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.learning import complete_course
from tests.fixtures.mail import LINK_PATTERN, queued_emails
from tests.fixtures.pdf import run
from tests.fixtures.web import csrf_token_from, sign_in

FORGED = "evil.example"
NEW_PASSWORD = "quartz meadow lantern ferry"
_numbers = itertools.count(1)


def unique_email(kind: str) -> str:
    return f"{kind}{next(_numbers)}@example.org"


def signed_in_person(app: Flask, *, finished: bool = False) -> tuple[FlaskClient, str]:
    """A new person with an account (who has finished the course, if ``finished``), signed in."""
    email = unique_email("person")
    with app.app_context():
        user = make_user(email=email)
        if finished:
            course = the_course()
            assert course is not None
            complete_course(user, course)
    client = app.test_client()
    sign_in(client, email, STRONG_PASSWORD)
    return client, email


def send_form(
    client: FlaskClient,
    path: str,
    data: dict[str, object],
    headers: dict[str, str],
    *,
    form_page: str | None = None,
) -> TestResponse:
    """Take the CSRF token from the form page as usual, then send the form with ``headers``."""
    token = csrf_token_from(client.get(form_page or path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data}, headers=headers)


def new_organisation(app: Flask) -> tuple[FlaskClient, int]:
    manager, _email = signed_in_person(app)
    response = send_form(
        manager, "/orgs/new", {"name": "Harbour Arts Centre", "due_days": "30"}, {}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return manager, int(response.headers["Location"].split("/")[2])


# Each cause of an email: the request that sends it, made with ``headers``; returns that request's
# response and the address the email goes to.
Cause = Callable[[Flask, dict[str, str]], tuple[TestResponse, str]]


def register(app: Flask, headers: dict[str, str]) -> tuple[TestResponse, str]:
    email = unique_email("new")
    data = {"name": "Nia Newcomer", "email": email, "region": "uk", "password": STRONG_PASSWORD}
    return send_form(app.test_client(), "/register", data, headers), email


def register_again(app: Flask, headers: dict[str, str]) -> tuple[TestResponse, str]:
    email = unique_email("existing")
    with app.app_context():
        make_user(email=email)
    data = {"name": "Nia Newcomer", "email": email, "region": "uk", "password": STRONG_PASSWORD}
    return send_form(app.test_client(), "/register", data, headers), email


def forget_password(app: Flask, headers: dict[str, str]) -> tuple[TestResponse, str]:
    email = unique_email("forgetful")
    with app.app_context():
        make_user(email=email)
    return send_form(app.test_client(), "/password/forgotten", {"email": email}, headers), email


def change_password(app: Flask, headers: dict[str, str]) -> tuple[TestResponse, str]:
    client, email = signed_in_person(app)
    data = {"current_password": STRONG_PASSWORD, "password": NEW_PASSWORD}
    return send_form(client, "/account/password", data, headers), email


def change_email(app: Flask, headers: dict[str, str]) -> tuple[TestResponse, str]:
    client, _email = signed_in_person(app)
    new_email = unique_email("moved")
    data = {"email": new_email, "password": STRONG_PASSWORD}
    return send_form(client, "/account/email", data, headers), new_email


def invite(app: Flask, headers: dict[str, str]) -> tuple[TestResponse, str]:
    manager, organisation_id = new_organisation(app)
    email = unique_email("invited")
    path = f"/orgs/{organisation_id}/invitations"
    return send_form(manager, path, {"email": email}, headers), email


def claim_certificate(app: Flask, headers: dict[str, str]) -> tuple[TestResponse, str]:
    client, email = signed_in_person(app, finished=True)
    data = {"holder_name": "Ada Lovelace"}
    return send_form(
        client, "/certificates/issue", data, headers, form_page="/certificates/"
    ), email


def remind(app: Flask, headers: dict[str, str]) -> tuple[TestResponse, str]:
    manager, organisation_id = new_organisation(app)
    email = unique_email("member")
    with app.app_context():
        member = make_user(email=email)
        db.session.add(Membership(organisation_id=organisation_id, user_id=member.id))
        db.session.commit()
        member_id = member.id
    path = f"/orgs/{organisation_id}/reminders"
    data = {"action": "selected", "user_id": [member_id]}
    return send_form(manager, path, data, headers), email


@dataclass(frozen=True)
class EmailKind:
    name: str
    cause: Cause
    #: The path of the link the email must carry.
    link_path: str

    def __str__(self) -> str:
        return self.name


EMAIL_KINDS = [
    EmailKind("confirmation", register, "/account/confirm/"),
    EmailKind("already registered", register_again, "/login"),
    EmailKind("password reset", forget_password, "/password/reset/"),
    EmailKind("password changed", change_password, "/password/forgotten"),
    EmailKind("new email confirmation", change_email, "/account/email/confirm/"),
    EmailKind("organisation invitation", invite, "/join/invitation/"),
    EmailKind("certificate issued", claim_certificate, "/certificates/"),
    EmailKind("organisation reminder", remind, "/"),
]


def links_emailed_to(app: Flask, email: str) -> list[str]:
    with app.app_context():
        return [
            link
            for message in queued_emails(to=email)
            for link in LINK_PATTERN.findall(message.text_body)
            + LINK_PATTERN.findall(message.html_body or "")
        ]


def build(tmp_path: Path, **settings: object) -> Flask:
    app = build_app(tmp_path, RATELIMIT_ENABLED=False, **settings)
    import_bundle(app)
    return app


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Flask]]:
    """One site per way of running it, all built before any is used (on PostgreSQL they share a
    database, and building one empties it); their connections are closed at the end."""
    built = {
        "no proxy": build(tmp_path_factory.mktemp("direct")),
        "one proxy": build(tmp_path_factory.mktemp("proxied"), TRUSTED_PROXIES=1),
        "base url": build(
            tmp_path_factory.mktemp("based"),
            TRUSTED_PROXIES=1,
            BASE_URL="https://course.example.org",
        ),
    }
    yield built
    for app in built.values():
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("kind", EMAIL_KINDS, ids=str)
@pytest.mark.parametrize(
    ("site", "headers"),
    [
        ("no proxy", {"Host": FORGED}),
        ("no proxy", {"Host": f"{FORGED}:5000"}),
        ("one proxy", {"X-Forwarded-Host": FORGED}),
        ("one proxy", {"X-Forwarded-Host": f"localhost, {FORGED}"}),
        ("base url", {"X-Forwarded-Host": FORGED}),
    ],
    ids=["host", "host and port", "forwarded host", "appended forwarded host", "with base url"],
)
def test_a_request_for_an_untrusted_host_is_refused_and_sends_nothing(
    sites: dict[str, Flask], kind: EmailKind, site: str, headers: dict[str, str]
) -> None:
    app = sites[site]

    response, email = kind.cause(app, headers)

    assert response.status_code == 400
    assert "This site does not answer to the address in the request." in response.get_data(
        as_text=True
    )
    assert links_emailed_to(app, email) == []


@pytest.mark.parametrize("kind", EMAIL_KINDS, ids=str)
@pytest.mark.parametrize(
    ("site", "headers", "expected_start"),
    [
        # With no trusted proxy, X-Forwarded-* headers are the client's own words: ignored.
        ("no proxy", {"X-Forwarded-Host": FORGED}, "http://localhost/"),
        ("one proxy", {"X-Forwarded-Host": "127.0.0.1:5001"}, "http://127.0.0.1:5001/"),
        ("base url", {"X-Forwarded-Host": "localhost"}, "https://course.example.org/"),
    ],
    ids=["forwarded host ignored", "trusted forwarded host", "base url"],
)
def test_emailed_links_lead_to_the_real_site(
    sites: dict[str, Flask],
    kind: EmailKind,
    site: str,
    headers: dict[str, str],
    expected_start: str,
) -> None:
    app = sites[site]

    response, email = kind.cause(app, headers)

    assert response.status_code == 302, response.get_data(as_text=True)
    links = links_emailed_to(app, email)
    assert links, f"no {kind} email was sent"
    assert all(link.startswith(expected_start) for link in links), links
    assert any(link.startswith(expected_start.rstrip("/") + kind.link_path) for link in links)


def certificates_of(app: Flask, email: str) -> list[Certificate]:
    with app.app_context():
        found = list(
            db.session.scalars(
                select(Certificate)
                .join(User, User.id == Certificate.user_id)
                .where(User.email == email)
            )
        )
        db.session.expunge_all()
        return found


@pytest.mark.parametrize(
    ("site", "headers"),
    [("no proxy", {"Host": FORGED}), ("one proxy", {"X-Forwarded-Host": FORGED})],
    ids=["host", "forwarded host"],
)
def test_a_certificate_is_neither_issued_nor_downloaded_for_an_untrusted_host(
    sites: dict[str, Flask], site: str, headers: dict[str, str]
) -> None:
    app = sites[site]
    client, email = signed_in_person(app, finished=True)
    data = {"holder_name": "Ada Lovelace"}

    refused = send_form(client, "/certificates/issue", data, headers, form_page="/certificates/")
    assert refused.status_code == 400
    assert certificates_of(app, email) == []

    issued = send_form(client, "/certificates/issue", data, {}, form_page="/certificates/")
    assert issued.status_code == 302
    (certificate,) = certificates_of(app, email)
    assert client.get(f"/certificates/{certificate.code}.pdf", headers=headers).status_code == 400


@pytest.mark.parametrize(
    ("site", "headers", "expected_link"),
    [
        ("no proxy", {"X-Forwarded-Host": FORGED}, "http://localhost/v/"),
        ("base url", {"X-Forwarded-Host": "localhost"}, "https://course.example.org/v/"),
    ],
    ids=["forwarded host ignored", "base url"],
)
def test_the_certificate_prints_and_encodes_the_real_verification_address(
    sites: dict[str, Flask], site: str, headers: dict[str, str], expected_link: str, tmp_path: Path
) -> None:
    app = sites[site]
    client, email = signed_in_person(app, finished=True)

    issued = send_form(
        client,
        "/certificates/issue",
        {"holder_name": "Ada Lovelace"},
        headers,
        form_page="/certificates/",
    )
    assert issued.status_code == 302
    (certificate,) = certificates_of(app, email)
    pdf = client.get(f"/certificates/{certificate.code}.pdf", headers=headers)

    assert pdf.status_code == 200
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf.data)
    # In reading order (not laid out in columns), without the breaks where the address wraps.
    printed = "".join(run("pdftotext", str(path), "-").split())
    assert f"visit{expected_link}{certificate.code}" in printed
    assert FORGED not in printed
    run("pdftoppm", "-png", "-r", "150", str(path), str(tmp_path / "page"))
    encoded = run("zbarimg", "--quiet", "--raw", str(tmp_path / "page-1.png")).strip()
    assert encoded == f"{expected_link}{certificate.code}"
