"""Checking many certificates at once: a CSV file of codes in, each code's status and holder out
as a CSV file; unknown and malformed codes alike; audited; files that cannot be checked refused
with the reason."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from course.audit.models import AuditEntry
from course.catalogue.services import the_course
from course.certificates.codes import formatted, new_code
from course.certificates.models import Certificate
from course.core.database import utcnow
from course.extensions import db
from tests.fixtures.clients import signed_in
from tests.fixtures.factories import make_user
from tests.fixtures.web import csrf_token_from

PATH = "/verify/many"


def certificates_in_every_state(app: Flask) -> dict[str, str]:
    """A certificate of each state, by state: its code as printed."""
    now = utcnow()
    states = {
        "valid": {},
        "expired": {"expires_at": now - timedelta(days=1)},
        "revoked": {"revoked_at": now - timedelta(days=2), "revocation_reason": "A mistake"},
        "erased": {"erased_at": now - timedelta(days=3)},
    }
    codes = {}
    with app.app_context():
        course = the_course()
        assert course is not None
        for number, (state, fields) in enumerate(states.items()):
            holder = make_user(email=f"holder{number}@example.org")
            code = new_code()
            db.session.add(
                Certificate(
                    user_id=holder.id,
                    course_id=course.id,
                    sequence=1,
                    code=code,
                    holder_name="" if state == "erased" else f"Holder {state.title()}",
                    issued_at=now - timedelta(days=400),
                    expires_at=fields.pop("expires_at", now + timedelta(days=100)),
                    module_versions=[],
                    **fields,
                )
            )
            codes[state] = formatted(code)
        db.session.commit()
    return codes


def upload(client: FlaskClient, data: bytes, name: str = "codes.csv"):  # type: ignore[no-untyped-def]
    token = csrf_token_from(client.get(PATH).get_data(as_text=True))
    boundary, body = encode_multipart(
        {"csrf_token": token, "file": FileStorage(io.BytesIO(data), filename=name)}
    )
    return client.post(PATH, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def rows_of(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


@pytest.fixture
def inspector(course_app: Flask) -> FlaskClient:
    return signed_in(course_app, "inspector@example.org")


def test_each_code_gets_its_status_and_holder_and_unknown_reads_like_malformed(
    course_app: Flask, inspector: FlaskClient
) -> None:
    codes = certificates_in_every_state(course_app)
    unknown = formatted(new_code())
    lines = [
        "Certificate code",
        codes["valid"].lower().replace("-", " "),
        codes["expired"],
        codes["revoked"],
        codes["erased"],
        unknown,
        "not a code at all",
        '=HYPERLINK("http://example.org")',
    ]

    response = upload(inspector, "\n".join(lines).encode())

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=certificate-")
    assert response.get_data().startswith(b"\xef\xbb\xbf")
    rows = rows_of(response)
    assert [(row["Status"], row["Holder"]) for row in rows] == [
        ("valid", "Holder Valid"),
        ("expired", "Holder Expired"),
        ("revoked", "Holder Revoked"),
        ("no longer available", ""),
        ("no certificate has this code", ""),
        ("no certificate has this code", ""),
        ("no certificate has this code", ""),
    ]
    assert rows[0]["Certificate code"] == codes["valid"]
    assert rows[0]["Verification link"].endswith(f"/verify/{codes['valid']}")
    assert {key: value for key, value in rows[4].items() if key != "Code given"} == {
        key: value for key, value in rows[5].items() if key != "Code given"
    }
    assert rows[6]["Code given"].startswith("'=")  # a spreadsheet shows it, never runs it
    with course_app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "certificate.bulk_checked")
        )
        assert entry is not None and entry.actor_email == "inspector@example.org"
        assert entry.summary == "Checked 7 certificate codes at once; 4 matched a certificate."
        assert entry.after == {"codes": 7, "found": 4}


def test_ten_thousand_codes_are_checked_and_one_more_is_refused(
    course_app: Flask, inspector: FlaskClient
) -> None:
    codes = [formatted(new_code()) for _ in range(10_000)]

    checked = upload(inspector, "\n".join(codes).encode())
    assert checked.status_code == 200 and len(rows_of(checked)) == 10_000
    refused = upload(inspector, "\n".join([*codes, formatted(new_code())]).encode())

    assert refused.status_code == 400
    assert "The file has more than 10,000 codes" in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file has no certificate codes"),
        (b"code\n\n\n", "The file has no certificate codes"),
        ("Siân".encode("latin-1"), "The file is not UTF-8 text"),
        (b"x" * (1024 * 1024 + 1), "The file is larger than 1 MB"),
    ],
)
def test_a_file_that_cannot_be_checked_is_refused_with_the_reason(
    course_app: Flask, inspector: FlaskClient, data: bytes, message: str
) -> None:
    response = upload(inspector, data)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with course_app.app_context():
        assert db.session.scalar(select(AuditEntry)) is None


def test_a_form_without_a_file_asks_for_one(course_app: Flask, inspector: FlaskClient) -> None:
    token = csrf_token_from(inspector.get(PATH).get_data(as_text=True))

    response = inspector.post(PATH, data={"csrf_token": token})

    assert response.status_code == 400
    assert "Choose a CSV file of certificate codes" in response.get_data(as_text=True)


def test_checking_many_needs_an_account(course_app: Flask) -> None:
    response = course_app.test_client().get(PATH)

    assert response.status_code == 302 and "/login" in response.headers["Location"]
    verify_page = course_app.test_client().get("/verify").get_data(as_text=True)
    assert 'href="/verify/many"' in verify_page
