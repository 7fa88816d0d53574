"""What organisations hold about a person: their memberships, and the invitations sent to their
address.

Registered with :mod:`course.core.personal_data`: the ``organisations`` section of the export; the
erasure of memberships and invitations when the account is deleted; and the refusal to delete the
only manager of an open organisation.

Invitations are found by email address, not by account, and anyone can register any address
without being able to read its mailbox. So they are exported, and erased, only for an account
whose address is confirmed: otherwise someone could read, or wipe out, the invitations a manager
sent to someone else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from course.accounts.models import User
from course.core.personal_data import Erasure, ExportSection, PersonalData, exported_time, register
from course.extensions import db
from course.organisations.invitations import invitations_to
from course.organisations.memberships import every_membership_of, managed_by
from course.organisations.models import Invitation, Membership, MembershipRole


def organisations(user: User, _now: datetime) -> dict[str, Any]:
    """The person's memberships, and, once their address is confirmed, the invitations sent to
    it."""
    sent_to_them = invitations_to(user.email) if user.email_verified else []
    return {
        "memberships": [
            {
                "organisation": membership.organisation.name,
                "role": membership.role.value,
                "team": membership.team,
                "joined_at": exported_time(membership.joined_at),
                "due_at": exported_time(membership.due_at),
                "last_reminded_at": exported_time(membership.last_reminded_at),
                "organisation_closed_at": exported_time(membership.organisation.closed_at),
            }
            for membership in every_membership_of(user)
        ],
        "invitations": [
            {
                "organisation": invitation.organisation.name,
                "name": invitation.name,
                "team": invitation.team,
                "sent_at": exported_time(invitation.sent_at),
                "times_sent": invitation.times_sent,
                "accepted_at": exported_time(invitation.accepted_at),
            }
            for invitation in sent_to_them
        ],
    }


def only_manager_blockers(user: User) -> list[str]:
    """One reason for each open organisation that ``user`` alone manages: deleting the account
    would leave it without a manager."""
    blockers = []
    for organisation in managed_by(user):
        other_managers = db.session.scalar(
            select(func.count(Membership.id)).where(
                Membership.organisation_id == organisation.id,
                Membership.role == MembershipRole.MANAGER,
                Membership.user_id != user.id,
            )
        )
        if not other_managers:
            blockers.append(
                _(
                    "You are the only manager of %(name)s. Make someone else a manager, or close "
                    "the organisation, first.",
                    name=organisation.name,
                )
            )
    return blockers


def erase_memberships_and_invitations(erasure: Erasure) -> None:
    """End the person's memberships, so managers see them gone; and, if their address is
    confirmed, delete the invitations sent to it."""
    person = erasure.person
    db.session.execute(delete(Membership).where(Membership.user_id == person.id))
    if person.email_verified:
        db.session.execute(delete(Invitation).where(Invitation.email == person.email))


register(
    PersonalData(
        feature="organisations",
        exported={
            "memberships": "organisations",
            "invitations": "organisations (invitations sent to the person's email address, once "
            "it is confirmed)",
        },
        not_exported={
            "invitations.invited_by_id": "invitations a manager sent to other people: data about "
            "the people invited, exported to them",
            "organisations": "an organisation's own details; the name of each organisation the "
            "person belongs to or is invited to appears in the organisations section",
        },
        sections=(ExportSection("organisations", position=50, read=organisations),),
        erasure_order=20,
        erase=erase_memberships_and_invitations,
        blockers=only_manager_blockers,
    )
)
