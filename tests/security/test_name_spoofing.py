"""V5 Validation (ASVS 5.1.3 and 5.1.4): a name cannot hide an invisible formatting character.

A person's name, the name printed on a certificate, an organisation's name and a team are shown to
other people, on verification pages, PDFs and managers' reports. A right-to-left override (U+202E)
or a zero width space (U+200B) in one makes it look like something else, so every form and file
that takes a name refuses them, says which character it found, and stores nothing. The joiners that
Persian, Devanagari and Malayalam names need are still accepted.
"""

from __future__ import annotations

import itertools
from io import BytesIO

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from course.accounts.models import User
from course.catalogue.services import the_course
from course.certificates.models import Certificate
from course.core.names import invisible_character_in, name_problem
from course.extensions import db
from course.organisations.models import Invitation, Membership, Organisation
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.learning import complete_course
from tests.fixtures.security_site import ADMIN, LEARNER, MANAGER, Site
from tests.fixtures.web import csrf_token_from, post_form, sign_in

RIGHT_TO_LEFT_OVERRIDE = "\u202e"
ZERO_WIDTH_SPACE = "\u200b"
ZWNJ = "\u200c"
ZWJ = "\u200d"
NEW_PASSWORD = "lantern meadow copper violin"
SPOOFS = pytest.mark.parametrize(
    "character",
    [RIGHT_TO_LEFT_OVERRIDE, ZERO_WIDTH_SPACE],
    ids=["right-to-left override", "zero width space"],
)
#: A Persian name whose surname a zero width non-joiner keeps in two parts: "Sara Nik-nam".
PERSIAN_NAME = f"سارا نیک{ZWNJ}نام"
#: A Devanagari name whose "ksha" a zero width joiner writes with a half form: "Lakshmi".
DEVANAGARI_NAME = f"लक्{ZWJ}ष्मी देवी"
#: A Malayalam name in the older spelling of chillu letters, virama and joiner: "Arjun".
MALAYALAM_NAME = f"അര്{ZWJ}ജുന്{ZWJ}"
_numbers = itertools.count(1)


def spoofed(character: str) -> str:
    """The name Ada Lovelace with ``character`` hidden in it; with U+202E it shows as
    "Ada ecalevoL"."""
    return f"Ada {character}Lovelace"


def name_refusal(character: str) -> str:
    return (
        f"The name contains an invisible formatting character (U+{ord(character):04X}). "
        "Remove it and type the name again."
    )


def team_refusal(character: str) -> str:
    return (
        f"The team contains an invisible formatting character (U+{ord(character):04X}). "
        "Remove it and type the team again."
    )


def new_email() -> str:
    return f"spoof-{next(_numbers)}@example.org"


def register(client: FlaskClient, name: str, email: str):
    return post_form(
        client,
        "/register",
        {"name": name, "email": email, "region": "uk", "password": NEW_PASSWORD},
    )


def account_named(site: Site, email: str) -> str | None:
    with site.app.app_context():
        return db.session.scalar(select(User.name).where(User.email == email))


def upload(client: FlaskClient, organisation_id: int, content: bytes):
    path = f"/orgs/{organisation_id}/invitations"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    file = FileStorage(BytesIO(content), filename="staff.csv", content_type="text/csv")
    boundary, body = encode_multipart({"csrf_token": token, "file": file})
    return client.post(
        path + "/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def invitation_count(site: Site, *emails: str) -> int:
    with site.app.app_context():
        return (
            db.session.scalar(select(func.count(Invitation.id)).where(Invitation.email.in_(emails)))
            or 0
        )


# The rule


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("Ada Lovelace", id="latin"),
        pytest.param("Siobhán Ó Súilleabháin", id="irish"),
        pytest.param(PERSIAN_NAME, id="persian"),
        pytest.param(f"می{ZWNJ}خواهم", id="persian verb"),
        pytest.param(DEVANAGARI_NAME, id="devanagari"),
        pytest.param(MALAYALAM_NAME, id="malayalam chillu at the end of a word"),
        pytest.param(f"ශ්{ZWJ}රී ලංකා", id="sinhala"),
        pytest.param(f"র{ZWJ}্যাব", id="bengali ya-phala after ra"),
    ],
)
def test_names_that_need_a_joiner_or_none_are_accepted(name: str) -> None:
    assert invisible_character_in(name) is None


@pytest.mark.parametrize(
    ("name", "found"),
    [
        pytest.param(f"Ada {RIGHT_TO_LEFT_OVERRIDE}ecalevoL", "U+202E", id="bidi override"),
        pytest.param(f"Ada{ZERO_WIDTH_SPACE} Lovelace", "U+200B", id="zero width space"),
        pytest.param("\u2066Ada\u2069", "U+2066", id="bidi isolate"),
        pytest.param("Ada\u00adLovelace", "U+00AD", id="soft hyphen"),
        pytest.param("\ufeffAda", "U+FEFF", id="byte order mark"),
        pytest.param("Ada\u2060Lovelace", "U+2060", id="word joiner"),
        pytest.param("\U000e0041da", "U+E0041", id="tag character"),
        pytest.param(f"سارا{RIGHT_TO_LEFT_OVERRIDE}نیک", "U+202E", id="bidi override in persian"),
        pytest.param(f"Al{ZWJ}ice", "U+200D", id="joiner in latin"),
        pytest.param(f"Al{ZWNJ}ice", "U+200C", id="non-joiner in latin"),
        pytest.param(f"Алиса{ZWJ}", "U+200D", id="joiner after cyrillic"),
        pytest.param(f"{ZWNJ}نیک", "U+200C", id="non-joiner first"),
        pytest.param(f"نیک{ZWNJ}", "U+200C", id="non-joiner last"),
        pytest.param(f"نیک{ZWNJ} نام", "U+200C", id="non-joiner before a space"),
        pytest.param(f"نیک{ZWNJ}Nam", "U+200C", id="non-joiner between persian and latin"),
        pytest.param(f"نیک{ZWNJ}लक्ष्मी", "U+200C", id="non-joiner between two scripts"),
        pytest.param(f"लक्{ZWJ}{ZWJ}ष्मी", "U+200D", id="two joiners"),
        pytest.param(f"लक्{ZWNJ}", "U+200C", id="non-joiner after a virama at the end"),
        pytest.param(f"लक{ZWJ}", "U+200D", id="joiner at the end without a virama"),
        pytest.param(f"लक्{ZWJ}Ada", "U+200D", id="joiner after a virama before latin"),
    ],
)
def test_invisible_characters_a_name_does_not_need_are_found(name: str, found: str) -> None:
    assert invisible_character_in(name) == found


def test_the_problem_names_the_character_in_the_message_given(site: Site) -> None:
    with site.app.test_request_context():
        assert name_problem("Ada Lovelace") is None
        assert name_problem(None) is None
        assert name_problem(spoofed(RIGHT_TO_LEFT_OVERRIDE)) == name_refusal(RIGHT_TO_LEFT_OVERRIDE)
        assert name_problem("x\u200by", "Found %(character)s.") == "Found U+200B."


# Every form that takes a name


@SPOOFS
def test_registering_with_a_hidden_character_in_the_name_creates_no_account(
    site: Site, character: str
) -> None:
    email = new_email()

    response = register(site.new_client(), spoofed(character), email)

    assert response.status_code == 200
    assert name_refusal(character) in response.get_data(as_text=True)
    assert account_named(site, email) is None


@pytest.mark.parametrize("name", [PERSIAN_NAME, DEVANAGARI_NAME], ids=["persian", "devanagari"])
def test_registering_with_a_name_whose_script_needs_a_joiner_works(site: Site, name: str) -> None:
    email = new_email()

    response = register(site.new_client(), name, email)

    assert response.status_code == 302, response.get_data(as_text=True)
    assert account_named(site, email) == name


@SPOOFS
def test_the_profile_refuses_a_hidden_character_and_keeps_the_name(
    site: Site, character: str
) -> None:
    email = new_email()
    with site.app.app_context():
        make_user(email=email, name="Ada Lovelace")
    client = site.new_client()
    sign_in(client, email, STRONG_PASSWORD)

    response = post_form(client, "/account/profile", {"name": spoofed(character), "region": "uk"})

    assert response.status_code == 200
    assert name_refusal(character) in response.get_data(as_text=True)
    assert account_named(site, email) == "Ada Lovelace"


@SPOOFS
def test_claiming_a_certificate_with_a_hidden_character_issues_none(
    site: Site, character: str
) -> None:
    email = new_email()
    with site.app.test_request_context():
        user = make_user(email=email)
        course = the_course()
        assert course is not None
        complete_course(user, course)
        user_id = user.id
    client = site.new_client()
    sign_in(client, email, STRONG_PASSWORD)

    response = post_form(
        client,
        "/certificates/issue",
        {"holder_name": spoofed(character)},
        form_page="/certificates/",
    )

    assert response.status_code == 200
    assert name_refusal(character) in response.get_data(as_text=True)
    with site.app.app_context():
        issued = db.session.scalar(
            select(func.count(Certificate.id)).where(Certificate.user_id == user_id)
        )
    assert issued == 0


@SPOOFS
def test_an_admin_cannot_correct_a_certificate_name_to_one_with_a_hidden_character(
    site: Site, character: str
) -> None:
    user_id, certificate_id = site.ids["user_id"], site.ids["certificate_id"]
    user_page = f"/admin/users/{user_id}"

    response = post_form(
        site.fresh_client(ADMIN),
        f"{user_page}/certificates/{certificate_id}/name",
        {f"name-{certificate_id}-holder_name": spoofed(character)},
        form_page=user_page,
    )

    assert response.status_code == 200
    assert name_refusal(character) in response.get_data(as_text=True)
    with site.app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        assert certificate is not None and certificate.holder_name == "Sam Subject"


@SPOOFS
def test_creating_an_organisation_with_a_hidden_character_creates_none(
    site: Site, character: str
) -> None:
    with site.app.app_context():
        before = db.session.scalar(select(func.count(Organisation.id)))

    response = post_form(
        site.fresh_client(LEARNER), "/orgs/new", {"name": f"Acme {character}Theatre"}
    )

    assert response.status_code == 200
    assert name_refusal(character) in response.get_data(as_text=True)
    with site.app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == before


@SPOOFS
def test_a_team_with_a_hidden_character_is_refused_and_the_team_stays(
    site: Site, character: str
) -> None:
    organisation_id, member_id = site.ids["organisation_id"], site.ids["member_id"]

    def team() -> str | None:
        with site.app.app_context():
            return db.session.scalar(
                select(Membership.team).where(
                    Membership.organisation_id == organisation_id,
                    Membership.user_id == member_id,
                )
            )

    before = team()
    path = f"/orgs/{organisation_id}/members/{member_id}"

    response = post_form(
        site.fresh_client(MANAGER), path, {"action": "team", "team": f"Box {character}office"}
    )

    assert response.status_code == 200
    assert team_refusal(character) in response.get_data(as_text=True)
    assert team() == before


@SPOOFS
@pytest.mark.parametrize("field", ["name", "team"])
def test_a_single_invitation_with_a_hidden_character_invites_nobody(
    site: Site, character: str, field: str
) -> None:
    email = new_email()
    path = f"/orgs/{site.ids['organisation_id']}/invitations"

    response = post_form(
        site.fresh_client(MANAGER), path, {"email": email, field: f"Box {character}office"}
    )

    # The invitations page answers any refused form with 400, the page and its messages.
    assert response.status_code == 400
    refusal = name_refusal(character) if field == "name" else team_refusal(character)
    assert refusal in response.get_data(as_text=True)
    assert invitation_count(site, email) == 0


@SPOOFS
def test_a_csv_upload_reports_each_row_with_a_hidden_character_and_invites_only_the_rest(
    site: Site, character: str
) -> None:
    fine, bad_name, bad_team = new_email(), new_email(), new_email()
    content = (
        "email,name,team\n"
        f"{fine},Sam Jones,Box office\n"
        f"{bad_name},{spoofed(character)},Box office\n"
        f"{bad_team},Alex Lee,Box {character}office\n"
    ).encode()

    response = upload(site.fresh_client(MANAGER), site.ids["organisation_id"], content)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1 person invited." in page and "2 rows were not invited" in page
    assert name_refusal(character) in page and team_refusal(character) in page
    assert invitation_count(site, fine) == 1
    assert invitation_count(site, bad_name, bad_team) == 0


@SPOOFS
def test_the_cli_creates_no_admin_with_a_hidden_character_in_the_name(
    site: Site, character: str
) -> None:
    email = new_email()

    result = site.app.test_cli_runner().invoke(
        args=["users", "create-admin", email, "--name", spoofed(character)],
        env={"COURSE_ADMIN_PASSWORD": NEW_PASSWORD},
    )

    assert result.exit_code != 0
    assert f"(U+{ord(character):04X})" in result.output
    assert account_named(site, email) is None
