"""Email invitations: one at a time and by CSV with a per-row report, resend, withdraw, accepting
after signing in, registering through an invitation, the CLI, and who may do what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from course.accounts.models import User
from course.core.database import utcnow
from course.core.mail import OutboxMessage
from course.extensions import db
from course.organisations.invitations import (
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_ROWS,
    UploadRefused,
    read_invitation_csv,
    token_hash,
)
from course.organisations.memberships import join
from course.organisations.models import Invitation, Membership, Organisation
from tests.fixtures.clients import signed_in
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.mail import link_in, queued_emails
from tests.fixtures.organisations import INVITATIONS, create_org, join_path, upload
from tests.fixtures.web import csrf_token_from, post_form, sign_in


def invitations(app: Flask) -> list[tuple[str, str | None, str | None]]:
    with app.app_context():
        return [
            (invitation.email, invitation.name, invitation.team)
            for invitation in db.session.scalars(select(Invitation).order_by(Invitation.id))
        ]


def outbox_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(OutboxMessage.id))) or 0


def invitation_link(app: Flask, email: str) -> str:
    with app.app_context():
        return link_in(queued_emails(to=email)[-1], "/join/invitation/").split("localhost")[-1]


@pytest.fixture
def manager(app: Flask) -> FlaskClient:
    return signed_in(app, "boss@example.org", name="Bea Boss")


@pytest.fixture
def organisation_id(manager: FlaskClient) -> int:
    return create_org(manager)


def test_a_manager_invites_one_person_and_they_get_an_email(
    app: Flask, manager: FlaskClient, organisation_id: int
) -> None:
    response = post_form(
        manager,
        INVITATIONS.format(organisation_id),
        {"email": " Sam.Jones@Example.org ", "name": "Sam Jones", "team": "Box office"},
    )

    assert response.status_code == 302
    page = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert "We have emailed an invitation to sam.jones@example.org." in page
    assert "sam.jones@example.org" in page and "Box office" in page
    assert invitations(app) == [("sam.jones@example.org", "Sam Jones", "Box office")]
    with app.app_context():
        (email,) = queued_emails(to="sam.jones@example.org")
        assert email.subject == "Harbour Arts Centre invites you to take the CT Citizen course"
        assert "Hello Sam Jones," in email.text_body and "Bea Boss invites you" in email.text_body
        token = link_in(email, "/join/invitation/").rsplit("/", 1)[-1]
        # Only the token's hash is stored.
        stored = db.session.scalar(select(Invitation))
        assert stored is not None and stored.token_hash == token_hash(token) != token


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": ""}, "Enter your email address"),
        ({"email": "not an address"}, "Enter an email address in the correct format"),
        ({"email": "a@example.org", "team": "t" * 101}, "The team must be 100 characters or fewer"),
        ({"email": "a@example.org", "name": "n" * 201}, "The name must be 200 characters or fewer"),
    ],
)
def test_bad_single_invitations_are_refused_with_the_reason(
    app: Flask, manager: FlaskClient, organisation_id: int, data: dict[str, str], message: str
) -> None:
    response = post_form(manager, INVITATIONS.format(organisation_id), data)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert invitations(app) == [] and outbox_count(app) == 0


def test_inviting_a_member_or_someone_invited_sends_nothing_more(
    app: Flask, manager: FlaskClient, organisation_id: int
) -> None:
    path = INVITATIONS.format(organisation_id)
    post_form(manager, path, {"email": "sam@example.org"})
    before = outbox_count(app)

    again = post_form(manager, path, {"email": "SAM@example.org"})
    assert "sam@example.org has been invited already" in manager.get(
        again.headers["Location"]
    ).get_data(as_text=True)
    member = post_form(manager, path, {"email": "boss@example.org"})
    assert "boss@example.org is already a member." in manager.get(
        member.headers["Location"]
    ).get_data(as_text=True)
    assert outbox_count(app) == before and len(invitations(app)) == 1


def test_a_csv_upload_invites_the_valid_rows_and_reports_every_other_one(
    app: Flask, manager: FlaskClient, organisation_id: int
) -> None:
    post_form(manager, INVITATIONS.format(organisation_id), {"email": "invited@example.org"})
    content = (
        "\ufeffEmail,Name,Team\r\n"
        "sam@example.org,Sam Jones,Front of house\r\n"
        "not-an-email,Nobody,\r\n"
        "boss@example.org,Bea Boss,\r\n"
        "invited@example.org,,\r\n"
        ",Missing Address,\r\n"
        "\r\n"
        "SAM@example.org,Sam Again,\r\n"
        "alex@example.org,Alex Lee,Box office\r\n"
    ).encode()

    response = upload(manager, organisation_id, content)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 people invited." in page and "5 rows were not invited" in page
    for line, text in [
        (3, "This is not a valid email address."),
        (4, "Already a member"),
        (5, "Already invited"),
        (6, "The email address is missing."),
        (8, "Repeats line 2."),
    ]:
        assert re.search(rf"<td>{line}</td>.*?{re.escape(text)}", page, re.S), (line, text)
    assert invitations(app)[1:] == [
        ("sam@example.org", "Sam Jones", "Front of house"),
        ("alex@example.org", "Alex Lee", "Box office"),
    ]
    with app.app_context():
        assert len(queued_emails(to="sam@example.org")) == 1
        assert len(queued_emails(to="alex@example.org")) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"name,team\nSam,Box office\n", "The first line must name the columns"),
        (b"email,phone\nsam@example.org,0123\n", "The first line must name the columns"),
        (b"email,e-mail\na@example.org,b@example.org\n", "The column email appears more than once"),
        (b"email\n", "nobody to invite"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file"),
        ("email\nzoë@example.org\n".encode("utf-16"), "This is not a CSV file"),
        ("email\nzoë@example.org\n".encode("latin-1"), "The file is not UTF-8 text"),
        (b'email\n"unterminated@example.org\n' + b"x" * 200_000, "could not be read as CSV"),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_whole(
    app: Flask, manager: FlaskClient, organisation_id: int, content: bytes, message: str
) -> None:
    response = upload(manager, organisation_id, content)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert invitations(app) == [] and outbox_count(app) == 0


def test_an_upload_with_no_file_is_refused(manager: FlaskClient, organisation_id: int) -> None:
    path = INVITATIONS.format(organisation_id)
    token = csrf_token_from(manager.get(path).get_data(as_text=True))

    response = manager.post(path + "/upload", data={"csrf_token": token})

    assert response.status_code == 400
    assert "Choose a CSV file to upload" in response.get_data(as_text=True)


def test_a_file_larger_than_8_mb_is_refused(manager: FlaskClient, organisation_id: int) -> None:
    content = b"email,name\n" + b"someone@example.org," + b"x" * MAX_UPLOAD_BYTES

    response = upload(manager, organisation_id, content)

    assert response.status_code == 400
    assert "The file is larger than 8 MB." in response.get_data(as_text=True)


def test_a_file_of_more_than_50000_people_is_refused() -> None:
    rows = "".join(f"person{index}@example.org\n" for index in range(MAX_UPLOAD_ROWS + 1))

    with pytest.raises(UploadRefused, match="more than 50,000 people"):
        read_invitation_csv(f"email\n{rows}".encode())


def test_50000_rows_are_invited_in_one_go(
    app: Flask, manager: FlaskClient, organisation_id: int
) -> None:
    rows = "".join(
        f"person{index}@example.org,Person {index},Team {index % 7}\n"
        for index in range(MAX_UPLOAD_ROWS)
    )

    response = upload(manager, organisation_id, f"email,name,team\n{rows}".encode())

    assert response.status_code == 200
    assert "50,000 people invited." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Invitation.id))) == MAX_UPLOAD_ROWS
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == MAX_UPLOAD_ROWS


def test_a_person_with_an_account_accepts_after_signing_in(
    app: Flask, manager: FlaskClient, organisation_id: int
) -> None:
    post_form(
        manager, INVITATIONS.format(organisation_id), {"email": "lee@example.org", "team": "Bar"}
    )
    link = invitation_link(app, "lee@example.org")
    with app.app_context():
        make_user(email="lee@example.org", name="Lee Learner")
    visitor = app.test_client()

    page = visitor.get(link).get_data(as_text=True)
    assert "Create an account and join" in page and "sign in" in page
    sign_in(visitor, "lee@example.org", STRONG_PASSWORD)
    consent = visitor.get(link).get_data(as_text=True)
    assert "its managers can see your name, email address, progress" in consent
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 1  # not joined by looking

    response = post_form(visitor, link, {})

    assert response.status_code == 302 and response.headers["Location"] == "/account/organisations"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "lee@example.org"))
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))  # type: ignore[union-attr]
        assert membership is not None and membership.team == "Bar"
        assert db.session.scalar(select(Invitation.accepted_at)) is not None
    # The link works once.
    assert visitor.get(link).status_code == 404


def test_a_person_without_an_account_registers_through_the_invitation_and_lands_in_it(
    app: Flask, manager: FlaskClient, organisation_id: int
) -> None:
    post_form(
        manager,
        INVITATIONS.format(organisation_id),
        {"email": "new@example.org", "name": "Nia New"},
    )
    link = invitation_link(app, "new@example.org")
    visitor = app.test_client()

    form = visitor.get(link + "/register").get_data(as_text=True)
    assert "you also join Harbour Arts Centre" in form
    assert 'value="new@example.org"' in form and 'value="Nia New"' in form
    response = post_form(
        visitor,
        link + "/register",
        {
            "name": "Nia New",
            "email": "new@example.org",
            "region": "uk",
            "password": STRONG_PASSWORD,
        },
    )

    assert response.status_code == 302 and response.headers["Location"] == "/register/check-email"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.org"))
        # The link was emailed to this address, so following it confirms the address.
        assert user is not None and user.email_verified
        assert (
            db.session.scalar(select(Membership).where(Membership.user_id == user.id)) is not None
        )
        assert db.session.scalar(select(Invitation.accepted_at)) is not None
    table = manager.get(f"/orgs/{organisation_id}/").get_data(as_text=True)
    assert "Nia New" in table
    assert "Waiting for the member to confirm their email address" not in table


def test_registering_through_an_invitation_with_an_address_in_use_joins_nobody(
    app: Flask, manager: FlaskClient, organisation_id: int
) -> None:
    post_form(manager, INVITATIONS.format(organisation_id), {"email": "new@example.org"})
    link = invitation_link(app, "new@example.org")
    with app.app_context():
        make_user(email="new@example.org", name="Already Here", verified=False)
    visitor = app.test_client()

    response = post_form(
        visitor,
        link + "/register",
        {
            "name": "Someone",
            "email": "new@example.org",
            "region": "uk",
            "password": STRONG_PASSWORD,
        },
    )

    assert response.headers["Location"] == "/register/check-email"
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 1  # only the manager
        assert db.session.scalar(select(Invitation.accepted_at)) is None
        existing = db.session.scalar(select(User).where(User.email == "new@example.org"))
        # The account someone else made is left as it was: not confirmed by the link.
        assert existing is not None and existing.name == "Already Here"
        assert not existing.email_verified
        assert queued_emails(to="new@example.org")[-1].subject == (
            "You already have a CT Citizen account"
        )


@pytest.mark.parametrize(
    "path", ["/join/invitation/not-a-real-token", "/join/invitation/not-a-real-token/register"]
)
def test_an_unknown_invitation_link_gets_404(app: Flask, path: str) -> None:
    response = app.test_client().get(path)

    assert response.status_code == 404
    assert "This invitation cannot be used" in response.get_data(as_text=True)


def test_an_invitation_link_expires_after_30_days(
    app: Flask, manager: FlaskClient, organisation_id: int
) -> None:
    post_form(manager, INVITATIONS.format(organisation_id), {"email": "late@example.org"})
    link = invitation_link(app, "late@example.org")
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation is not None
        invitation.sent_at = utcnow() - timedelta(days=31)
        db.session.commit()

    assert app.test_client().get(link).status_code == 404


def test_resend_sends_a_new_link_and_the_old_one_stops_working(
    app: Flask, manager: FlaskClient, organisation_id: int
) -> None:
    path = INVITATIONS.format(organisation_id)
    post_form(manager, path, {"email": "sam@example.org"})
    old_link = invitation_link(app, "sam@example.org")
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation is not None
        invitation_id = invitation.id

    too_soon = post_form(manager, f"{path}/{invitation_id}/resend", {}, form_page=path)
    assert "sent less than an hour ago" in manager.get(too_soon.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        assert len(queued_emails(to="sam@example.org")) == 1
        invitation = db.session.get(Invitation, invitation_id)
        invitation.sent_at = utcnow() - timedelta(hours=2)  # type: ignore[union-attr]
        db.session.commit()

    response = post_form(manager, f"{path}/{invitation_id}/resend", {}, form_page=path)

    assert "We have sent the invitation to sam@example.org again." in manager.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    new_link = invitation_link(app, "sam@example.org")
    assert new_link != old_link
    assert app.test_client().get(old_link).status_code == 404
    assert app.test_client().get(new_link).status_code == 200
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).times_sent == 2  # type: ignore[union-attr]


def test_withdrawing_an_invitation_stops_its_link(
    app: Flask, manager: FlaskClient, organisation_id: int
) -> None:
    path = INVITATIONS.format(organisation_id)
    post_form(manager, path, {"email": "sam@example.org"})
    link = invitation_link(app, "sam@example.org")
    with app.app_context():
        invitation_id = db.session.scalar(select(Invitation.id))

    response = post_form(manager, f"{path}/{invitation_id}/withdraw", {}, form_page=path)

    assert "The invitation to sam@example.org is withdrawn." in manager.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert invitations(app) == []
    assert app.test_client().get(link).status_code == 404


def test_another_organisations_manager_sees_and_changes_none_of_the_invitations(
    app: Flask, manager: FlaskClient, organisation_id: int
) -> None:
    path = INVITATIONS.format(organisation_id)
    post_form(manager, path, {"email": "sam@example.org"})
    with app.app_context():
        invitation_id = db.session.scalar(select(Invitation.id))
    other = signed_in(app, "other@example.org")
    other_id = create_org(other, "Other Place")
    token = csrf_token_from(other.get(INVITATIONS.format(other_id)).get_data(as_text=True))

    assert other.get(path).status_code == 404
    for action in ("resend", "withdraw"):
        assert (
            other.post(f"{path}/{invitation_id}/{action}", data={"csrf_token": token}).status_code
            == 404
        )
        # Guessing the id under their own organisation finds nothing either.
        response = other.post(
            f"{INVITATIONS.format(other_id)}/{invitation_id}/{action}", data={"csrf_token": token}
        )
        assert response.status_code == 404
    assert other.post(path, data={"csrf_token": token, "email": "x@example.org"}).status_code == 404
    assert upload(other, other_id, b"email\nx@example.org\n").status_code == 200
    assert invitations(app)[0] == ("sam@example.org", None, None)


def test_a_plain_member_and_a_visitor_cannot_reach_the_invitation_pages(
    app: Flask, manager: FlaskClient, organisation_id: int
) -> None:
    path = INVITATIONS.format(organisation_id)
    member = signed_in(app, "member@example.org")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "member@example.org"))
        db.session.add(Membership(organisation_id=organisation_id, user_id=user.id))  # type: ignore[union-attr]
        db.session.commit()

    assert member.get(path).status_code == 404
    visitor = app.test_client().get(path)
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]


def test_the_cli_invites_from_a_file_and_reports(
    app: Flask, manager: FlaskClient, organisation_id: int, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    staff = tmp_path / "staff.csv"
    staff.write_text("email,name\nsam@example.org,Sam\nnonsense,No One\nalex@example.org,Alex\n")

    app.config["BASE_URL"] = "https://ct.example.org"

    result = app.test_cli_runner().invoke(
        args=["orgs", "invite", str(organisation_id), str(staff), "--from", "boss@example.org"]
    )

    assert result.exit_code == 0, result.output
    assert (
        "2 invited" in result.output
        and "line 3: nonsense: This is not a valid email address." in result.output
    )
    assert [email for email, _name, _team in invitations(app)] == [
        "sam@example.org",
        "alex@example.org",
    ]
    with app.app_context():
        link = link_in(queued_emails(to="sam@example.org")[0], "/join/invitation/")
        assert link.startswith("https://ct.example.org/join/invitation/")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["999", "{file}", "--from", "boss@example.org"], "No open organisation has the id 999"),
        (
            ["{org}", "{file}", "--from", "nobody@example.org"],
            "No account has the address nobody@example.org",
        ),
        (["{org}", "{bad}", "--from", "boss@example.org"], "The first line must name the columns"),
        (
            ["{org}", "{file}", "--from", "member@example.org"],
            "does not manage an open organisation",
        ),
    ],
)
def test_the_cli_refuses_bad_arguments_clearly(
    app: Flask,
    manager: FlaskClient,
    organisation_id: int,
    tmp_path,
    arguments: list[str],
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    good = tmp_path / "good.csv"
    good.write_text("email\nsam@example.org\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("who\nsam@example.org\n")
    with app.app_context():
        make_user(email="member@example.org")
    args = [a.format(file=good, bad=bad, org=organisation_id) for a in arguments]
    app.config["BASE_URL"] = "https://ct.example.org"

    result = app.test_cli_runner().invoke(args=["orgs", "invite", *args])

    assert result.exit_code != 0 and message in result.output
    assert invitations(app) == []


def test_someone_who_accepted_and_left_can_be_invited_again(
    app: Flask, manager: FlaskClient, organisation_id: int
) -> None:
    path = INVITATIONS.format(organisation_id)
    post_form(manager, path, {"email": "lee@example.org"})
    lee = signed_in(app, "lee@example.org")
    post_form(lee, invitation_link(app, "lee@example.org"), {})
    post_form(lee, f"/account/organisations/{organisation_id}/leave", {}, "/account/organisations")

    response = post_form(manager, path, {"email": "lee@example.org", "team": "Bar"})

    assert "We have emailed an invitation to lee@example.org." in manager.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation is not None and invitation.is_pending
        assert invitation.times_sent == 2 and invitation.team == "Bar"
        assert len(queued_emails(to="lee@example.org")) == 2


def test_joining_by_the_link_settles_the_same_persons_invitation_and_takes_its_team(
    app: Flask, manager: FlaskClient, organisation_id: int
) -> None:
    path = INVITATIONS.format(organisation_id)
    post_form(manager, path, {"email": "Sam@Example.org", "team": "Box office"})
    with app.app_context():
        invitation_id = db.session.scalar(select(Invitation.id))
    sam = signed_in(app, "sam@example.org")

    joined = post_form(sam, join_path(app, organisation_id), {})

    assert joined.status_code == 302
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation is not None and invitation.accepted_at is not None
        membership = db.session.scalar(select(Membership).where(Membership.role == "member"))
        assert membership is not None and membership.team == "Box office"
    manager.get(path)  # the message that the invitation was sent
    assert "sam@example.org" not in manager.get(path).get_data(as_text=True)


def test_an_invitation_to_someone_who_joined_by_the_link_earlier_is_not_sent_again(
    app: Flask, manager: FlaskClient, organisation_id: int
) -> None:
    path = INVITATIONS.format(organisation_id)
    post_form(manager, path, {"email": "sam@example.org"})
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation is not None
        invitation_id = invitation.id
        invitation.sent_at = utcnow() - timedelta(hours=2)
        sam = make_user(email="sam@example.org")
        organisation = db.session.get(Organisation, organisation_id)
        assert organisation is not None
        join(sam, organisation)  # as joining by the link did before it settled invitations
        db.session.commit()

    response = post_form(manager, f"{path}/{invitation_id}/resend", {}, form_page=path)

    page = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert "This person is a member already: they joined by the link." in page
    with app.app_context():
        assert len(queued_emails(to="sam@example.org")) == 1
