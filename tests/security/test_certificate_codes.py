"""ASVS V2 (authentication secrets) and V11 (business logic: anti-automation) for certificate codes.

A certificate code is the only thing that proves a certificate, so it must be unguessable, and
guessing must get nothing: every code that finds no certificate gets the same answer whatever its
shape, lookups are rate limited per client, and the PDF download treats another person's code
exactly like one that does not exist.

Proved elsewhere and not repeated here:

- ``tests/test_certificates.py::test_codes_are_random_and_read_forgivingly`` (200 codes all
  differ; typed forms normalise),
- ``tests/test_certificates.py::test_an_unknown_or_malformed_code_gets_a_clear_404`` (the 404
  text, by path and by form),
- ``tests/test_certificates.py::test_verification_is_limited_to_30_lookups_a_minute_per_client``
  (the 31st lookup from one client is refused),
- ``tests/test_certificates.py::``
  ``test_only_the_holder_and_admins_with_two_factors_can_download_the_pdf`` (who may download).
"""

from __future__ import annotations

import math
import re
import secrets
from collections import Counter

import pytest
from flask import Flask
from flask.testing import FlaskClient

from course.certificates import codes
from course.certificates.codes import ALPHABET, LENGTH, formatted, new_code
from course.certificates.models import Certificate
from course.extensions import db
from tests.fixtures.security_site import LEARNER, Site

LOOK_ALIKES = set("ILOU")


def test_a_code_carries_at_least_128_bits_from_a_look_alike_free_alphabet() -> None:
    assert len(set(ALPHABET)) == len(ALPHABET) == 32
    assert LENGTH * math.log2(len(ALPHABET)) >= 128
    assert not LOOK_ALIKES & set(ALPHABET)
    assert all(character.isdigit() or character.isupper() for character in ALPHABET)


def test_codes_come_from_the_secrets_module(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []
    original = secrets.choice

    def recording_choice(alphabet: str) -> str:
        drawn.append(alphabet)
        return original(alphabet)

    monkeypatch.setattr(codes.secrets, "choice", recording_choice)

    code = new_code()

    assert len(code) == LENGTH and len(drawn) == LENGTH
    assert set(drawn) == {ALPHABET}


def test_every_character_of_the_alphabet_turns_up_about_equally() -> None:
    counts = Counter("".join(new_code() for _ in range(400)))  # 11,200 characters

    assert set(counts) == set(ALPHABET)
    expected = 400 * LENGTH / len(ALPHABET)  # 350 each
    assert all(0.7 * expected < count < 1.3 * expected for count in counts.values()), counts


def test_issued_certificates_have_well_formed_distinct_codes(site: Site) -> None:
    with site.app.app_context():
        stored = list(db.session.scalars(db.select(Certificate.code)))

    assert len(stored) >= 2 and len(set(stored)) == len(stored)
    assert all(len(code) == LENGTH and set(code) <= set(ALPHABET) for code in stored)


def _comparable(page: str) -> str:
    """The page without what legitimately changes between requests: the code echoed back in the
    form and per-request tokens (CSP nonces, and CSRF tokens, which carry the second they were
    signed in)."""
    page = re.sub(r'(<input[^>]*name="(?:code|csrf_token)"[^>]*value=")[^"]*"', r'\1"', page)
    return re.sub(r'nonce="[^"]*"', 'nonce=""', page)


WELL_FORMED_UNKNOWN = [
    formatted(new_code()),
    new_code(),
    new_code().lower(),
    "0" * LENGTH,
]
MALFORMED = [
    "x",
    "not a code",
    "U" * LENGTH,  # the right length, a letter outside the alphabet
    "A" * (LENGTH - 1),
    "A" * (LENGTH + 1),
    "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-234!",
    "'; DROP TABLE certificate; --",
    "%00",
]


def test_an_unknown_code_gets_the_same_404_page_whatever_its_shape(site: Site) -> None:
    client = site.new_client()
    answers = set()
    for typed in WELL_FORMED_UNKNOWN + MALFORMED:
        for response in (
            client.get("/verify/" + typed.replace(" ", "%20")),
            client.get("/verify", query_string={"code": typed}),
        ):
            assert response.status_code == 404, typed
            answers.add(_comparable(response.get_data(as_text=True)))

    assert len(answers) == 1
    assert "No certificate has this code." in answers.pop()


def test_an_unknown_code_gets_the_same_json_whatever_its_shape(site: Site) -> None:
    client = site.new_client()
    answers = set()
    for typed in WELL_FORMED_UNKNOWN + MALFORMED:
        response = client.get(
            "/verify/" + typed.replace(" ", "%20"), headers={"Accept": "application/json"}
        )
        assert response.status_code == 404, typed
        answers.add(response.get_data())

    assert len(answers) == 1


def _pdf_refusal(client: FlaskClient, code: str) -> tuple[int, str]:
    response = client.get(f"/certificates/{code}.pdf")
    return response.status_code, _comparable(response.get_data(as_text=True))


def test_downloading_another_persons_certificate_looks_exactly_like_an_unknown_code(
    site: Site,
) -> None:
    learner = site.clients[LEARNER]
    with site.app.app_context():
        others = db.session.get(Certificate, site.ids["certificate_id"])
        assert others is not None and others.user_id != site.ids["learner_id"]
        other_code = others.code

    own = learner.get(f"/certificates/{site.ids['code']}.pdf")
    someone_elses = {
        _pdf_refusal(learner, other_code),
        _pdf_refusal(learner, formatted(other_code)),
        _pdf_refusal(learner, other_code.lower()),
    }
    unknown = {
        _pdf_refusal(learner, new_code()),
        _pdf_refusal(learner, formatted(new_code())),
        _pdf_refusal(learner, "not-a-code"),
    }

    assert own.status_code == 200 and own.data.startswith(b"%PDF-")
    assert len(someone_elses) == 1 and someone_elses == unknown
    assert next(iter(unknown))[0] == 404


# Rate limits need an app of their own: the shared site turns them off.


@pytest.fixture
def limited_app(course_app: Flask) -> Flask:
    return course_app


def _from(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.mark.parametrize("path", ["/verify/{code}", "/verify?code={code}"])
def test_lookups_are_limited_to_30_a_minute_for_each_client_alone(
    limited_app: Flask, path: str
) -> None:
    guesser = _from(limited_app, "203.0.113.7")
    bystander = _from(limited_app, "198.51.100.20")

    statuses = [guesser.get(path.format(code=new_code())).status_code for _ in range(31)]
    bystanders = bystander.get(path.format(code=new_code()))

    assert statuses == [404] * 30 + [429]
    assert bystanders.status_code == 404


def test_a_guesser_cannot_escape_the_limit_by_changing_the_codes_shape(limited_app: Flask) -> None:
    guesser = _from(limited_app, "203.0.113.8")
    shapes = WELL_FORMED_UNKNOWN + MALFORMED

    statuses = [guesser.get("/verify/" + shapes[n % len(shapes)]).status_code for n in range(31)]

    assert statuses[:30] == [404] * 30 and statuses[30] == 429


def test_both_verification_routes_share_one_allowance(limited_app: Flask) -> None:
    guesser = _from(limited_app, "203.0.113.9")

    by_path = [guesser.get(f"/verify/{new_code()}").status_code for _ in range(20)]
    by_form = [guesser.get(f"/verify?code={new_code()}").status_code for _ in range(11)]

    assert by_path == [404] * 20
    assert by_form == [404] * 10 + [429]
