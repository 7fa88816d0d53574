"""V4 Access control (ASVS 4.1.2, 4.2.1): typing an address when registering claims nothing sent to
it.

Anyone can register someone else's address without confirming it. Such an account reads nothing
found by that address (the invitations and emails in its data download), accepts no invitation
sent there, and deletes none of those invitations when it is deleted. Only an account that has
confirmed the invited address accepts an invitation; another account, confirmed or not, is refused
and nothing changes.
Registering through the emailed link itself, with the invited address, confirms it (the link was
emailed there): ``tests/test_organisation_invitations.py`` proves that, and that registering
through it with an address that already has an account confirms and joins nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from course.accounts.models import User
from course.extensions import db
from course.organisations.memberships import create_organisation
from course.organisations.models import Invitation, Membership
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.mail import link_in, queued_emails
from tests.fixtures.web import post_form, sign_in

VICTIM = "victim@example.org"
ORGANISATION = "Harbour Arts Centre"
INVITER = "Bea Boss"
TEAM = "Stage door"
INVITED_NAME = "Vic Tim"
INVITATION_SUBJECT = f"{ORGANISATION} invites you to take the CT Citizen course"


@pytest.fixture
def invitation_path(app: Flask) -> str:
    """A manager has invited VICTIM by email; the path of the link in that email."""
    with app.app_context():
        manager = make_user(email="boss@example.org", name=INVITER)
        organisation_id = create_organisation(manager, ORGANISATION, 30).id
        db.session.commit()
    manager_client = app.test_client()
    sign_in(manager_client, "boss@example.org", STRONG_PASSWORD)
    response = post_form(
        manager_client,
        f"/orgs/{organisation_id}/invitations",
        {"email": VICTIM, "name": INVITED_NAME, "team": TEAM},
    )
    assert response.status_code == 302
    with app.app_context():
        (email,) = queued_emails(to=VICTIM)
        assert email.subject == INVITATION_SUBJECT
        return link_in(email, "/join/invitation/").split("localhost", 1)[1]


def registered_without_confirming(app: Flask, email: str = VICTIM) -> FlaskClient:
    """Someone registers ``email`` through the ordinary form, confirms nothing, and signs in."""
    client = app.test_client()
    response = post_form(
        client,
        "/register",
        {"name": "Eve Attacker", "email": email, "password": STRONG_PASSWORD, "region": "uk"},
    )
    assert response.headers["Location"] == "/register/check-email"
    sign_in(client, email, STRONG_PASSWORD)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None and not user.email_verified
    return client


def confirm_address(app: Flask, client: FlaskClient, email: str = VICTIM) -> None:
    """Follow the confirmation link the outbox holds for ``email``, as its mailbox's owner."""
    with app.app_context():
        confirmation = [
            message
            for message in queued_emails(to=email)
            if "/account/confirm/" in message.text_body
        ][-1]
        path = link_in(confirmation, "/account/confirm/").split("localhost", 1)[1]
    assert post_form(client, path, {}).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None and user.email_verified


def downloaded_data(client: FlaskClient) -> tuple[str, dict[str, Any]]:
    response = post_form(client, "/account/data", {})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    return text, json.loads(text)


def invitation_state(app: Flask) -> tuple[int, bool]:
    """How many memberships there are (the manager's is one), and whether the invitation to
    VICTIM is still pending."""
    with app.app_context():
        memberships = db.session.scalar(select(func.count(Membership.id))) or 0
        invitation = db.session.scalar(select(Invitation).where(Invitation.email == VICTIM))
        assert invitation is not None
        return memberships, invitation.is_pending


def test_an_unconfirmed_account_downloads_nothing_sent_to_its_address_until_it_confirms(
    app: Flask, invitation_path: str
) -> None:
    attacker = registered_without_confirming(app)

    text, data = downloaded_data(attacker)

    for sent_to_the_address in (ORGANISATION, INVITER, TEAM, INVITED_NAME, INVITATION_SUBJECT):
        assert sent_to_the_address not in text
    assert data["organisations"]["invitations"] == []
    assert data["emails"] == []
    assert "not confirmed" in data["note"]
    page = attacker.get("/account/data").get_data(as_text=True)
    assert "Your email address is not confirmed yet" in page
    # What is tied to the account itself is still there.
    assert data["profile"]["email"] == VICTIM and data["profile"]["name"] == "Eve Attacker"
    assert data["profile"]["email_confirmed_at"] is None

    confirm_address(app, attacker)
    text, data = downloaded_data(attacker)

    assert data["note"] is None
    page = attacker.get("/account/data").get_data(as_text=True)
    assert "Your email address is not confirmed yet" not in page
    [invitation] = data["organisations"]["invitations"]
    assert invitation["organisation"] == ORGANISATION and invitation["team"] == TEAM
    assert invitation["name"] == INVITED_NAME and invitation["accepted_at"] is None
    assert INVITATION_SUBJECT in [email["subject"] for email in data["emails"]]
    assert INVITER in text


def test_an_unconfirmed_account_cannot_accept_an_invitation_to_its_address(
    app: Flask, invitation_path: str
) -> None:
    attacker = registered_without_confirming(app)
    before = invitation_state(app)

    page = attacker.get(invitation_path)
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert "Confirm your email address first" in shown
    assert f"This invitation was sent to {VICTIM}." in shown
    assert f"Join {ORGANISATION}</button>" not in shown

    response = post_form(attacker, invitation_path, {})

    assert response.status_code == 403
    assert "Confirm your email address first" in response.get_data(as_text=True)
    assert invitation_state(app) == before == (1, True)
    assert "/account/organisations" not in response.headers.get("Location", "")


def test_a_confirmed_account_with_another_address_cannot_accept_the_invitation(
    app: Flask, invitation_path: str
) -> None:
    with app.app_context():
        make_user(email="someone.else@example.org", name="Sam Else")
    other = app.test_client()
    sign_in(other, "someone.else@example.org", STRONG_PASSWORD)
    before = invitation_state(app)

    shown = other.get(invitation_path).get_data(as_text=True)
    assert "This invitation is for another email address" in shown
    assert (
        f"This invitation was sent to {VICTIM}, but you are signed in as "
        "someone.else@example.org." in shown
    )
    assert f"Join {ORGANISATION}</button>" not in shown

    response = post_form(other, invitation_path, {})

    assert response.status_code == 403
    assert "This invitation is for another email address" in response.get_data(as_text=True)
    assert invitation_state(app) == before == (1, True)


def test_the_account_that_confirmed_the_invited_address_accepts(
    app: Flask, invitation_path: str
) -> None:
    owner = registered_without_confirming(app)
    assert post_form(owner, invitation_path, {}).status_code == 403
    confirm_address(app, owner)

    shown = owner.get(invitation_path).get_data(as_text=True)
    assert f"Join {ORGANISATION}</button>" in shown
    response = post_form(owner, invitation_path, {})

    assert response.status_code == 302 and response.headers["Location"] == "/account/organisations"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == VICTIM))
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))  # type: ignore[union-attr]
        assert membership is not None and membership.team == TEAM
    assert invitation_state(app) == (2, False)


def test_registering_through_the_invitation_with_another_address_creates_and_joins_nothing(
    app: Flask, invitation_path: str
) -> None:
    visitor = app.test_client()

    response = post_form(
        visitor,
        invitation_path + "/register",
        {
            "name": "Eve Attacker",
            "email": "eve@example.org",
            "password": STRONG_PASSWORD,
            "region": "uk",
        },
    )

    assert response.status_code == 200
    assert f"This invitation was sent to {VICTIM}. Use that address to join" in (
        response.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "eve@example.org")) is None
        assert queued_emails(to="eve@example.org") == []
    assert invitation_state(app) == (1, True)


def test_deleting_an_unconfirmed_account_leaves_the_invitations_sent_to_its_address(
    app: Flask, invitation_path: str
) -> None:
    attacker = registered_without_confirming(app)

    response = post_form(attacker, "/account/delete", {"password": STRONG_PASSWORD})

    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == VICTIM)) is None
    assert invitation_state(app) == (1, True)
    # The invitation still works for the address's owner.
    assert app.test_client().get(invitation_path).status_code == 200
